"""Helpers for the dashboard tests: a real deploy story on the loopback test service, and `serve` as
a subprocess on a free loopback port."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ._deploy_support import ServiceRepo

TOKEN = "test-token-0123456789abcdef"


def deploy_story(repo: ServiceRepo) -> None:
    """v1 deployed; v2 broken (health fails, rolled back automatically); v3 deployed; an emergency
    rollback back to v1. History: #1 v1 ok, #2 v2 failed, #3 rollback, #4 v3 undone, #5 rollback."""
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0", status=500)
    assert repo.run("deploy").returncode == 1
    repo.release("3.0.0")
    assert repo.run("deploy").returncode == 0
    assert repo.run("rollback").returncode == 0
    assert repo.serving() == "1.0.0"


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str  # http://127.0.0.1:PORT/
    first_lines: list[str]
    stderr: str = ""  # once stopped

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url.rstrip("/") + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def json(self, path: str) -> Any:
        code, _headers, body = self.get(path)
        assert code == 200, (code, body)
        return json.loads(body)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode()
        base = {"Content-Type": "application/json"}
        request = urllib.request.Request(
            self.url.rstrip("/") + path, data=data, headers={**base, **(headers or {})}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def wait_job(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.json(f"/api/jobs/{job_id}")
            if job["state"] != "running":
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} still running after {timeout}s")


def _read_lines(proc: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """The first `count` lines of its stdout (a thread reads them: no select on a buffered pipe)."""
    assert proc.stdout is not None
    stream = proc.stdout
    found: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [found.put(line) for line in stream], daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while len(lines) < count:
        try:
            lines.append(found.get(timeout=max(0.01, deadline - time.monotonic())).rstrip("\n"))
        except queue.Empty:
            raise AssertionError(f"serve printed {lines}, then nothing for {timeout}s") from None
    return lines


@contextmanager
def serving(repo: ServiceRepo, *args: str, token: str | None = TOKEN, **env: str) -> Iterator[Served]:
    """`ava-safety serve --port 0` in the repo; stopped with SIGINT (as Ctrl-C) at the end."""
    extra = {"AVA_SAFETY_TOKEN": token} if token is not None else {}
    proc = repo.start("serve", "--port", "0", *args, **{**extra, **env})
    served = None
    try:
        lines = _read_lines(proc, 2, 30)
        served = Served(proc, lines[0].split(": ", 1)[1], lines)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            _out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            _out, err = proc.communicate(timeout=30)
        if served is not None:
            served.stderr = err
