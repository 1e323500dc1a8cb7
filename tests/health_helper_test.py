"""hooks.health: the payload, its checks and timeouts, and the WSGI and ASGI adapters mounted as the
README says (Flask, FastAPI) and served for real on loopback; the bundled sample service uses it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from hooks import health
from hooks._deploy.health import probe

from ._deploy_support import free_port
from ._postgres import PostgresServer
from .conftest import ROOT


def _get(url: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read()), _lower(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), _lower(exc.headers)


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@contextmanager
def listening() -> Iterator[int]:
    """A loopback port that accepts TCP connections (a database server, as far as TCP goes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_payload_reads_version_commit_and_time_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("APP_VERSION", "1.4.2")
    monkeypatch.setenv("GIT_COMMIT", "3f2c1e0a9b7d")
    monkeypatch.setenv("DEPLOYED_AT", "2025-06-01T09:12:00Z")
    monkeypatch.setenv("SERVICE_NAME", "farm-api")
    body = health.payload()
    assert {k: body[k] for k in ("status", "service", "version", "commit", "deployed_at", "checks")} == {
        "status": "ok", "service": "farm-api", "version": "1.4.2", "commit": "3f2c1e0a9b7d",
        "deployed_at": "2025-06-01T09:12:00Z", "checks": {},
    }  # fmt: skip
    assert body["uptime_s"] >= 0 and body["time"].endswith("Z")
    assert health.payload(version="2.0.0", service="x")["version"] == "2.0.0"
    assert health.http_status(body) == 200


def test_database_url_is_checked_by_default_and_its_password_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with listening() as port:
        monkeypatch.setenv("DATABASE_URL", f"postgresql://app:s3cret-pw@127.0.0.1:{port}/farm")
        up = health.payload()
    assert up["status"] == "ok" and up["checks"]["database"]["status"] == "ok"
    assert up["checks"]["database"]["latency_ms"] >= 0
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:s3cret-pw@127.0.0.1:{free_port()}/farm")
    down = health.payload()
    assert down["status"] == "error" and health.http_status(down) == 503
    assert down["checks"]["database"]["status"] == "error"

    def failing() -> None:
        raise RuntimeError("cannot connect to postgresql://app:s3cret-pw@db.internal:5432/farm: refused")

    shown = health.payload(database=failing)["checks"]["database"]["error"]
    assert shown == "cannot connect to postgresql://db.internal:5432 refused"
    assert "s3cret" not in json.dumps(health.payload(database=failing))


def test_tcp_check_reaches_a_real_postgresql(postgres: PostgresServer) -> None:
    body = health.payload(database=health.tcp_check(postgres.url()))
    assert body["checks"]["database"]["status"] == "ok"


def test_checks_are_bounded_by_their_timeout() -> None:
    started = time.monotonic()
    body = health.payload(database=lambda: time.sleep(3), timeout_s=0.2)
    assert time.monotonic() - started < 2
    assert body["checks"]["database"] == {
        "status": "error", "latency_ms": body["checks"]["database"]["latency_ms"],
        "error": "no answer within 0.2s",
    }  # fmt: skip
    assert health.payload(database=lambda: False)["checks"]["database"]["error"] == "the check returned False"
    extra = health.payload(checks={"cache": lambda: True}, database=lambda: None)
    assert set(extra["checks"]) == {"cache", "database"} and extra["status"] == "ok"


def test_async_checks_are_awaited_and_sync_ones_run_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    async def ping() -> bool:
        await asyncio.sleep(0.01)
        return True

    async def hang() -> None:
        await asyncio.sleep(5)

    async def broken() -> None:
        raise ConnectionError("refused")

    body = asyncio.run(health.payload_async(database=ping, checks={"sync": lambda: None}, timeout_s=1))
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "sync"}
    slow = asyncio.run(health.payload_async(database=hang, timeout_s=0.1))
    assert slow["checks"]["database"]["error"] == "no answer within 0.1s"
    assert asyncio.run(health.payload_async(database=broken))["checks"]["database"]["error"] == "refused"
    assert health.payload(database=ping)["status"] == "ok"  # an async check given to the sync form


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def wsgi_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_wsgi_app_answers_the_deploy_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with wsgi_server(health.wsgi_app(service="web", version="1.2.0", commit="abc1234def")) as url:
        code, body, headers = _get(url + "/anything")
        assert code == 200 and body["version"] == "1.2.0"
        assert headers["content-type"] == "application/json" and headers["cache-control"] == "no-store"
        checked = probe(url + "/health", json_fields=[("version", "{version}"), ("commit", "{commit}")],
                        values={"version": "v1.2.0", "commit": "abc1234"})  # fmt: skip
        assert checked.ok, checked.failures
        head = urllib.request.Request(url + "/health", method="HEAD")
        with urllib.request.urlopen(head, timeout=10) as response:
            assert response.status == 200 and response.read() == b""
    with wsgi_server(health.wsgi_app(database=lambda: False)) as url:
        assert _get(url + "/health")[0] == 503


def test_flask_one_line_mount(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from flask import Flask

    app = Flask("farm")

    @app.get("/hello")
    def hello() -> str:
        return "hi"

    app.wsgi_app = health.wsgi_app(app.wsgi_app, service="farm", version="3.1.0")  # type: ignore[method-assign]
    with wsgi_server(app) as url:
        code, body, _headers = _get(url + "/health")
        assert (code, body["service"], body["version"]) == (200, "farm", "3.1.0")
        with urllib.request.urlopen(url + "/hello", timeout=10) as response:
            assert response.read() == b"hi"


@contextmanager
def uvicorn_server(app: Any) -> Iterator[str]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_fastapi_one_line_mount_and_the_asgi_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from fastapi import FastAPI

    app = FastAPI()
    app.add_route("/health", health.asgi_app(service="farm", version="2.0.0"))

    @app.get("/other")
    def other() -> dict[str, int]:
        return {"other": 1}

    with uvicorn_server(app) as url:
        code, body, headers = _get(url + "/health")
        assert (code, body["version"], headers["cache-control"]) == (200, "2.0.0", "no-store")
        assert probe(url + "/health", json_fields=[("version", "{version}")], values={"version": "v2.0.0"}).ok
        assert _get(url + "/other")[1] == {"other": 1}
    wrapped = health.asgi_app(FastAPI(), path="/healthz", database=lambda: False)
    with uvicorn_server(wrapped) as url:
        assert _get(url + "/healthz")[0] == 503
        assert _get(url + "/missing") == (404, {"detail": "Not Found"}, _get(url + "/missing")[2])
    with uvicorn_server(health.asgi_app(version="1.0.0")) as url:  # alone, with its own lifespan
        assert _get(url + "/")[1]["version"] == "1.0.0"


def test_the_sample_service_serves_health_with_hooks_health(tmp_path: Any) -> None:
    sample = ROOT / "examples" / "sample-service"
    port = free_port()
    with listening() as db_port:
        env = {**os.environ, "DATABASE_URL": f"postgresql://farm:pw@127.0.0.1:{db_port}/farm",
               "APP_VERSION": "1.0.0", "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "error"], cwd=sample, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/health"
            deadline = time.monotonic() + 30
            result = probe(url, timeout_s=2)
            while result.status is None and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
                result = probe(url, timeout_s=2)
            checked = probe(url, json_fields=[("version", "{version}"), ("checks.database.status", "ok")],
                            values={"version": "v1.0.0"})  # fmt: skip
            assert checked.ok, (checked.failures, proc.poll())
            assert checked.body["service"] == "sample-service"
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
