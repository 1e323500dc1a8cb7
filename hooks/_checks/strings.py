"""`strings`: a regex over the values of string literals, never comments, identifiers or docstrings.

Python files are matched on the engine's one tree walk (string constants and f-strings); a finding
stands where the regex hit inside the literal. Files that are not Python (templates) are text that
a user reads, so they are searched line by line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from .._source import Match, SourceFile
from . import CheckError, CheckKind, register
from .regexes import begin, compile_rule_regex

SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def dotted_name(node: ast.AST) -> str:
    """`a.b.c` for a name/attribute chain; other receivers (calls, subscripts) become `?`."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else "?")
    return ".".join(reversed(parts))


def _regex(fields: Mapping[str, Any], key: str, flags: int) -> Any:
    return compile_rule_regex(fields[key], key, flags)


def _bool(fields: Mapping[str, Any], key: str, default: bool) -> bool:
    value = fields.get(key, default)
    if not isinstance(value, bool):
        raise CheckError(key, f"'{key}' must be true or false")
    return value


class StringsChecker:
    shape: ClassVar[Literal["tree"]] = "tree"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (ast.Constant, ast.JoinedStr)
    call_names: ClassVar[frozenset[str] | None] = None
    reads_plain_text: ClassVar[bool] = True  # templates: their text is their strings

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.ignore_case = _bool(fields, "ignore-case", False)
        self.rx = _regex(fields, "pattern", re.IGNORECASE if self.ignore_case else 0)
        self.skip_docstrings = _bool(fields, "skip-docstrings", True)
        self.f_strings = _bool(fields, "f-strings", True)
        self.skip_calls = _regex(fields, "skip-calls", 0) if "skip-calls" in fields else None
        min_words = fields.get("min-words", 1)
        if not isinstance(min_words, int) or isinstance(min_words, bool) or min_words < 1:
            raise CheckError("min-words", "'min-words' must be a whole number, 1 or more")
        self.min_words = min_words
        contains = fields.get("contains", [])
        if isinstance(contains, str):
            contains = [contains]
        if not isinstance(contains, list) or not all(isinstance(w, str) and w for w in contains):
            raise CheckError("contains", "'contains' must be a word or a list of words")
        self.contains = tuple(w.lower() for w in contains)

    def admits(self, source: SourceFile) -> bool:
        # a substring test of the lowered text is many times cheaper than the regex, and most
        # files fail it; a file whose text the regex does not match is never parsed for this rule
        begin(self.rx, source)
        begin(self.skip_calls, source)
        if self.contains:
            text = source.text.lower()
            if not any(w in text for w in self.contains):
                return False
        return self.rx.search(source.text) is not None

    def check_text(self, source: SourceFile) -> Iterator[Match]:
        """A file that is not Python (a template): its text is what users read, line by line."""
        for number, text in enumerate(source.lines, start=1):
            m = self.rx.search(text)
            if m is not None:
                yield Match(number, m.start() + 1, _values(m))

    def match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None:
        parent = ancestors[-1] if ancestors else None
        if isinstance(node, ast.JoinedStr):
            if not self.f_strings:
                return None
            value = _fstring_text(node)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and not isinstance(parent, ast.JoinedStr)
        ):
            value = node.value
            if self.skip_docstrings and _is_docstring(parent, ancestors):
                return None
        else:
            return None  # not a string, or a piece of an f-string (matched as the whole f-string)
        if self.min_words > 1 and len(value.split()) < self.min_words:
            return None
        m = self.rx.search(value)
        if m is None:
            return None
        if self.skip_calls is not None and any(
            isinstance(a, ast.Call) and self.skip_calls.search(dotted_name(a.func)) for a in ancestors
        ):
            return None
        line, col = _locate(source, node, m.group(0))
        return Match(line, col, _values(m))


def _is_docstring(parent: ast.AST | None, ancestors: list[ast.AST]) -> bool:
    if not isinstance(parent, ast.Expr) or len(ancestors) < 2:
        return False
    scope = ancestors[-2]
    return isinstance(scope, SCOPES) and bool(scope.body) and scope.body[0] is parent


def _fstring_text(node: ast.JoinedStr) -> str:
    """An f-string's text with `{}` for each field: the words around the fields are matched."""
    return "".join(
        part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
        for part in node.values
    )


def _locate(source: SourceFile, node: ast.AST, found: str) -> tuple[int, int]:
    """Where `found` stands inside the literal's source, or the literal's start when it is
    written differently there (escapes, an f-string field)."""
    line = getattr(node, "lineno", 1)
    col = source.char_col(line, getattr(node, "col_offset", 0))
    raw = source.segment(node)
    at = raw.find(found) if found else -1
    if at < 0:
        return line, col
    before = raw[:at]
    newlines = before.count("\n")
    if newlines == 0:
        return line, col + at
    return line + newlines, at - before.rfind("\n")


def _values(m: Any) -> dict[str, str]:
    values = {k: v for k, v in m.groupdict().items() if v is not None}
    values.setdefault("text", m.group(0))
    return values


register(
    CheckKind(
        name="strings",
        fields=frozenset(
            {"pattern", "ignore-case", "contains", "skip-docstrings", "f-strings", "skip-calls", "min-words"}
        ),
        required=frozenset({"pattern"}),
        compile=StringsChecker,
        default_files=("**/*.py", "**/*.pyi"),
    )
)
