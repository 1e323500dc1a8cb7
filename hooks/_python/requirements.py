"""Requirement files as pip reads them: logical lines (continuations joined, comments dropped) and
the files they include with `-r`. Read by the declared dependencies (hooks._python.deps) and by the
deployment model (the set a build installs), so both follow one chain of includes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from .._source import RunContext


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    number, buffer, start = 0, "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        yield start, buffer + line
        buffer = ""
    if buffer:
        yield start, buffer


def includes(context: RunContext, path: str) -> list[str]:
    source = context.file(path)
    text = None if source is None else source.text
    if text is None:
        return []
    out = []
    for _, line in logical_lines(text):
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("-r", "--requirement", "-c", "--constraint"):
            if parts[0] in ("-r", "--requirement"):
                out.append(join(path, parts[1]))
        elif parts and parts[0].startswith(("--requirement=", "-r")) and len(parts[0]) > 2:
            out.append(join(path, parts[0].split("=", 1)[-1].removeprefix("-r")))
    return out


def join(base: str, relative: str) -> str:
    parent = PurePosixPath(base).parent
    parts: list[str] = []
    for part in (parent / relative).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)
