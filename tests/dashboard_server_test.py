"""`serve`: the JSON API, the token, Origin and Host checks, jobs, logs, paging; on loopback, over HTTP."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hooks._config import load_config
from hooks._dashboard import server as srv
from hooks._deploy.history import Event, SqliteHistory

from .conftest import git, make_repo

TOKEN = "server-test-token-0123456789"
AUTH = f"Bearer {TOKEN}"


class Health(BaseHTTPRequestHandler):
    version = "2.0.0"
    status = 200

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "version": self.version, "commit": "abc1234"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass
class Live:
    url: str
    port: int
    dashboard: srv.Dashboard
    repo: Path
    store: SqliteHistory

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                raw, code, head = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, code, head = exc.read(), exc.code, dict(exc.headers)
        try:
            return code, head, json.loads(raw)
        except ValueError:
            return code, head, raw.decode()

    def act(self, action: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        base = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
        code, _h, answer = self.request("POST", f"/api/actions/{action}", body or {}, {**base, **headers})
        return code, answer

    def wait(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _c, _h, job = self.request("GET", f"/api/jobs/{job_id}")
            if job["state"] != "running":
                return dict(job)
            time.sleep(0.05)
        raise AssertionError("the job never ended")


def event(service: str, version: str, status: str = "succeeded", kind: str = "deploy", **extra: Any) -> Event:
    return Event(service=service, kind=kind, status=status, version=version, commit="a" * 40,
                 started_at="2025-06-02T10:00:00.000Z", finished_at="2025-06-02T10:01:00.000Z",
                 **extra)  # fmt: skip


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    health = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=health.serve_forever, daemon=True).start()
    port = health.server_address[1]
    repo = make_repo(
        tmp_path / "repo",
        {".ava-safety.yaml": (
            "services:\n  web:\n    provider: command\n    deploy: [./deploy.sh]\n"
            f"    health:\n      url: http://127.0.0.1:{port}/health\n"
            "      expect: {json: {version: '{version}'}}\n"
            "  api:\n    provider: command\n    deploy: [./deploy.sh]\n"
        )},
    )  # fmt: skip
    store = SqliteHistory(repo / ".git" / "ava-safety" / "history.sqlite3")
    store.record(event("web", "v1.0.0"))
    store.record(event("web", "v2.0.0"))
    config = load_config(repo)
    dashboard = srv.Dashboard(repo, config, token=TOKEN, refresh_s=0.0)
    server = srv.make_server(dashboard, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    bound = server.server_address[1]
    try:
        yield Live(f"http://127.0.0.1:{bound}", bound, dashboard, repo, store)
    finally:
        server.shutdown()
        server.server_close()
        dashboard.close()
        store.close()
        health.shutdown()
        health.server_close()


def test_page_and_status_are_served_with_safety_headers(live: Live) -> None:
    code, headers, html = live.request("GET", "/")
    assert code == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert '"live":true' in html and '<template id="t-service">' in html
    code, headers, status = live.request("GET", "/api/status")
    assert code == 200 and status["live"] is True
    assert [s["name"] for s in status["services"]] == ["web", "api"]
    web = status["services"][0]
    assert (web["state"], web["recorded"]["version"]) == ("unknown", "v2.0.0")  # not probed yet
    assert status["services"][1]["state_text"] == "NO HEALTH URL"
    assert [e["version"] for e in status["timeline"]["events"]] == ["v2.0.0", "v1.0.0"]


def test_status_answers_304_while_nothing_changed(live: Live) -> None:
    code, headers, _ = live.request("GET", "/api/status")
    etag = headers["ETag"]
    code, _h, body = live.request("GET", "/api/status", headers={"If-None-Match": etag})
    assert code == 304 and body == ""
    live.store.record(event("web", "v3.0.0"))
    code, headers, status = live.request("GET", "/api/status", headers={"If-None-Match": etag})
    assert code == 200 and headers["ETag"] != etag
    assert status["timeline"]["events"][0]["version"] == "v3.0.0"


def test_history_pages_newest_first_and_filters_by_service(live: Live) -> None:
    for n in range(3, 123):
        live.store.record(event("web" if n % 2 else "api", f"v{n}.0.0"))
    code, _h, first = live.request("GET", "/api/history")
    assert code == 200 and len(first["events"]) == 50
    assert first["events"][0]["id"] == 122 and first["next_before"] == 73
    _c, _h, second = live.request("GET", f"/api/history?before={first['next_before']}&limit=100")
    assert [e["id"] for e in second["events"]] == list(range(72, 0, -1)) and second["next_before"] is None
    _c, _h, apis = live.request("GET", "/api/history?service=api&limit=5")
    assert {e["service"] for e in apis["events"]} == {"api"} and len(apis["events"]) == 5
    assert live.request("GET", "/api/history?before=x")[0] == 400
    _c, _h, status = live.request("GET", "/api/status")
    assert len(status["timeline"]["events"]) == 50 and status["timeline"]["next_before"] == 73


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, 403, id="no-token"),
        pytest.param({"Authorization": "Bearer wrong"}, 403, id="wrong-token"),
        pytest.param({"Authorization": AUTH, "Origin": "http://evil.example"}, 403, id="origin"),
        pytest.param({"Authorization": AUTH, "Sec-Fetch-Site": "cross-site"}, 403, id="fetch-site"),
        pytest.param({"Authorization": AUTH, "Content-Type": "text/plain"}, 415, id="not-json"),
    ],
)
def test_actions_are_refused_without_the_token_or_from_another_site(
    live: Live, headers: dict[str, str], expected: int
) -> None:
    code, _h, answer = live.request(
        "POST", "/api/actions/health", {}, {"Content-Type": "application/json", **headers}
    )
    assert code == expected, answer
    assert live.dashboard.jobs == {}


def test_same_origin_actions_run_as_jobs(live: Live) -> None:
    code, answer = live.act("health", Origin=live.url)
    assert code == 202 and answer["state"] == "running"
    job = live.wait(answer["id"])
    assert (job["state"], job["exit_code"]) == ("succeeded", 0)
    assert job["output"].startswith("web: UP (HTTP 200, ") and job["output"].endswith(" ms, version 2.0.0)")
    checks = (live.repo / ".git" / "ava-safety" / "health-checks.jsonl").read_text().splitlines()
    assert json.loads(checks[-1])["service"] == "web"
    _c, _h, status = live.request("GET", "/api/status")
    web = status["services"][0]
    assert web["running"] == "2.0.0" and web["drift"] is None and web["state"] == "up"
    assert web["uptime"]["checks"] == 1


def test_bad_action_requests_are_refused_with_the_reason(live: Live) -> None:
    assert live.act("deploy-everything")[0] == 404
    code, answer = live.act("rollback", {"service": "nope"})
    assert code == 400 and "web, api" in answer["error"]
    assert live.act("rollback", [1, 2])[0] == 400
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    assert live.request("POST", "/api/actions/health", b"{not json", headers)[0] == 400
    assert live.request("POST", "/api/actions/health", b"x" * 5000, headers)[0] == 413
    assert live.request("PUT", "/api/actions/health", {}, headers)[0] == 405
    assert live.request("GET", "/api/jobs/0123456789abcdef")[0] == 404
    assert live.request("GET", "/nothing")[0] == 404


def test_a_foreign_host_header_is_refused(live: Live) -> None:
    for method in ("GET", "POST"):
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
        conn.request(method, "/api/status", body=b"{}" if method == "POST" else None,
                     headers={"Host": f"attacker.example:{live.port}"})  # fmt: skip
        assert conn.getresponse().status == 403
        conn.close()
    conn = http.client.HTTPConnection("localhost", live.port, timeout=10)
    conn.request("GET", "/api/status")
    assert conn.getresponse().status == 200
    conn.close()


def test_a_refused_post_leaves_the_connection_usable(live: Live) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    conn.request("POST", "/api/actions/rollback", body=json.dumps({"service": "web"}),
                 headers={"Content-Type": "application/json"})  # fmt: skip
    refused = conn.getresponse()
    assert refused.status == 403 and b"token" in refused.read()
    conn.request("GET", "/api/plan?service=web")
    answer = conn.getresponse()
    assert answer.status == 200
    plan = f"roll web back from v2.0.0 to v1.0.0 ({'a' * 12}, history #1)"
    assert json.loads(answer.read()) == {"plan": plan}
    conn.close()


def test_logs_are_served_masked_and_only_from_the_logs_folder(live: Live) -> None:
    logs = live.repo / ".git" / "ava-safety" / "logs"
    logs.mkdir(parents=True)
    (logs / "web.log").write_text("09:00:00 connect postgresql://admin:hunter2secret@db/app\n")
    inside = live.store.record(event("web", "v3.0.0", log_path=str(logs / "web.log")))
    outside = live.store.record(event("web", "v4.0.0", log_path=str(live.repo / ".ava-safety.yaml")))
    code, headers, text = live.request("GET", f"/logs/{inside.id}")
    assert code == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text == "09:00:00 connect postgresql://admin:***@db/app\n"
    assert live.request("GET", f"/logs/{outside.id}")[0] == 404
    assert live.request("GET", "/logs/999")[0] == 404
    _c, _h, page = live.request("GET", "/api/history?limit=1")
    assert page["events"][0]["log"] == f"/logs/{outside.id}"


def test_plan_names_a_service_it_cannot_roll_back(live: Live) -> None:
    assert live.request("GET", "/api/plan?service=api")[2]["error"].startswith("no deploy history of api: ")
    assert "no service 'nope'" in live.request("GET", "/api/plan?service=nope")[2]["error"]


def test_at_most_four_actions_run_at_once(live: Live) -> None:
    release = threading.Event()
    jobs = [live.dashboard.start_job("health", "x", lambda _j: int(not release.wait(30))) for _ in range(4)]
    assert all(j is not None for j in jobs)
    assert live.act("health")[0] == 429
    release.set()
    for job in jobs:
        assert job is not None
        assert live.wait(job.id)["state"] == "succeeded"


def test_a_crashing_action_is_reported_not_lost(live: Live) -> None:
    def crash(_job: srv.Job) -> int:
        raise RuntimeError("boom")

    job = live.dashboard.start_job("checks", "all", crash)
    assert job is not None
    done = live.wait(job.id)
    assert done["state"] == "failed" and done["exit_code"] == 2
    assert done["output"] == "internal error: RuntimeError: boom"


def test_loopback_names() -> None:
    assert srv.is_loopback("127.0.0.1") and srv.is_loopback("::1") and srv.is_loopback("127.1.2.3")
    assert not srv.is_loopback("0.0.0.0") and not srv.is_loopback("192.0.2.1")
    assert len(srv.new_token()) >= 32


def test_listening_beyond_loopback_accepts_any_host_but_not_another_origin(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    git(repo, "status")
    dashboard = srv.Dashboard(repo, load_config(repo), token=TOKEN)
    server = srv.make_server(dashboard, "0.0.0.0", 0)  # noqa: S104 - the test of exactly that
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/status", headers={"Host": f"box.internal:{port}"})
        answer = conn.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["services"] == []
        headers = {"Host": f"box.internal:{port}", "Origin": "http://other.internal",
                   "Content-Type": "application/json", "Authorization": AUTH}  # fmt: skip
        conn.request("POST", "/api/actions/health", body=b"{}", headers=headers)
        assert conn.getresponse().status == 403
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
        dashboard.close()


def test_a_stale_status_is_served_at_once_and_refreshed_behind(live: Live) -> None:
    now = [1000.0]
    d = live.dashboard
    d.clock, d.refresh_s = (lambda: now[0]), 2.0
    d.invalidate()
    first, etag = d.status()
    live.store.record(event("web", "v3.0.0"))
    now[0] += 1.0
    assert d.status() == (first, etag)  # fresh enough: from memory
    now[0] += 2.0
    assert d.status() == (first, etag)  # stale: still served, and a refresh starts behind
    deadline = time.monotonic() + 10
    while d.status()[1] == etag:
        assert time.monotonic() < deadline, "the refresh behind never landed"
        time.sleep(0.05)
    assert json.loads(d.status()[0])["timeline"]["events"][0]["version"] == "v3.0.0"
    live.store.record(event("web", "v4.0.0"))
    now[0] += 11.0  # older than 5 x refresh_s: computed before answering
    assert json.loads(d.status()[0])["timeline"]["events"][0]["version"] == "v4.0.0"


def test_a_broken_store_is_shown_and_reopened(live: Live) -> None:
    lane = live.dashboard._status_lane
    live.dashboard.status()
    lane.call(lambda store: store.close())  # the connection dies under the dashboard
    live.dashboard.invalidate()
    broken = json.loads(live.dashboard.status()[0])
    assert broken["history"]["error"].startswith("the history store failed: ")
    assert broken["timeline"]["events"] == []
    live.dashboard.invalidate()
    healed = json.loads(live.dashboard.status()[0])
    assert [e["version"] for e in healed["timeline"]["events"]] == ["v2.0.0", "v1.0.0"]


def test_the_prober_keeps_checking_until_closed(live: Live) -> None:
    live.dashboard.probe_interval_s = 0.05
    live.dashboard.start_prober()
    deadline = time.monotonic() + 10
    checks = live.repo / ".git" / "ava-safety" / "health-checks.jsonl"
    while not checks.exists() or len(checks.read_text().splitlines()) < 3:
        assert time.monotonic() < deadline, "the prober did not probe"
        time.sleep(0.05)
    assert live.dashboard.checks["web"].ok


def test_rerunning_the_checks_records_every_file_hook(live: Live) -> None:
    (live.repo / "app.py").write_text("import os\n\nDEBUG = os.environ.get('DEBUG', '0')\n")
    git(live.repo, "add", "app.py")
    code, job = live.act("checks")
    assert code == 202
    done = live.wait(job["id"])
    assert done["output"].startswith("$ ava-safety syntax-imports --all-files")
    for hook in ("syntax-imports", "env-vars", "deploy-config", "constitutional-compliance", "design-rules"):
        assert f"{hook}: exit " in done["output"]
    _c, _h, status = live.request("GET", "/api/status")
    assert {h["hook"] for h in status["hooks"]} >= {"syntax-imports", "constitutional-compliance"}
    assert status["compliance"]["latest"] is not None


def test_the_rollback_action_rolls_the_service_back(service_repo: Any) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0")
    assert repo.run("deploy").returncode == 0
    dashboard = srv.Dashboard(repo.path, load_config(repo.path), token=TOKEN, refresh_s=0.0)
    try:
        job = dashboard.start_job("rollback", "web", lambda j: dashboard.act_rollback(j, "web"))
        assert job is not None
        deadline = time.monotonic() + 60
        while job.state == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert (job.state, job.exit_code) == ("succeeded", 0), job.lines
        assert job.lines[0] == "$ ava-safety rollback web --reason emergency rollback from the dashboard"
        assert repo.serving() == "1.0.0"
        status = json.loads(dashboard.status()[0])
        web = status["services"][0]
        assert web["recorded"]["version"] == "v1.0.0" and web["running"] == "1.0.0"
        assert web["last_rollback"]["badge"]["text"] == "ROLLED BACK"
    finally:
        dashboard.close()
