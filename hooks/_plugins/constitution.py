"""The generic constitution's checks that are code: what a regex alone would get wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .._source import Match, SourceFile

START_RX = re.compile(r"^<{7}(?: |$)")
END_RX = re.compile(r"^>{7}(?: |$)")
BASE_RX = re.compile(r"^\|{7}(?: |$)")  # diff3 / zdiff3 conflict style
FENCE_RX = re.compile(r"^ {0,3}(`{3,}|~{3,})")
MARKDOWN = (".md", ".markdown", ".mdx")


def check_conflict_markers(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """Merge conflict markers left in a file, once per conflict (at its `<<<<<<<` line).

    git writes `<<<<<<< ours`, `=======`, `>>>>>>> theirs` (with `||||||| base` in diff3 style), at
    the start of a line. A labelled start or end marker is enough; bare markers count only as the
    full set in order, so a reStructuredText `=======` underline or a 7-character `<<<<<<<` heading
    is not one. A Python file that parses has none outside its strings (a marker line is a syntax
    error), and fenced code blocks in Markdown show markers rather than contain them.
    """
    if source.is_python and source.tree is not None:
        return
    fenced = source.path.lower().endswith(MARKDOWN)
    fence: str | None = None
    start: int | None = None
    start_labelled = middle = False
    for number, line in enumerate(source.lines, start=1):
        if fenced:
            m = FENCE_RX.match(line)
            if m and (fence is None or m.group(1).startswith(fence)):
                fence = None if fence else m.group(1)[0] * 3
                continue
            if fence:
                continue
        if START_RX.match(line):
            start, start_labelled, middle = number, len(line) > 7, False
            if start_labelled:
                yield Match(number, 1)
        elif start is not None and (line == "=======" or BASE_RX.match(line)):
            middle = middle or line == "======="
        elif END_RX.match(line):
            labelled = len(line) > 7
            if start is None:
                if labelled:  # the rest of a conflict whose start was deleted by hand
                    yield Match(number, 1)
            elif not start_labelled and (middle or labelled):
                yield Match(start, 1)
            start = None


check_conflict_markers.admits = lambda source: "<<<<<<<" in source.text or ">>>>>>>" in source.text  # type: ignore[attr-defined]
# it reads lines, not the syntax tree: a Python file that does not parse (as one with markers does
# not) is checked too, and the engine's AS005 still says it cannot be parsed
check_conflict_markers.needs_tree = False  # type: ignore[attr-defined]
