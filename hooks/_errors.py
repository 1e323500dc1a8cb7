"""Configuration and rule errors: each names its file and line, and all are reported at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ConfigProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ConfigErrors(Exception):
    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(map(str, self.problems)))


def stdout_closed() -> int:
    """The reader of stdout went away (`| head`): stop quietly, as a pipeline stage should, instead of
    a BrokenPipeError traceback now and another when Python flushes stdout at exit."""
    import os
    import sys

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass
    return 1


def unknown_key(key: str, known: Iterable[str], what: str = "key") -> str:
    known = sorted(known)
    same = [k for k in known if k.casefold() == str(key).casefold()]  # `Secrets` for `SECRETS`
    close = same or difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known {what}s: {', '.join(known)})"
    return f"unknown {what} '{key}'{hint}"
