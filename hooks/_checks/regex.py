"""`regex`: a regular expression per line, or over the whole text with `multiline: true`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from .._source import Match, SourceFile
from . import CheckError, CheckKind, register
from .regexes import begin, compile_rule_regex


def _in_comment(line: str, col: int) -> bool:
    """Whether position `col` of a Python line lies after a `#` that is not inside a string."""
    quote: str | None = None
    i = 0
    while i <= col and i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif c == "#":
            return True
        elif c in "\"'":
            quote = c * 3 if line.startswith(c * 3, i) else c
            i += len(quote)
            continue
        i += 1
    return False


class RegexChecker:
    shape: ClassVar[Literal["file"]] = "file"
    reads_text: ClassVar[bool] = True
    needs_tree: ClassVar[bool] = False
    reports_syntax_errors: ClassVar[bool] = False

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.multiline = bool(fields.get("multiline", False))
        flags = re.IGNORECASE if fields.get("ignore-case") else 0
        if self.multiline:
            flags |= re.MULTILINE
        self.rx = compile_rule_regex(fields.get("pattern"), "pattern", flags)
        self.prefilter = (
            self.rx if self.multiline else compile_rule_regex(fields.get("pattern"), "pattern", flags | re.M)
        )
        self.not_rx = None
        if "pattern-not" in fields:
            self.not_rx = compile_rule_regex(fields["pattern-not"], "pattern-not", flags)
        where = fields.get("in", "code")
        if where not in ("code", "any"):
            raise CheckError("in", "'in' must be 'code' or 'any'")
        self.code_only = where == "code"
        for key in ("multiline", "ignore-case"):
            if key in fields and not isinstance(fields[key], bool):
                raise CheckError(key, f"'{key}' must be true or false")

    def admits(self, source: SourceFile) -> bool:
        for rx in (self.rx, self.prefilter, self.not_rx):
            begin(rx, source)
        return self.prefilter.search(source.text) is not None

    def _keep(self, source: SourceFile, line: str, col0: int, text: str) -> bool:
        if self.not_rx is not None and self.not_rx.search(text):
            return False
        if self.code_only and source.is_python and _in_comment(line, col0):
            return False
        return True

    def check_file(self, source: SourceFile) -> Iterator[Match]:
        if self.multiline:
            text = source.text
            for hit in self.rx.finditer(text):
                line_no = text.count("\n", 0, hit.start()) + 1
                line_start = text.rfind("\n", 0, hit.start()) + 1
                line = source.line_text(line_no)
                if self._keep(source, line, hit.start() - line_start, hit.group(0)):
                    yield Match(line_no, hit.start() - line_start + 1, _groups(hit))
            return
        for number, line in enumerate(source.lines, start=1):
            m = self.rx.search(line)
            if m is not None and self._keep(source, line, m.start(), line):
                yield Match(number, m.start() + 1, _groups(m))


def _groups(m: Any) -> dict[str, str]:
    values = {k: v for k, v in m.groupdict().items() if v is not None}
    values.setdefault("match", m.group(0))
    return values


register(
    CheckKind(
        name="regex",
        fields=frozenset({"pattern", "pattern-not", "multiline", "ignore-case", "in"}),
        required=frozenset({"pattern"}),
        compile=RegexChecker,
    )
)
