"""One file as the checks see it: read once, decoded once, parsed once."""

from __future__ import annotations

import ast
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ._config import Config

T = TypeVar("T")
BINARY_SNIFF = 8192  # bytes looked at for a NUL that marks a binary file


@dataclass(frozen=True)
class Match:
    """A raw hit of a check inside one file; the engine turns it into a Finding."""

    line: int  # 1-based
    col: int = 1  # 1-based, in characters
    values: dict[str, str] = field(default_factory=dict)  # message placeholders
    end_line: int | None = None


@dataclass(frozen=True)
class Decoded:
    """A file's bytes as text: how every reader in the package decodes a file."""

    text: str
    bad_offset: int | None = None  # byte offset of the first byte that is not UTF-8 (replaced)


def decode(path: str, raw: bytes) -> Decoded | None:
    """UTF-8 (a BOM dropped), or the PEP 263 encoding a Python file declares; None for binary."""
    if b"\0" in raw[:BINARY_SNIFF]:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = _declared_encoding(path, raw)
        if declared is not None:
            return Decoded(declared)
        return Decoded(raw.decode("utf-8", "replace"), exc.start)
    return Decoded(text[1:] if text.startswith("\ufeff") else text)


def _declared_encoding(path: str, raw: bytes) -> str | None:
    """Python source may declare its encoding (PEP 263); honour it before calling a file broken."""
    if not path.endswith((".py", ".pyi")):
        return None
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


@dataclass
class RunContext:
    """What every check of one run shares: the repo, its tracked files, the config, files and facts.

    `file(path)` is the one way a check reads a file other than the one it is given: each file is
    read and decoded once per run, and the engine checks a file it finds in the table from that same
    read (it keeps the files checks asked for, not every file it checked; see SourceFile.release).
    `fact(f)` computes a repo-wide fact once per run, keyed by the function that computes it, and
    keeps its type (a plugin's `fact(declared_dependencies)` is a `Declared`, not `Any`).

    `config` is always a `Config`: the one the run loaded, or (when a caller gives none) the defaults
    a repository without `.ava-safety.yaml` has. Nobody reads `.ava-safety.yaml` on the side.
    """

    root: Path
    repo_files: frozenset[str] = frozenset()
    config: Config = None  # type: ignore[assignment]  # None: the defaults, set in __post_init__
    facts: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)
    files: dict[str, SourceFile | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.config is None:
            from ._config import Config

            self.config = Config(root=self.root)

    def fact(self, compute: Callable[[RunContext], T]) -> T:
        if compute not in self.facts:
            self.facts[compute] = compute(self)
        result: T = self.facts[compute]
        return result

    def file(self, path: str) -> SourceFile | None:
        """The decoded file at repo-relative `path`; None when it is missing, unreadable or binary."""
        if path not in self.files:
            self.files[path] = self._read(path)
        return self.files[path]

    def _read(self, path: str) -> SourceFile | None:
        try:
            raw = (self.root / path).read_bytes()
        except OSError:
            return None
        decoded = decode(path, raw)
        if decoded is None:
            return None
        source = SourceFile(path, decoded.text, context=self)
        if decoded.bad_offset is not None:
            bad = decoded.bad_offset
            line_start = raw.rfind(b"\n", 0, bad) + 1
            # everything before the first bad byte is valid UTF-8
            source.bad_byte = (raw.count(b"\n", 0, bad) + 1, len(raw[line_start:bad].decode("utf-8")) + 1)
        return source


class SourceFile:
    """A file's text with lazily computed views shared by every rule that looks at it."""

    def __init__(
        self,
        path: str,
        text: str,
        *,
        repo_files: frozenset[str] = frozenset(),
        context: RunContext | None = None,
    ) -> None:
        self.path = path  # repo-relative, forward slashes
        self.text = text
        self.context = context if context is not None else RunContext(Path("."), repo_files)
        self.repo_files = self.context.repo_files if context is not None else repo_files
        self.node_index: dict[type[ast.AST], list[ast.AST]] | None = None
        # (line, column) of the first byte that is not UTF-8, when the file was decoded with replacements
        self.bad_byte: tuple[int, int] | None = None
        # other parsed views of this file (a web document, ...), keyed by their owner; see release()
        self.views: dict[object, Any] = {}

    def release(self) -> None:
        """Drop the parsed views (syntax tree, node index, views), keeping the text.

        The engine calls it when it has checked the file: a run holds thousands of files, and their
        trees kept alive to the end cost more memory and garbage-collector time than parsing the
        rare one again that another check asks for later."""
        for name in ("tree", "_byte_lines"):
            self.__dict__.pop(name, None)
        self.node_index = None
        self.views.clear()

    def nodes(self, *types: type[ast.AST]) -> list[ast.AST]:
        """Nodes of these types, from one shared walk of the tree (the engine's, when it ran one).

        Plugins use this instead of their own `ast.walk`, so a file is walked once for all rules.
        """
        if self.node_index is None:
            index: dict[type[ast.AST], list[ast.AST]] = {}
            if self.tree is not None:
                # depth-first, in source order: the order of the engine's walk, which builds the
                # same index when it walks this file
                stack: list[ast.AST] = [self.tree]
                while stack:
                    node = stack.pop()
                    index.setdefault(type(node), []).append(node)
                    stack.extend(reversed(list(ast.iter_child_nodes(node))))
            self.node_index = index
        if len(types) == 1:
            return self.node_index.get(types[0], [])
        found = [n for t in types for n in self.node_index.get(t, [])]
        found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        return found

    @cached_property
    def lines(self) -> list[str]:
        # only \n, \r\n and \r end a line, as for ast and git; str.splitlines() would also split
        # at form feeds and U+2028, shifting every later line number
        return [line.rstrip("\r\n") for line in self._text_lines]

    @cached_property
    def _text_lines(self) -> list[str]:
        return io.StringIO(self.text, newline="").readlines()

    @cached_property
    def is_python(self) -> bool:
        if self.path.endswith((".py", ".pyi")):
            return True
        # an extensionless script (bin/manage) that a rule's `files` names is Python by its shebang
        return self.text.startswith("#!") and "python" in self.text.split("\n", 1)[0]

    @cached_property
    def tree(self) -> ast.Module | None:
        """The stdlib syntax tree, or None when the file does not parse."""
        if not self.is_python:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(self.text, filename=self.path)
        except (SyntaxError, ValueError, RecursionError):  # RecursionError: too deeply nested to compile
            return None

    def line_text(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return ""

    def char_col(self, line: int, byte_offset: int) -> int:
        """ast gives UTF-8 byte offsets; findings use 1-based character columns."""
        text = self.line_text(line)
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    @cached_property
    def _byte_lines(self) -> list[bytes]:
        return [line.encode("utf-8") for line in self._text_lines]

    def segment(self, node: ast.AST) -> str:
        """The exact source text of a node (falls back to ast.unparse for synthetic nodes)."""
        lineno = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        col = getattr(node, "col_offset", None)
        end_col = getattr(node, "end_col_offset", None)
        if lineno is None or end is None or col is None or end_col is None:
            return ast.unparse(node)
        blines = self._byte_lines
        if end > len(blines):
            return ast.unparse(node)
        if lineno == end:
            raw = blines[lineno - 1][col:end_col]
        else:
            raw = blines[lineno - 1][col:] + b"".join(blines[lineno : end - 1]) + blines[end - 1][:end_col]
        return raw.decode("utf-8", "replace")
