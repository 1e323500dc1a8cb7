"""Smoke commands of the working systems a push touches: argv lists, a timeout each, output to a log.

Commands run from the repository root, never through a shell, with no stdin. Under pre-commit the
hook's own virtualenv comes first on PATH; it is taken off again, so `python` and `pytest` in a
smoke command are the developer's, as in their shell. Output goes line by line to the log the caller
gives (`LogSink`: the live log under `.git/ava-safety/logs/`), so `tail -f` follows a slow test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

TAIL_LINES = 15  # of a failed command's output, shown with its finding


class LogSink(Protocol):
    path: Path | None

    def write(self, text: str) -> None: ...


@dataclass(frozen=True)
class SmokeResult:
    system: str
    argv: tuple[str, ...]
    code: int | None  # None: it did not finish (timeout) or could not start
    seconds: float
    tail: tuple[str, ...]  # the last lines of its output
    problem: str = ""  # "timed out after 300s", "cannot start: ...", "exit 1"

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def shown(self) -> str:
        return " ".join(self.argv)


def developer_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without pre-commit's hook virtualenv in front of PATH."""
    env = dict(os.environ if environ is None else environ)
    venv = env.get("VIRTUAL_ENV", "")
    if venv and ("pre-commit" in venv or env.get("PRE_COMMIT") == "1"):
        own = {str(Path(venv) / "bin"), str(Path(venv) / "Scripts")}
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p not in own)
        env.pop("VIRTUAL_ENV", None)
    return env


def run_smoke(
    system: str, argv: Sequence[str], *, cwd: Path, timeout_s: float, log: LogSink | None
) -> SmokeResult:
    """Run one command to its end or its timeout (the whole process group is stopped then)."""
    shown = " ".join(argv)
    if log is not None:
        log.write(f"== smoke {system}: {shown}")
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=developer_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        problem = f"cannot start: {exc.strerror or exc}"
        if log is not None:
            log.write(f"== smoke {system}: {problem}")
        return SmokeResult(system, tuple(argv), None, 0.0, (), problem)
    lines: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(text)
            if log is not None:
                log.write(text)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    problem = ""
    try:
        code: int | None = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _stop(proc)
        code = None
        problem = f"timed out after {timeout_s:g}s"
    except BaseException:  # Ctrl-C: no orphaned test run keeps the machine busy
        _stop(proc)
        raise
    reader.join(timeout=5)
    if proc.stdout is not None:
        proc.stdout.close()
    seconds = time.monotonic() - started
    if code not in (0, None):
        problem = f"exit {code}"
    if log is not None:
        log.write(f"== smoke {system}: {'ok' if code == 0 else problem} in {seconds:.2f}s")
    return SmokeResult(system, tuple(argv), code, seconds, tuple(lines[-TAIL_LINES:]), problem)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue
