"""A service repository for the deploy tests: a temp git repo whose app.py serves /health with its
version on a free loopback port, deployed by deploy.py from a git worktree of the commit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ._support import ctrl_c_reaches
from .conftest import GIT_ENV, ROOT, git

SERVICE = ROOT / "tests" / "fixtures" / "local-service"
CLI = [sys.executable, "-m", "hooks._cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(port: int, *, gates: str = "[syntax-imports, git-state]", extra: str = "") -> str:
    return (
        "services:\n"
        "  web:\n"
        "    provider: command\n"
        f'    deploy: [python3, deploy.py, "{port}", "{{commit}}"]\n'
        f"    gates: {gates}\n"
        "    health:\n"
        f"      url: http://127.0.0.1:{port}/health\n"
        '      expect: {status: 200, json: {version: "{version}"}, max_ms: 2000}\n'
        "      passes: 2\n"
        "      interval_s: 0.1\n"
        "      timeout_s: 3\n"
        "      request_timeout_s: 1\n" + extra
    )


@dataclass
class ServiceRepo:
    path: Path
    port: int

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
        home = self.path.parent / "home"  # pip and pre-commit write caches there: not into the repo
        home.mkdir(exist_ok=True)
        return {**env, **GIT_ENV, "HOME": str(home), "NO_COLOR": "1", **extra}

    def release(self, version: str, *, status: int = 200, delay: float = 0.0, tag: bool = True) -> str:
        app = (SERVICE / "app.py").read_text(encoding="utf-8")
        app = app.replace('VERSION = "1.0.0"', f'VERSION = "{version}"')
        app = app.replace("HEALTH_STATUS = 200 ", f"HEALTH_STATUS = {status} ")
        app = app.replace("HEALTH_DELAY_S = 0.0 ", f"HEALTH_DELAY_S = {delay} ")
        (self.path / "app.py").write_text(app, encoding="utf-8")
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", f"release {version}")
        if tag:
            git(self.path, "tag", f"v{version}")
        return git(self.path, "rev-parse", "HEAD").strip()

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], cwd=self.path, env=self.env(**env), capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*CLI, *args], cwd=self.path, env=self.env(**env), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_reaches,
        )  # fmt: skip

    def serving(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                return str(json.loads(response.read())["version"])
        except OSError:
            return None

    def history(self) -> list[dict[str, Any]]:
        proc = self.run("history", "--format", "json", "--limit", "200")
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout)["events"])

    def stop_service(self) -> None:
        pidfile = self.path / ".git" / "local-deploy" / "pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass


def make_service_repo(
    path: Path, *, gates: str = "[syntax-imports, git-state]", extra: str = ""
) -> ServiceRepo:
    path.mkdir(parents=True)
    port = free_port()
    git(path, "init", "-q", "-b", "main")
    (path / "deploy.py").write_text((SERVICE / "deploy.py").read_text(encoding="utf-8"), encoding="utf-8")
    (path / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    (path / ".ava-safety.yaml").write_text(config_text(port, gates=gates, extra=extra), encoding="utf-8")
    repo = ServiceRepo(path, port)
    repo.release("1.0.0")
    return repo


@pytest.fixture
def service_repo(tmp_path: Path) -> Iterator[ServiceRepo]:
    repo = make_service_repo(tmp_path / "svc")
    yield repo
    repo.stop_service()


def wait_stopped(proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until the process has stopped itself (SIGSTOP, state T), as AVA_SAFETY_FAULT_STOP_AT makes it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "gone"
        if state in ("T", "t"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode} before stopping: {proc.communicate()}")
        time.sleep(0.02)
    raise AssertionError("the deploy never reached the phase")


def statuses(events: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(kind, version, status), oldest first."""
    return [(e["kind"], e["version"], e["status"]) for e in reversed(events)]
