"""A `/health` endpoint for your service: what ava-safety's deploy checks and dashboard read.

Standard library only (nothing else is imported, here or at call time), so a service can depend on
ava-safety for it or copy this one file. Mount it in one line:

    from hooks import health

    app.add_route("/health", health.asgi_app(service="farm-api"))      # FastAPI, Starlette
    app.wsgi_app = health.wsgi_app(app.wsgi_app, service="farm-api")   # Flask (any WSGI app)

The answer (200 when healthy, 503 when a check fails; JSON, never cached):

    {"status": "ok", "service": "farm-api", "version": "1.4.2", "commit": "3f2c1e0a9b7d",
     "deployed_at": "2025-06-01T09:12:00Z", "uptime_s": 5321.4,
     "checks": {"database": {"status": "ok", "latency_ms": 2.1}}}

`version`, `commit` and `deployed_at` default to the environment (APP_VERSION or VERSION,
GIT_COMMIT or COMMIT_SHA, DEPLOYED_AT), which is how a deploy tells a service what it runs. The
database check is `database=` (a function that raises when the database is unusable, such as
`lambda: pool.execute("SELECT 1")`; sync or async), else a TCP connection to DATABASE_URL's host
when that variable is set, else none. Every check has a timeout; no error text can carry a
password (URLs in it are cut to their host).

A deploy check that wants the running version to be the deployed one:
    health: {url: https://farm-api.example/health, expect: {status: 200, json: {version: "{version}"}}}
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

__all__ = ["asgi_app", "payload", "payload_async", "wsgi_app"]

VERSION_ENV = ("APP_VERSION", "VERSION", "SERVICE_VERSION")
COMMIT_ENV = ("GIT_COMMIT", "COMMIT_SHA", "SOURCE_COMMIT", "GIT_SHA")
DEPLOYED_ENV = ("DEPLOYED_AT",)
SERVICE_ENV = ("SERVICE_NAME", "APP_NAME")
DEFAULT_TIMEOUT_S = 2.0
STARTED = time.monotonic()  # the process's start, near enough: when the service first imported this
_URL_RX = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")

Check = Callable[[], Any]  # raises (or returns False) when the dependency is unusable; may be async


def _env(names: Iterable[str]) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _clean_error(exc: BaseException) -> str:
    """The error in a few words, any URL in it cut to scheme://host (a DSN's password never shows)."""

    def cut(m: re.Match[str]) -> str:
        parts = urlsplit(m.group(0))
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")

    text = _URL_RX.sub(cut, str(exc) or type(exc).__name__)
    return " ".join(text.split())[:200]


def tcp_check(url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Check:
    """A check that the database server of `url` accepts TCP connections (no driver needed)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    defaults = {"postgresql": 5432, "postgres": 5432, "mysql": 3306, "redis": 6379}
    port = parts.port or defaults.get(parts.scheme.split("+")[0], 5432)

    def check() -> None:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass

    return check


def _default_database() -> Check | None:
    url = os.environ.get("DATABASE_URL")
    return tcp_check(url) if url else None


def _run_check(check: Check, timeout_s: float) -> dict[str, Any]:
    """Run a sync check in a thread with a time limit; its latency in ms."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            result = check()
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
            outcome["ok"] = result is not False
        except BaseException as exc:  # noqa: BLE001 - any failure of the check is its answer
            outcome["error"] = _clean_error(exc)

    started = time.perf_counter()
    worker = threading.Thread(target=target, name="health-check", daemon=True)
    worker.start()
    worker.join(timeout_s)
    ms = round((time.perf_counter() - started) * 1000, 1)
    if worker.is_alive():
        return {"status": "error", "latency_ms": ms, "error": f"no answer within {timeout_s:g}s"}
    if outcome.get("ok"):
        return {"status": "ok", "latency_ms": ms}
    return {"status": "error", "latency_ms": ms, "error": outcome.get("error", "the check returned False")}


async def _awaited(result: Awaitable[Any]) -> Any:
    return await result


async def _run_check_async(check: Check, timeout_s: float) -> dict[str, Any]:
    if not inspect.iscoroutinefunction(check):
        return await asyncio.to_thread(_run_check, check, timeout_s)
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(check(), timeout_s)
        error = None if result is not False else "the check returned False"
    except asyncio.TimeoutError:
        error = f"no answer within {timeout_s:g}s"
    except Exception as exc:  # noqa: BLE001 - any failure of the check is its answer
        error = _clean_error(exc)
    ms = round((time.perf_counter() - started) * 1000, 1)
    return {"status": "ok", "latency_ms": ms} if error is None else {
        "status": "error", "latency_ms": ms, "error": error}  # fmt: skip


def _base(
    service: str | None, version: str | None, commit: str | None, deployed_at: str | None
) -> dict[str, Any]:
    return {
        "status": "ok",
        "service": service or _env(SERVICE_ENV),
        "version": version or _env(VERSION_ENV),
        "commit": commit or _env(COMMIT_ENV),
        "deployed_at": deployed_at or _env(DEPLOYED_ENV),
        "uptime_s": round(time.monotonic() - STARTED, 1),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "checks": {},
    }


def _checks(database: Check | None, checks: Mapping[str, Check] | None) -> dict[str, Check]:
    found = dict(checks or {})
    db = database if database is not None else _default_database()
    if db is not None:
        found.setdefault("database", db)
    return found


def _verdict(body: dict[str, Any]) -> dict[str, Any]:
    if any(c.get("status") != "ok" for c in body["checks"].values()):
        body["status"] = "error"
    return body


def payload(
    *,
    service: str | None = None,
    version: str | None = None,
    commit: str | None = None,
    deployed_at: str | None = None,
    database: Check | None = None,
    checks: Mapping[str, Check] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict[str, Any]:
    """The health answer: `status` is "ok" when every check passed, else "error"."""
    body = _base(service, version, commit, deployed_at)
    for name, check in _checks(database, checks).items():
        body["checks"][name] = _run_check(check, timeout_s)
    return _verdict(body)


async def payload_async(
    *,
    service: str | None = None,
    version: str | None = None,
    commit: str | None = None,
    deployed_at: str | None = None,
    database: Check | None = None,
    checks: Mapping[str, Check] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict[str, Any]:
    """`payload` for an event loop: sync checks run in a thread, async ones are awaited."""
    body = _base(service, version, commit, deployed_at)
    named = _checks(database, checks)
    results = await asyncio.gather(*(_run_check_async(c, timeout_s) for c in named.values()))
    body["checks"] = dict(zip(named, results, strict=True))
    return _verdict(body)


def http_status(body: Mapping[str, Any]) -> int:
    return 200 if body.get("status") == "ok" else 503


def _encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


HEADERS = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: WsgiApp | None = None, *, path: str = "/health", **options: Any) -> WsgiApp:
    """A WSGI app answering health. Given `app`, it answers `path` and passes the rest to `app`
    (`app.wsgi_app = health.wsgi_app(app.wsgi_app)` in Flask); alone, it answers every path."""

    def health_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if app is not None and environ.get("PATH_INFO", "") not in (path, path + "/"):
            return app(environ, start_response)
        body = payload(**options)
        data = _encode(body)
        code = http_status(body)
        reason = "OK" if code == 200 else "Service Unavailable"
        start_response(f"{code} {reason}", [*HEADERS, ("Content-Length", str(len(data)))])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [data]

    return health_app


class _Asgi:
    """An ASGI app (an object, not a function, so Starlette's add_route treats it as ASGI)."""

    def __init__(self, app: Any, path: str, options: Mapping[str, Any]) -> None:
        self.app = app
        self.path = path
        self.options = dict(options)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        here = self.app is None or scope.get("path") in (self.path, self.path + "/")
        mine = scope["type"] == "http" and here
        if not mine:
            if self.app is not None:
                await self.app(scope, receive, send)
            elif scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        body = await payload_async(**self.options)
        data = _encode(body)
        headers = [(k.lower().encode(), v.encode()) for k, v in HEADERS]
        headers.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": http_status(body), "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else data})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def asgi_app(app: Any = None, *, path: str = "/health", **options: Any) -> Any:
    """An ASGI app answering health. `app.add_route("/health", health.asgi_app())` in FastAPI or
    Starlette; given `app`, it answers `path` and passes the rest (and lifespan) to `app`."""
    return _Asgi(app, path, options)
