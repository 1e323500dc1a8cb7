"""Secrets never reach the page or the API: canaries planted in the history, a deploy log, hook
results, the config and the environment, then every page, answer and log the dashboard gives is
searched for them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ._dashboard_support import TOKEN, serving
from ._deploy_support import make_service_repo

CANARY = "CANARY"
SECRET_ENV = "CANARY-env-secret-value"


def _plant(repo_path: Path) -> None:
    state = repo_path / ".git" / "ava-safety"
    # rows as an older tool (or another machine's) could have written them: unmasked
    db = sqlite3.connect(state / "history.sqlite3")
    db.execute(
        "UPDATE events SET change_description = ?, error = ?, notes = ?, reason = ? WHERE id = 1",
        (
            "abc1234 connect with DATABASE_URL=postgresql://admin:CANARY-db-pw@db.internal/app",
            "Authorization: Bearer CANARY-bearer-token",
            json.dumps(["api_key=CANARY-note-key", f"env says {SECRET_ENV}"]),
            "password: CANARY-reason-pw",
        ),
    )
    db.commit()
    log = db.execute("SELECT log_path FROM events WHERE id = 1").fetchone()[0]
    db.close()
    with open(log, "a", encoding="utf-8") as out:
        out.write("09:00:00 export API_TOKEN=CANARY-log-token\n")
        out.write(f"09:00:01 connecting with {SECRET_ENV}\n")
        out.write("09:00:02 redis://:CANARY-redis-pw@cache:6379/0\n")
    results = state / "results"
    results.mkdir(exist_ok=True)
    finding = {"path": "app.py", "line": 3, "col": 1, "rule": "EV004", "severity": "error",
               "principle": "SECRETS", "blocking": True}  # fmt: skip
    (results / "env-vars.json").write_text(json.dumps({
        "hook": "env-vars", "exit_code": 1, "finished_at": "2025-06-02T10:00:00+0000",
        "findings": [
            {**finding, "message": "DB_PASSWORD = 'CANARY-finding-pw' is a plaintext secret"},
            {**finding, "message": "postgresql://u:CANARY-finding-url@h/db in settings.py"},
            {**finding, "message": f"the value {SECRET_ENV} is committed"},
        ],
    }))  # fmt: skip
    (results / "db-connection.json").write_text(json.dumps({
        "hook": "db-connection", "exit_code": 1, "finished_at": "2025-06-02T10:00:00+0000", "findings": [],
        "databases": [{"name": "main", "ok": False, "latency_ms": None,
                       "error": "password authentication failed: postgresql://app:CANARY-db2@db/app"}],
    }))  # fmt: skip


def test_no_secret_reaches_the_page_the_api_or_the_logs_served(tmp_path: Path) -> None:
    extra = (
        "  api:\n"
        "    provider: command\n"
        '    deploy: [python3, deploy.py, "1", "{commit}"]\n'
        "    health: {url: 'http://probe:CANARY-health-pw@127.0.0.1:9/health', request_timeout_s: 1}\n"
    )
    repo = make_service_repo(tmp_path / "svc", extra=extra)
    try:
        assert repo.run("deploy", "web").returncode == 0
        _plant(repo.path)
        raw = (repo.path / ".git" / "ava-safety" / "history.sqlite3").read_bytes()
        assert b"CANARY-db-pw" in raw  # the planted rows are really there to leak

        page = tmp_path / "page.html"
        made = repo.run("dashboard", "--out", str(page), DB_PASSWORD=SECRET_ENV)
        assert made.returncode == 0, made.stderr
        seen = {"dashboard file": page.read_text(encoding="utf-8"), "dashboard stdout": made.stdout}
        assert "***" in seen["dashboard file"]  # masked, not dropped

        with serving(repo, DB_PASSWORD=SECRET_ENV) as served:
            for path in ("/", "/api/status", "/api/history", "/api/history?service=web",
                         "/api/history?service=api", "/logs/1", "/api/plan?service=web"):  # fmt: skip
                code, _headers, body = served.get(path)
                assert code == 200, (path, code, body)
                seen[path] = body.decode("utf-8")
            assert "export API_TOKEN=***" in seen["/logs/1"]
            code, job = served.post("/api/actions/health", {}, {"Authorization": f"Bearer {TOKEN}"})
            assert code == 202
            seen["health job"] = json.dumps(served.wait_job(job["id"]))
            status = json.loads(seen["/api/status"])
            api = next(s for s in status["services"] if s["name"] == "api")
            assert api["health_url"] == "http://probe:***@127.0.0.1:9/health"
            assert status["database"]["databases"][0]["ok"] is False
        seen["serve output"] = "".join(served.first_lines)
        leaks = {where: text.count(CANARY) for where, text in seen.items() if CANARY in text}
        assert leaks == {}
    finally:
        repo.stop_service()
