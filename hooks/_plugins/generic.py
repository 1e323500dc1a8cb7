"""Checks of the generic pack that a pattern cannot express: findings placed on an `except` line.

A `python` pattern is reported at the node it is rooted at, and a handler can only be matched as part
of its `try`, so a pattern would point at the `try` line, possibly far above the offending clause (and
a suppression comment would have to sit there too). These functions report the clause itself.

Each takes `(source, options)` and yields `Match`es; stdlib `ast` only. They run on every commit, so
a regex over the text comes first: most files have no such clause and their tree is never walked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .._source import Match, SourceFile

BARE_EXCEPT_RX = re.compile(r"^[ \t]*except[ \t]*:", re.M)
BROAD_EXCEPT_RX = re.compile(r"^[ \t]*except\b[^\n:]*\b(?:Base)?Exception\b", re.M)
BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException"})


def check_bare_except(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """`except:` whose handler does not end by re-raising (cleanup, then `raise`, is fine)."""
    if not BARE_EXCEPT_RX.search(source.text) or source.tree is None:
        return
    for handler in _handlers(source.tree):
        if handler.type is None and not _ends_with_reraise(handler):
            yield _match(source, handler)


def check_swallowed_exception(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """`except Exception` / `except BaseException` (alone or in a tuple) whose body is only pass/...."""
    if not BROAD_EXCEPT_RX.search(source.text) or source.tree is None:
        return
    for handler in _handlers(source.tree):
        if handler.type is not None and _is_broad(handler.type) and _is_empty(handler.body):
            yield _match(source, handler, exception=source.segment(handler.type))


def _handlers(tree: ast.AST) -> Iterator[ast.ExceptHandler]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            yield node


def _ends_with_reraise(handler: ast.ExceptHandler) -> bool:
    last = handler.body[-1]
    return isinstance(last, ast.Raise) and last.exc is None


def _is_broad(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return any(_is_broad(element) for element in node.elts)
    return isinstance(node, ast.Name) and node.id in BROAD_EXCEPTIONS


def _is_empty(body: list[ast.stmt]) -> bool:
    return all(isinstance(stmt, ast.Pass) or _is_ellipsis(stmt) for stmt in body)


def _is_ellipsis(stmt: ast.stmt) -> bool:
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(value, ast.Constant) and value.value is Ellipsis


def _match(source: SourceFile, handler: ast.ExceptHandler, **values: str) -> Match:
    return Match(handler.lineno, source.char_col(handler.lineno, handler.col_offset), values)
