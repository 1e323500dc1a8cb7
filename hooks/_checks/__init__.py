"""The registry of check kinds, and the four shapes of checker a kind compiles a rule into.

A kind compiles a rule's fields once (at load time, with every error reported) into a checker. The
checker declares its shape in `shape`, and the engine dispatches on that tag alone (no probing):

- `"tree"` (TreeChecker, kinds `python` and `imports`): matches nodes of the stdlib syntax tree. The
  engine walks each file's tree once and offers every node to the tree checkers that registered its
  type (`node_types`) and, for calls, the called name (`call_names`; None: any call). A tree kind
  that also reads files that are not Python as plain text (`strings`: the literals of templates)
  says so with `reads_plain_text` and is given those files through `check_text`.
- `"file"` (FileChecker, kinds `regex`, `css`, `html`, `contrast`, `files` must-not-exist, `plugin`):
  looks at one file at a time. `reads_text = False` means the path alone decides, so the engine never
  reads the file; `needs_tree = True` means a Python file is parsed first, and one that does not parse
  is skipped with the engine's AS005 warning, unless `reports_syntax_errors` (the check reports
  syntax itself, as syntax-imports does).
- `"repo"` (RepoChecker, a `plugin` whose function is marked repo-wide): a fact of the repository
  as a whole (ports that must agree across files, names, pipelines, variables set and never read).
  The engine calls it ONCE per run, in the parent process before any worker starts, with the checked
  paths the rule applies to, and treats each `(path, Match)` it yields as a finding of that file:
  the file's inline suppressions, the baseline, coverage and scoring apply as for a file checker.
  `admits`, `needs_tree` and `reports_syntax_errors` mean what they mean for a file checker.
- `"tracked"` (TrackedChecker, kind `files` must-exist): a fact about the tracked file set alone,
  checked once per run after the files.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .._source import Match, SourceFile

if TYPE_CHECKING:
    from .._source import RunContext


class CheckError(Exception):
    """A rule's check fields are wrong; `key` names the field so the loader can give its line."""

    def __init__(self, key: str | None, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.line = line  # the line of a nested value (an option), when the kind knows it


class TreeChecker(Protocol):
    @property
    def shape(self) -> Literal["tree"]: ...
    @property
    def node_types(self) -> tuple[type[ast.AST], ...]: ...
    @property
    def call_names(self) -> frozenset[str] | None: ...
    @property
    def reads_plain_text(self) -> bool: ...

    def admits(self, source: SourceFile) -> bool: ...
    def match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None: ...
    def check_text(self, source: SourceFile) -> Iterable[Match]: ...


class FileChecker(Protocol):
    @property
    def shape(self) -> Literal["file"]: ...
    @property
    def reads_text(self) -> bool: ...
    @property
    def needs_tree(self) -> bool: ...
    @property
    def reports_syntax_errors(self) -> bool: ...

    def admits(self, source: SourceFile) -> bool: ...
    def check_file(self, source: SourceFile) -> Iterable[Match]: ...


class RepoChecker(Protocol):
    @property
    def shape(self) -> Literal["repo"]: ...
    @property
    def needs_tree(self) -> bool: ...
    @property
    def reports_syntax_errors(self) -> bool: ...

    def admits(self, source: SourceFile) -> bool: ...
    def check_repo(self, context: RunContext, paths: Sequence[str]) -> Iterable[tuple[str, Match]]: ...


class TrackedChecker(Protocol):
    @property
    def shape(self) -> Literal["tracked"]: ...

    def check_tracked(self, paths: frozenset[str]) -> Iterable[tuple[str, Match]]: ...


Checker = TreeChecker | FileChecker | RepoChecker | TrackedChecker


@dataclass(frozen=True)
class CheckKind:
    name: str
    fields: frozenset[str]
    required: frozenset[str]
    compile: Callable[[Mapping[str, Any]], Checker]
    default_files: tuple[str, ...] = ()
    # fields whose value may name a list in the pack header (`lists:`), e.g. `allowed-colours: palette`
    list_fields: frozenset[str] = frozenset()


KINDS: dict[str, CheckKind] = {}


def register(kind: CheckKind) -> CheckKind:
    KINDS[kind.name] = kind
    return kind


# The bundled kinds by name, each in its own module, imported (and so registered) the first time a
# rule asks for it: a hook whose rules never use css or html does not pay for the stylesheet and
# markup models at every start.
BUNDLED_KINDS = ("contrast", "css", "files", "html", "imports", "plugin", "python", "regex", "strings")


class _Kinds(Mapping[str, CheckKind]):
    def __getitem__(self, name: str) -> CheckKind:
        if name not in KINDS and name in BUNDLED_KINDS:
            import importlib

            importlib.import_module(f"{__name__}.{name}")
        return KINDS[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*BUNDLED_KINDS, *KINDS]))

    def __len__(self) -> int:
        return len(set(BUNDLED_KINDS) | set(KINDS))


_LAZY = _Kinds()


def load_kinds() -> Mapping[str, CheckKind]:
    """Every check kind by name; a bundled kind's module is imported when the kind is first used."""
    return _LAZY


__all__ = [
    "CheckError",
    "CheckKind",
    "Checker",
    "FileChecker",
    "KINDS",
    "Match",
    "RepoChecker",
    "SourceFile",
    "TrackedChecker",
    "TreeChecker",
    "load_kinds",
    "register",
]
