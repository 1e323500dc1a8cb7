"""The live log of one deploy or rollback (under .git/ava-safety/logs/) and its per-phase timings.

Every line is masked and flushed as it is written, so `tail -f` follows the deploy while it runs.
What reaches the terminal goes through the `echo` callback the hook's main gives (library code does
not print).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .._mask import mask


@dataclass
class PhaseTime:
    name: str
    seconds: float
    result: str  # ok | failed | skipped | interrupted


class LiveLog:
    def __init__(self, path: Path | None, echo: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.echo = echo or (lambda _line: None)
        self.phases: list[PhaseTime] = []
        self.started = time.monotonic()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives with the log
            os.chmod(path, 0o600)

    def write(self, text: str) -> None:
        """A line to the log file only (command output, details)."""
        if self._file is not None:
            stamp = time.strftime("%H:%M:%S")
            for line in mask(text).splitlines() or [""]:
                self._file.write(f"{stamp} {line}\n")

    def say(self, text: str) -> None:
        """A line to the log and the terminal."""
        self.write(text)
        self.echo(mask(text))

    @contextmanager
    def phase(self, name: str) -> Iterator[PhaseTime]:
        """Time a phase; the body may set `.result` ('failed', 'skipped') before it ends."""
        record = PhaseTime(name, 0.0, "ok")
        self.write(f"== {name}")
        started = time.monotonic()
        try:
            yield record
        except BaseException:
            record.result = "interrupted" if record.result == "ok" else record.result
            raise
        finally:
            record.seconds = time.monotonic() - started
            self.phases.append(record)
            self.write(f"== {name}: {record.result} in {record.seconds:.2f}s")

    def durations(self, since: int = 0) -> dict[str, float]:
        """Seconds per phase, of the phases from index `since` on (one event's, in a shared log)."""
        out: dict[str, float] = {}
        for p in self.phases[since:]:
            out[p.name] = round(out.get(p.name, 0.0) + p.seconds, 3)
        return out

    def summary(self) -> list[str]:
        """One line per phase, then the total."""
        if not self.phases:
            return []
        width = max(len(p.name) for p in self.phases)
        lines = [f"  {p.name:<{width}}  {p.seconds:7.2f}s  {p.result}" for p in self.phases]
        lines.append(f"  {'total':<{width}}  {time.monotonic() - self.started:7.2f}s")
        return lines

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
