"""The `command` provider: argv templates, never a shell; every command with a timeout.

Placeholders `{service}`, `{version}`, `{commit}`, `{image}` are filled per word. Commands run in
the repository root with AVA_SAFETY_SERVICE/VERSION/COMMIT/IMAGE in their environment; their output
goes, masked, into the live log line by line. A command that starts a long-running process must
send that process's output elsewhere (the log pipe closes when the deploy ends).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..._config import ServiceConfig
from ..health import fill
from ..livelog import LiveLog
from . import Outcome, ProviderError, Target

CURRENT_TIMEOUT_S = 30.0
KILL_GRACE_S = 5.0


class CommandProvider:
    name = "command"

    def __init__(self, service: ServiceConfig, root: Path, env: Mapping[str, str] | None = None) -> None:
        if not service.deploy:
            raise ProviderError(
                f"service {service.name}: the command provider needs 'deploy: [program, args...]' "
                "in .ava-safety.yaml"
            )
        self.service = service
        self.root = root
        self.env = dict(os.environ if env is None else env)

    def refuse(self, target: Target, *, rollback: bool) -> str | None:
        return None

    def deploy(self, target: Target, log: LiveLog) -> Outcome:
        assert self.service.deploy is not None
        return self._run(self.service.deploy, target, log, "deploy")

    def rollback(self, target: Target, log: LiveLog) -> Outcome:
        argv = self.service.rollback or self.service.deploy
        assert argv is not None
        return self._run(argv, target, log, "rollback")

    def wait(self, outcome: Outcome, log: LiveLog) -> Outcome:
        return outcome  # the command returns when its platform is done

    def running(self, log: LiveLog) -> str | None:
        if not self.service.current:
            return None
        argv = [fill(w, {"service": self.service.name}) for w in self.service.current]
        try:
            proc = subprocess.run(
                argv, cwd=self.root, env=self.env, capture_output=True, text=True,
                timeout=CURRENT_TIMEOUT_S, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.write(f"current: {argv[0]}: {exc}")
            return None
        if proc.returncode != 0:
            log.write(f"current: {argv[0]} exited {proc.returncode}: {proc.stderr.strip()[:500]}")
            return None
        lines = proc.stdout.strip().splitlines()
        return lines[0].strip() if lines else None

    def live_env(self) -> frozenset[str] | None:
        return None

    def _run(self, template: Sequence[str], target: Target, log: LiveLog, what: str) -> Outcome:
        values = target.values()
        argv = [fill(word, values) for word in template]
        env = {**self.env, "AVA_SAFETY_SERVICE": target.service, "AVA_SAFETY_VERSION": target.version,
               "AVA_SAFETY_COMMIT": target.commit, "AVA_SAFETY_IMAGE": target.image}  # fmt: skip
        log.write("$ " + " ".join(argv))
        timeout = self.service.timeout_s
        try:
            proc = subprocess.Popen(
                argv, cwd=self.root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            return Outcome(False, detail=f"{what} command {argv[0]!r} cannot start: {exc.strerror or exc}")
        assert proc.stdout is not None
        reader = threading.Thread(target=_pump, args=(proc.stdout, log), daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            reader.join(1.0)
            return Outcome(False, detail=f"{what} command {argv[0]!r} did not finish within {timeout:g}s")
        except BaseException:
            _stop(proc)  # Ctrl-C or SIGTERM: do not leave the command running alone
            raise
        reader.join(1.0)
        if code != 0:
            return Outcome(False, detail=f"{what} command {argv[0]!r} exited {code} (output in the log)")
        return Outcome(True, ref=" ".join(argv)[:500])


def _pump(stream: object, log: LiveLog) -> None:
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        log.write("  | " + raw.decode("utf-8", "replace").rstrip("\n"))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 1.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
