"""The registry of check kinds.

A kind compiles a rule's fields once (at load time, with every error reported) into a checker:
- `FileChecker.check_file(source)` for kinds that look at one file's text (regex, files, plugin);
- `TreeChecker` for kinds that match nodes of the stdlib syntax tree (python, imports): the engine
  walks each file's tree once and dispatches nodes to every tree checker by node type;
- `RepoChecker.check_repo(paths)` for kinds that speak of the repository as a whole.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .._source import Match, SourceFile


class CheckError(Exception):
    """A rule's check fields are wrong; `key` names the field so the loader can give its line."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class FileChecker(Protocol):
    def admits(self, source: SourceFile) -> bool: ...
    def check_file(self, source: SourceFile) -> Iterable[Match]: ...


class TreeChecker(Protocol):
    node_types: tuple[type[ast.AST], ...]

    def admits(self, source: SourceFile) -> bool: ...
    def match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None: ...


class RepoChecker(Protocol):
    def check_repo(self, paths: frozenset[str]) -> Iterable[tuple[str, Match]]: ...


@dataclass(frozen=True)
class CheckKind:
    name: str
    fields: frozenset[str]
    required: frozenset[str]
    compile: Callable[[Mapping[str, Any]], Any]
    default_files: tuple[str, ...] = ()
    needs_tree: bool = False
    # fields whose value may name a list in the pack header (`lists:`), e.g. `allowed-colours: palette`
    list_fields: frozenset[str] = frozenset()


KINDS: dict[str, CheckKind] = {}


def register(kind: CheckKind) -> CheckKind:
    KINDS[kind.name] = kind
    return kind


def load_kinds() -> dict[str, CheckKind]:
    from . import contrast, css, files, html, imports, plugin, python, regex, strings  # noqa: F401  (registration)

    return KINDS


__all__ = ["CheckError", "CheckKind", "KINDS", "Match", "SourceFile", "load_kinds", "register"]
