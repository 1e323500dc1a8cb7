"""One file as the checks see it: read once, decoded once, parsed once."""

from __future__ import annotations

import ast
import codecs
import io
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ._read import Unread, exists, read_file, read_head

if TYPE_CHECKING:
    from ._config import Config
    from ._git import IndexEntry

T = TypeVar("T")
BINARY_SNIFF = 8192  # bytes looked at to tell text from binary, as git does
# A byte-order mark names the encoding. UTF-32's little-endian mark begins with UTF-16's: test it first.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Binary formats whose first bytes can be valid UTF-8 with a NUL in them (archives of text files,
# databases); every other binary measured (images, compressed data, bytecode, executables, fonts,
# 20,000 files) has bytes that are not UTF-8 before its first 8 KB end.
BINARY_MAGIC = (b"SQLite format 3\0", b"070701", b"070702", b"070707", b"DIRC", b"\0\0\0\1Bud1", b"!<arch>\n")
TAR_MAGIC_AT = 257  # "ustar" at this offset marks a tar archive
# control bytes that text does not hold (tab, newlines, form feed, escape and backspace are text)
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c\x1b\x08") + b"\x7f"
# what ast.parse raises on source it cannot take: SyntaxError; ValueError (NUL bytes in 3.11);
# RecursionError and MemoryError (nesting deeper than the parser's stack: `x = ------...1`)
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
BINARY = Unread("binary", "a binary file")


def _depth_first(path: str) -> tuple[int, str]:
    return path.count("/"), path


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
    bad_offset: int | None = None  # character offset of the first byte that was not UTF-8 (replaced)
    encoding: str = "utf-8"  # the codec the bytes were read with (a BOM's, a PEP 263 cookie's, ...)
    bom: bool = False  # the encoding was told by a byte-order mark

    @property
    def wide(self) -> bool:
        """UTF-16 or UTF-32: text, but binary to git and not source Python can import."""
        return self.encoding.startswith(("utf-16", "utf-32"))


def decode(path: str, raw: bytes) -> Decoded | None:
    """The text of a file, or None for a binary file.

    Text: UTF-8 (a BOM dropped); UTF-16/32 with a byte-order mark, or UTF-16 without one when every
    other byte is NUL (Latin text); the PEP 263 encoding a Python file declares; other bytes with
    replacement characters (`bad_offset` says where). A NUL does not make a file binary when the
    rest is text: a stray NUL in source is a finding, not a reason to look away. Binary: a NUL in
    the first BINARY_SNIFF bytes of something that is not UTF-8, is mostly NULs or control bytes,
    or starts like an archive or a database.
    """
    for bom, codec in BOMS:
        if raw.startswith(bom):
            if codec == "utf-8":
                break
            return _decode_wide(raw[len(bom) :], codec, bom=True)
    sample = raw[:BINARY_SNIFF]
    if b"\0" in sample:
        wide = _utf16_without_bom(sample)
        if wide is not None:
            return _decode_wide(raw, wide, bom=False)
        if _is_binary(sample):
            return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = _declared_encoding(path, raw)
        if declared is not None:
            return declared
        text = raw.decode("utf-8", "replace")
        bad = len(raw[: exc.start].decode("utf-8"))  # everything before the first bad byte is UTF-8
        return Decoded(text[1:], bad - 1, bom=True) if text.startswith("\ufeff") else Decoded(text, bad)
    return Decoded(text[1:], bom=True) if text.startswith("\ufeff") else Decoded(text)


def _decode_wide(raw: bytes, codec: str, *, bom: bool) -> Decoded | None:
    try:
        return Decoded(raw.decode(codec), encoding=codec, bom=bom)
    except UnicodeDecodeError:
        if not bom:
            return None  # it only looked like UTF-16
        return Decoded(raw.decode(codec, "replace"), encoding=codec, bom=bom)


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'-be' when the NULs sit at one parity, and almost only there: Latin text in UTF-16."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0 : pairs * 2 : 2].count(0), sample[1 : pairs * 2 : 2].count(0)
    if odd >= 0.7 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.7 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _is_binary(sample: bytes) -> bool:
    """For a sample holding a NUL: binary unless it is otherwise UTF-8 text."""
    if sample.startswith(BINARY_MAGIC) or sample[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar":
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # more than a character cut at the sample's end
            return True
    rest = sample.replace(b"\0", b"")
    if not rest.strip():
        return True  # nothing but NULs and blanks: no text to check
    controls = len(rest) - len(rest.translate(None, _CONTROL))
    return controls > 0.02 * len(rest)


def _declared_encoding(path: str, raw: bytes) -> Decoded | None:
    """Python source may declare its encoding (PEP 263); honour it before calling a file broken."""
    if not path.endswith((".py", ".pyi")):
        return None
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return Decoded(raw.decode(encoding), encoding=encoding)
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

    Reading goes through `hooks._read`: regular files only, at most `config.max_file_size` bytes,
    and a symlink only when its target is inside the repository; `unread(path)` says why
    `file(path)` is None. `index`: paths whose contents come from the git index instead of the work
    tree (a commit checks what it commits, such as staged content the work tree no longer has;
    sparse-checkout entries), read with one `git cat-file --batch` (`preload`).

    `config` is always a `Config`: the one the run loaded, or (when a caller gives none) the defaults
    a repository without `.ava-safety.yaml` has. Nobody reads `.ava-safety.yaml` on the side.
    """

    root: Path
    repo_files: frozenset[str] = frozenset()
    config: Config = None  # type: ignore[assignment]  # None: the defaults, set in __post_init__
    facts: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)
    files: dict[str, SourceFile | None] = field(default_factory=dict, repr=False)
    index: Mapping[str, IndexEntry] = field(default_factory=dict, repr=False)
    unread_reasons: dict[str, Unread] = field(default_factory=dict, repr=False)
    blobs: dict[str, bytes | Unread] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.config is None:
            from ._config import Config

            self.config = Config(root=self.root)

    @cached_property
    def real_root(self) -> Path:
        return Path(os.path.realpath(self.root))

    @property
    def max_size(self) -> int:
        return self.config.max_file_size

    @cached_property
    def by_name(self) -> Mapping[str, tuple[str, ...]]:
        """Tracked files by their file name, each list shallowest first: the one walk over every
        tracked path that finding `Dockerfile`, `pyproject.toml` or `requirements*.txt` at any depth
        needs (agricultural-core tracks 8,253 files; six such walks cost more than checking a commit)."""
        found: dict[str, list[str]] = {}
        for path in self.repo_files:
            found.setdefault(path.rpartition("/")[2], []).append(path)
        return {
            name: (paths[0],) if len(paths) == 1 else tuple(sorted(paths, key=_depth_first))
            for name, paths in found.items()
        }

    def named(self, *names: str) -> list[str]:
        """Tracked files with any of these names, at any depth, shallowest first."""
        return sorted((p for n in names for p in self.by_name.get(n, ())), key=_depth_first)

    def fact(self, compute: Callable[[RunContext], T]) -> T:
        if compute not in self.facts:
            self.facts[compute] = compute(self)
        result: T = self.facts[compute]
        return result

    def file(self, path: str) -> SourceFile | None:
        """The decoded file at repo-relative `path`; None when it is missing, unreadable, binary, too
        large, not a regular file, or a symlink that leaves the repository (`unread` says which)."""
        if path not in self.files:
            self.files[path] = self._read(path)
        return self.files[path]

    def unread(self, path: str) -> Unread | None:
        """Why `file(path)` was None (None when it was not, or nobody asked)."""
        return self.unread_reasons.get(path)

    def exists(self, path: str) -> bool:
        """Whether repo-relative `path` is on disk; a name too long or a loop is simply not there."""
        return exists(self.root / path)

    def preload(self, paths: Iterable[str]) -> None:
        """Fetch the index contents of those of `paths` that are read from the index, in one git process."""
        wanted = {p: self.index[p] for p in paths if p in self.index and p not in self.blobs}
        if wanted:
            from ._git import read_blobs

            self.blobs.update(read_blobs(self.root, wanted, self.max_size))

    def _load(self, path: str) -> tuple[bytes | Unread, bool]:
        """The contents (or why not) and whether they were read through a symlink."""
        if path in self.index:
            self.preload([path])
            blob = self.blobs.pop(path)
            if isinstance(blob, Unread) and blob.reason == "too-large" and decode(path, blob.head) is None:
                return BINARY, False
            return blob, False
        full = self.root / path
        # a name from a file's text (a COPY source) may climb out through `..` or a linked directory
        untracked = path not in self.repo_files
        got = read_file(
            full, self.max_size, inside=self.real_root, resolve_dirs=untracked, follow_links=False
        )
        via_link = isinstance(got, Unread) and got.reason == "link" and got.detail == "a symlink"
        if via_link:
            got = read_file(full, self.max_size, inside=self.real_root, resolve_dirs=untracked)
        if (
            isinstance(got, Unread)
            and got.reason == "too-large"
            and decode(path, read_head(full, BINARY_SNIFF)) is None
        ):
            got = BINARY  # a large image or library: skipped like any binary file, with no warning
        return got, via_link

    def _read(self, path: str) -> SourceFile | None:
        raw, via_link = self._load(path)
        if isinstance(raw, Unread):
            self.unread_reasons[path] = raw
            return None
        decoded = decode(path, raw)
        if decoded is None:
            self.unread_reasons[path] = BINARY
            return None
        source = SourceFile(path, decoded.text, context=self)
        source.encoding = decoded.encoding
        source.via_link = via_link
        if decoded.bad_offset is not None:
            source.bad_byte = source.position(decoded.bad_offset)
        nul = decoded.text.find("\0")
        if nul >= 0:
            source.nul = source.position(nul)
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
        self.encoding = "utf-8"  # what the file's bytes were decoded from (see `decode`)
        self.nul: tuple[int, int] | None = None  # (line, column) of the first NUL character
        # read through a symlink (inside the repository): the engine checks a link by its path only
        self.via_link = False
        # other parsed views of this file (a web document, ...), keyed by their owner; see release()
        self.views: dict[object, Any] = {}

    def release(self) -> None:
        """Drop the parsed views (syntax tree, node index, views), keeping the text.

        The engine calls it when it has checked the file: a run holds thousands of files, and their
        trees kept alive to the end cost more memory and garbage-collector time than parsing the
        rare one again that another check asks for later."""
        for name in ("tree", "_parsed", "_byte_lines"):
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

    @property
    def wide(self) -> bool:
        """Decoded from UTF-16 or UTF-32: text, but binary to git and not source Python can import."""
        return self.encoding.startswith(("utf-16", "utf-32"))

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of character `offset` of the text."""
        start = 0
        for number, line in enumerate(self._text_lines, start=1):
            if offset < start + len(line):
                return number, offset - start + 1
            start += len(line)
        return max(len(self._text_lines), 1), 1

    @cached_property
    def tree(self) -> ast.Module | None:
        """The stdlib syntax tree, or None when the file does not parse (`syntax_error` says why)."""
        return self._parsed[0]

    @property
    def syntax_error(self) -> tuple[int, int, str] | None:
        """(line, column, message) of why `tree` is None, for a Python file that does not parse."""
        return self._parsed[1]

    @cached_property
    def _parsed(self) -> tuple[ast.Module | None, tuple[int, int, str] | None]:
        if not self.is_python:
            return None, None
        return parse_python(self.text, self.path)

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


def parse_python(
    text: str, filename: str = "<unknown>"
) -> tuple[ast.Module | None, tuple[int, int, str] | None]:
    """`ast.parse`, with what it raises on source it cannot take as (line, column, message).

    Besides SyntaxError: ValueError (NUL bytes), RecursionError and MemoryError (a 6 KB line of
    `x = ------...1` is deeper than the parser's stack, and CPython cannot compile it either)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename), None
    except SyntaxError as exc:
        return None, (exc.lineno or 1, max(exc.offset or 1, 1), exc.msg)
    except ValueError as exc:
        return None, (1, 1, str(exc))
    except (RecursionError, MemoryError):
        return None, (1, 1, "too deeply nested to compile")
