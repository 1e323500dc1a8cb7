"""Path globs with gitignore-style meaning, compiled to one regex per list.

- `*` and `?` never cross `/`; `**` crosses any number of directories; `[...]` is a character class.
- A glob without a `/` (other than a trailing one) matches at any depth: `*.pyc`, `.env`.
- A trailing `/` names a directory: everything below it matches (`__pycache__/`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


class GlobError(ValueError):
    pass


def _translate(glob: str) -> str:
    if not glob or glob.strip() != glob:
        raise GlobError(f"empty glob or glob with surrounding spaces: {glob!r}")
    directory = glob.endswith("/")
    body = glob.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if body.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = body.find("]", i + 2 if body.startswith("[!", i) or body.startswith("[]", i) else i + 1)
            if end == -1:
                raise GlobError(f"unclosed '[' in glob {glob!r}")
            cls = body[i + 1 : end]
            negated = cls.startswith("!")
            cls = cls[1:] if negated else cls
            # a glob class holds literal characters and ranges: escape what `re` would read as a
            # nested set or a set operation (`[[`, `&&`, `~~`, `||`, `--`: a FutureWarning today)
            for char in "\\[&~|^":
                cls = cls.replace(char, "\\" + char)
            cls = cls.replace("--", "-\\-")
            out.append("[" + ("^" if negated else "") + cls + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    regex = "".join(out)
    prefix = "" if anchored else "(?:[^/]+/)*"
    suffix = "/.*" if directory else "(?:/.*)?"
    return prefix + regex + suffix


@lru_cache(maxsize=512)
def _compile(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("(?:" + "|".join(f"(?:{_translate(g)})" for g in globs) + r")\Z", re.S)


def check_glob(glob: str) -> None:
    """Raise GlobError when the glob cannot be compiled."""
    try:
        re.compile(_translate(glob))
    except re.error as exc:
        raise GlobError(f"bad glob {glob!r}: {exc}") from None


class PathMatcher:
    """True for a repo-relative path that any of the globs matches."""

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs = tuple(globs)
        self._rx = _compile(self.globs)

    def __bool__(self) -> bool:
        return self._rx is not None

    def __call__(self, path: str) -> bool:
        return self._rx is not None and self._rx.match(path) is not None
