"""`ava-safety serve`: the page live, its JSON API, and quick actions behind a token.

GET  /                    the page (refreshes itself from /api/status)
GET  /api/status          everything the page shows (ETag; 304 when unchanged)
GET  /api/history         ?service=&before=&limit=  a page of the timeline, newest first
GET  /api/plan            ?service=  what a rollback would do now
GET  /api/jobs/<id>       an action's progress and (masked) output
GET  /logs/<event id>     the event's deploy log (masked)
POST /api/actions/health|checks|rollback   {"service": ...}; `Authorization: Bearer <token>`

Safety: loopback by default; the Host header must name this server when it listens on loopback (a
DNS-rebinding page cannot read it); a POST needs the token (403 without), JSON (415 otherwise, so
no HTML form can send one) and, when the browser says where it comes from, this server as its
Origin (403 for any other site). Every response forbids framing and caching. The history store is
used from one thread only (SQLite and psycopg connections are not to be shared); the status is
computed at most every `refresh_s` and served from memory, so load does not reach the store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import _git
from .._config import CONFIG_NAME, FILE_GATES, Config
from .._deploy.history import Event, History
from .._mask import mask
from . import model, page, probes
from .build import open_store

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_BODY = 4096
REQUEST_TIMEOUT_S = 30.0  # a client that stops sending mid-request
DB_TIMEOUT_S = 30.0
MAX_JOBS = 4
JOB_OUTPUT_LINES = 400
LOG_TAIL = 256 * 1024
CHECK_TIMEOUT_S = 900.0
ROLLBACK_TIMEOUT_S = 1800.0


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


@dataclass
class Job:
    id: str
    action: str
    target: str
    started: float = field(default_factory=time.monotonic)
    state: str = "running"  # running | succeeded | failed
    exit_code: int | None = None
    ended: float | None = None
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        for line in mask(text).splitlines():
            self.lines.append(line)
        del self.lines[:-JOB_OUTPUT_LINES]

    def to_dict(self) -> dict[str, Any]:
        end = self.ended if self.ended is not None else time.monotonic()
        return {"id": self.id, "action": self.action, "target": self.target, "state": self.state,
                "exit_code": self.exit_code, "seconds": round(end - self.started, 2),
                "output": "\n".join(self.lines)}  # fmt: skip


class _Lane:
    """One thread and the history store it alone uses (SQLite and psycopg connections stay in the
    thread that made them). A store that fails (PostgreSQL restarted) is dropped and reopened."""

    def __init__(self, name: str, opener: Callable[[], tuple[History | None, str | None]]) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.opener = opener
        self.store: History | None = None
        self.error: str | None = None

    def call(self, fn: Callable[[History | None], Any]) -> Any:
        def run() -> Any:
            if self.store is None:
                self.store, self.error = self.opener()
            try:
                return fn(self.store)
            except Exception as exc:  # noqa: BLE001 - shown on the page; the next call reopens
                if self.store is None:
                    raise
                self.error = f"the history store failed: {exc}"
                self._drop()
                return fn(None)

        return self.pool.submit(run).result(timeout=DB_TIMEOUT_S)

    def _drop(self) -> None:
        store, self.store = self.store, None
        if store is not None:
            try:
                store.close()
            except Exception as exc:  # noqa: BLE001 - it is being dropped anyway; the page says why
                self.error = f"{self.error or 'the history store failed'} (and closing it: {exc})"

    def close(self) -> None:
        self.pool.submit(self._drop).result(timeout=DB_TIMEOUT_S)
        self.pool.shutdown(wait=True)


@dataclass(frozen=True)
class _Cached:
    at: float
    body: bytes
    etag: str


class Dashboard:
    """The live dashboard's state: the stores, health checks, the status cache, jobs.

    The status is computed on its own lane (thread and store) and kept: younger than `refresh_s` it
    is served as it is; up to 5 x `refresh_s` old it is still served while one refresh runs in the
    background, so a load of readers never waits for the store; older, or after an action, it is
    computed before answering (one computation at a time). API reads use the other lane."""

    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        token: str,
        refresh_s: float = 2.0,
        probe_interval_s: float = 30.0,
        command: Sequence[str] = (sys.executable, "-m", "hooks._cli"),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root
        self.clock = clock
        self.config = config
        self.state_dir = _git.state_dir(root)
        self.token = token
        self.refresh_s = refresh_s
        self.probe_interval_s = probe_interval_s
        self.command = list(command)
        opener = lambda: open_store(root, config, self.state_dir)  # noqa: E731
        self._status_lane = _Lane("status", opener)
        self._reads = _Lane("history", opener)
        self.checks: dict[str, probes.Check] = {}
        self._cache_lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._cache: _Cached | None = None
        self._refreshing = False
        self._page: tuple[str, bytes] | None = None
        self.jobs: dict[str, Job] = {}
        self._jobs_lock = threading.Lock()
        self._stop = threading.Event()
        self._prober: threading.Thread | None = None

    def _with_store(self, fn: Callable[[History | None], Any]) -> Any:
        return self._reads.call(fn)

    def close(self) -> None:
        self._stop.set()
        self._status_lane.close()
        self._reads.close()

    # --- health ---
    def probe_now(self, *, fresh: bool = True) -> dict[str, probes.Check]:
        checks = probes.check_all(self.config.services)
        try:
            probes.record(self.state_dir, list(checks.values()))
        except OSError:
            pass
        self.checks = {**self.checks, **checks}
        self.invalidate(hard=fresh)
        return checks

    def start_prober(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self.probe_now(fresh=False)
                self._stop.wait(self.probe_interval_s)

        self._prober = threading.Thread(target=loop, name="prober", daemon=True)
        self._prober.start()

    # --- status ---
    def log_url(self, event: Event) -> str | None:
        return f"/logs/{event.id}" if event.id is not None else None

    def invalidate(self, *, hard: bool = True) -> None:
        """Hard: the next read computes (after an action); soft: the next read refreshes behind."""
        with self._cache_lock:
            if hard or self._cache is None:
                self._cache = None
            else:
                self._cache = replace(self._cache, at=min(self._cache.at, self.clock() - self.refresh_s))

    def _compute(self) -> _Cached:
        def compute(store: History | None) -> dict[str, Any]:
            return model.status(
                self.root, self.config, store, state_dir=self.state_dir, checks=self.checks,
                log_url=self.log_url, live=True, history_error=self._status_lane.error,
            )  # fmt: skip

        data = self._status_lane.call(compute)
        stable = {k: v for k, v in data.items() if k != "generated_at"}
        etag = '"' + hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:20] + '"'
        cached = _Cached(self.clock(), json.dumps(data, separators=(",", ":")).encode("utf-8"), etag)
        with self._cache_lock:
            self._cache = cached
        return cached

    def _refresh_behind(self) -> None:
        try:
            with self._compute_lock:
                self._compute()
        except Exception as exc:  # noqa: BLE001 - shown on the page; the next stale read tries again
            self._status_lane.error = f"the status could not be refreshed: {exc}"
        finally:
            with self._cache_lock:
                self._refreshing = False

    def status(self) -> tuple[bytes, str]:
        """The status JSON and its ETag (see the class's note on freshness)."""
        with self._cache_lock:
            cached = self._cache
            age = self.clock() - cached.at if cached is not None else None
            if cached is not None and age is not None and age < self.refresh_s:
                return cached.body, cached.etag
            if cached is not None and age is not None and age < self.refresh_s * 5:
                if not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh_behind, name="refresh", daemon=True).start()
                return cached.body, cached.etag
        with self._compute_lock:
            with self._cache_lock:
                cached = self._cache
                if cached is not None and self.clock() - cached.at < self.refresh_s:
                    return cached.body, cached.etag  # another request computed it while this one waited
            fresh = self._compute()
            return fresh.body, fresh.etag

    def page(self) -> bytes:
        body, etag = self.status()
        with self._cache_lock:
            if self._page is None or self._page[0] != etag:
                self._page = (etag, page.render(json.loads(body)).encode("utf-8"))
            return self._page[1]

    def history(self, service: str | None, before: int | None, limit: int) -> dict[str, Any]:
        def page_of(store: History | None) -> dict[str, Any]:
            if store is None:
                return {"service": service, "events": [], "next_before": None}
            return model.history_page(
                store, service=service, before=before, limit=limit, log_url=self.log_url
            )

        result: dict[str, Any] = self._with_store(page_of)
        return result

    def plan(self, service: str) -> dict[str, Any]:
        from .._deploy.plan import DeployError, plan_rollback

        config = self.config.service(service)
        if config is None:
            return {"error": f"no service {service!r} in {self.config.display}"}

        def plan_of(store: History | None) -> dict[str, Any]:
            if store is None:
                return {"error": f"no deploy of {service} is recorded"}
            try:
                return {"plan": plan_rollback(store, config, self.root).describe()}
            except (DeployError, _git.GitError) as exc:
                return {"error": str(exc)}

        result: dict[str, Any] = model.scrub(self._with_store(plan_of))
        return result

    def log_text(self, event_id: int) -> str | None:
        event = self._with_store(lambda store: store.get(event_id) if store is not None else None)
        if event is None or not event.log_path:
            return None
        path = Path(event.log_path)
        logs = (self.state_dir / "logs").resolve()
        try:
            resolved = path.resolve()
            resolved.relative_to(logs)  # only the deploy logs, never another file a row names
            with open(resolved, "rb") as src:
                size = src.seek(0, 2)
                src.seek(max(0, size - LOG_TAIL))
                data = src.read()
        except (OSError, ValueError):
            return None
        text = data.decode("utf-8", errors="replace")
        return "\n".join(mask(line) for line in text.splitlines()) + "\n"

    # --- actions ---
    def start_job(self, action: str, target: str, work: Callable[[Job], int]) -> Job | None:
        with self._jobs_lock:
            if sum(1 for j in self.jobs.values() if j.state == "running") >= MAX_JOBS:
                return None
            job = Job(secrets.token_hex(8), action, target)
            self.jobs[job.id] = job
            for old in sorted(self.jobs.values(), key=lambda j: j.started)[:-50]:
                if old.state != "running":
                    del self.jobs[old.id]

        def run() -> None:
            try:
                code = work(job)
            except Exception as exc:  # noqa: BLE001 - the job reports it instead of dying silently
                job.say(f"internal error: {type(exc).__name__}: {exc}")
                code = 2
            job.exit_code = code
            job.state = "succeeded" if code == 0 else "failed"
            job.ended = time.monotonic()
            self.invalidate()

        threading.Thread(target=run, name=f"job-{action}", daemon=True).start()
        return job

    def _run(self, job: Job, argv: Sequence[str], timeout_s: float) -> int:
        job.say("$ ava-safety " + " ".join(argv[len(self.command) :]))
        with subprocess.Popen(
            [*argv], cwd=self.root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace",
        ) as proc:  # fmt: skip
            timer = threading.Timer(timeout_s, proc.terminate)
            timer.start()
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    job.say(line.rstrip("\n"))
                return proc.wait(timeout=60)
            finally:
                timer.cancel()

    def _config_args(self) -> list[str]:
        path = self.config.path
        if path is None or path.resolve() == (self.root / CONFIG_NAME).resolve():
            return []
        return ["--config", str(path)]

    def act_health(self, job: Job) -> int:
        checks = self.probe_now()
        if not checks:
            job.say("no service has a health URL to check")
            return 0
        for name, c in sorted(checks.items()):
            state = "UP" if c.ok else "DOWN: " + "; ".join(c.failures)
            job.say(f"{name}: {state} (HTTP {c.status}, {c.ms:.0f} ms, version {c.version or '?'})")
        return 0 if all(c.ok for c in checks.values()) else 1

    def act_checks(self, job: Job) -> int:
        worst = 0
        for hook in FILE_GATES:
            code = self._run(job, [*self.command, hook, "--all-files", *self._config_args()], CHECK_TIMEOUT_S)
            job.say(f"{hook}: exit {code}")
            worst = max(worst, code)
        return worst

    def act_rollback(self, job: Job, service: str) -> int:
        reason = "emergency rollback from the dashboard"
        argv = [*self.command, "rollback", service, "--reason", reason, *self._config_args()]
        code = self._run(job, argv, ROLLBACK_TIMEOUT_S)
        self.probe_now()
        return code


class Handler(BaseHTTPRequestHandler):
    server_version = "ava-safety"
    sys_version = ""
    timeout = REQUEST_TIMEOUT_S
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for a delayed ACK
    dashboard: Dashboard  # set on the subclass made for each server
    allowed_hosts: frozenset[str] = frozenset()  # empty: any Host (bound beyond loopback)

    def version_string(self) -> str:
        return "ava-safety"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # no access log on the terminal (serve prints its own lines)

    # --- responses ---
    def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", page.csp())
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(data, separators=(",", ":")).encode(), "application/json", headers)

    def _error(self, code: int, message: str) -> None:
        self._json(code, {"error": message})

    def _host_ok(self) -> bool:
        if not self.allowed_hosts:
            return True
        return (self.headers.get("Host") or "").lower() in self.allowed_hosts

    # --- GET ---
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_ok():
            self._error(403, "unexpected Host header (open the address serve printed)")
            return
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        path = url.path
        try:
            if path in ("/", "/index.html"):
                self._send(200, self.dashboard.page(), "text/html; charset=utf-8")
            elif path == "/api/status":
                body, etag = self.dashboard.status()
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", "application/json", {"ETag": etag})
                else:
                    self._send(200, body, "application/json", {"ETag": etag})
            elif path == "/api/history":
                service = (query.get("service") or [""])[0] or None
                before = _int((query.get("before") or [""])[0])
                limit = _int((query.get("limit") or [""])[0]) or model.WINDOW
                if (query.get("before") and before is None) or limit < 1:
                    self._error(400, "before and limit must be whole numbers")
                    return
                self._json(200, self.dashboard.history(service, before, limit))
            elif path == "/api/plan":
                self._json(200, self.dashboard.plan((query.get("service") or [""])[0]))
            elif m := re.fullmatch(r"/api/jobs/([0-9a-f]{16})", path):
                job = self.dashboard.jobs.get(m.group(1))
                if job is None:
                    self._error(404, "no such job")
                else:
                    self._json(200, job.to_dict())
            elif m := re.fullmatch(r"/logs/([0-9]{1,12})", path):
                text = self.dashboard.log_text(int(m.group(1)))
                if text is None:
                    self._error(404, "no log for that event on this machine")
                else:
                    self._send(200, text.encode("utf-8"), "text/plain; charset=utf-8")
            else:
                self._error(404, "not found")
        except Exception as exc:  # noqa: BLE001 - a broken request must not end the server
            self._error(500, mask(f"{type(exc).__name__}: {exc}"))

    # --- POST: actions ---
    def _origin_ok(self) -> bool:
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = self.headers.get("Origin")
        if origin is None:
            return True  # not a browser (curl, a script): the token is what counts
        host = (self.headers.get("Host") or "").lower()
        return origin.lower() in (f"http://{host}",) and self._host_ok()

    def do_POST(self) -> None:
        # the body is read first, whatever the answer: a keep-alive connection must not be left
        # with unread bytes that would be taken for the next request
        length = _int(self.headers.get("Content-Length") or "0")
        if length is None or length > MAX_BODY:
            self.close_connection = True
            self._error(413, f"request body too large (at most {MAX_BODY} bytes)")
            return
        raw = self.rfile.read(length) if length else b""
        if not self._host_ok():
            self._error(403, "unexpected Host header")
            return
        if not self._origin_ok():
            self._error(403, "cross-site request refused")
            return
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.dashboard.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            self._error(403, "missing or wrong token (Authorization: Bearer <the token serve printed>)")
            return
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            self._error(415, "send JSON (Content-Type: application/json)")
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._error(400, "the body is not JSON")
            return
        if not isinstance(body, dict):
            self._error(400, "the body must be a JSON object")
            return
        action = urlsplit(self.path).path.removeprefix("/api/actions/")
        d = self.dashboard
        job: Job | None
        if action == "health":
            job = d.start_job("health", "all", d.act_health)
        elif action == "checks":
            job = d.start_job("checks", "all", d.act_checks)
        elif action == "rollback":
            service = body.get("service")
            if not isinstance(service, str) or d.config.service(service) is None:
                names = ", ".join(s.name for s in d.config.services) or "none declared"
                self._error(400, f"name a declared service to roll back ({names})")
                return
            job = d.start_job("rollback", service, lambda j: d.act_rollback(j, service))
        else:
            self._error(404, "no such action (health, checks, rollback)")
            return
        if job is None:
            self._error(429, f"{MAX_JOBS} actions are running already; wait for one to end")
            return
        self._json(202, job.to_dict(), {"Location": f"/api/jobs/{job.id}"})

    def do_PUT(self) -> None:
        self.close_connection = True  # its body is not read
        self._error(405, "method not allowed")

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def make_server(dashboard: Dashboard, host: str, port: int) -> Server:
    """A server for the dashboard on host:port (port 0: a free one). Not started."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("BoundServer", (Server,), {"address_family": family})
    server = server_class((host, port), Handler)
    bound = server.server_address[1]
    allowed: frozenset[str] = frozenset()
    if is_loopback(host):
        names = {host, "localhost", "127.0.0.1", "[::1]"} | ({f"[{host}]"} if ":" in host else set())
        allowed = frozenset(f"{n}:{bound}".lower() for n in names)
    handler = type("BoundHandler", (Handler,), {"dashboard": dashboard, "allowed_hosts": allowed})
    server.RequestHandlerClass = handler
    return server


def new_token() -> str:
    return secrets.token_urlsafe(24)


__all__ = ["Dashboard", "Server", "is_loopback", "make_server", "new_token"]
