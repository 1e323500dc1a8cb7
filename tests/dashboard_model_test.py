"""The dashboard's data: badges, the weekly review, the trend chart, hook results, services, and a
history of thousands of rows (the page carries a window, the API pages)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hooks import _hook
from hooks._config import load_config
from hooks._dashboard import build, model, page, probes, review, svg
from hooks._deploy.history import Event, SqliteHistory
from hooks.constitutional_compliance import main as compliance_main

from ._postgres import PostgresServer
from .conftest import make_repo

NOW = datetime(2025, 6, 4, 12, 0, tzinfo=timezone.utc)  # a Wednesday of ISO week 2025-W23


def ev(kind: str = "deploy", status: str = "succeeded", *, days: float = 0, **extra: Any) -> Event:
    at = (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")
    values: dict[str, Any] = {"service": "web", "version": "v1", "commit": "c" * 40, "started_at": at}
    values.update(extra)
    return Event(kind=kind, status=status, **values)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(ev(), "DEPLOYED", id="deployed"),
        pytest.param(ev(status="rolled_back"), "DEPLOYED", id="deployed-then-undone"),
        pytest.param(ev(status="rolled_back", error="health: status 500"), "FAILED", id="failed-rolled-back"),
        pytest.param(ev(status="failed"), "FAILED", id="failed"),
        pytest.param(ev("rollback"), "ROLLED BACK", id="rollback"),
        pytest.param(ev("rollback", "failed"), "FAILED", id="rollback-failed"),
        pytest.param(ev(status="blocked"), "BLOCKED", id="blocked"),
        pytest.param(ev(status="interrupted"), "INTERRUPTED", id="interrupted"),
        pytest.param(ev(status="started"), "IN PROGRESS", id="running"),
    ],
)
def test_each_event_gets_a_badge_with_words_and_a_glyph(event: Event, expected: str) -> None:
    badge = review.badge(event)
    assert badge["text"] == expected and badge["glyph"] and badge["tone"]


def test_weekly_review_counts_success_rate_and_rollbacks_per_week_and_service() -> None:
    events = [
        ev(days=0), ev(status="rolled_back", error="health", days=0.1),
        ev("rollback", reason="automatic: deploy #2 failed", days=0.1), ev(status="rolled_back", days=1),
        ev("rollback", reason="emergency rollback", days=1), ev(status="blocked", days=1),
        ev(status="started", days=0), ev(days=8), ev(days=70), ev(service="api", days=2),
        replace(ev(), started_at="not a time"),
    ]  # fmt: skip
    data = review.weekly(events, ["web", "api"], now=NOW, weeks=3)
    assert data["weeks"] == ["2025-W21", "2025-W22", "2025-W23"]
    web = data["services"][0]
    assert web["service"] == "web"
    this_week = web["weeks"][-1]
    counts = ("deploys", "succeeded", "failed", "rollbacks", "automatic", "blocked")
    assert {k: this_week[k] for k in counts} == {
        "deploys": 3, "succeeded": 2, "failed": 1, "rollbacks": 2, "automatic": 1, "blocked": 1,
    }  # fmt: skip
    assert this_week["rate"] == 66.7
    assert web["weeks"][1]["deploys"] == 1 and web["weeks"][0]["rate"] is None
    assert web["total"]["deploys"] == 4 and web["total"]["week"] == "total"
    assert data["services"][1]["total"]["deploys"] == 1


def test_trend_chart_marks_runs_under_the_minimum_and_escapes_labels() -> None:
    empty = svg.trend_chart([], min_score=80)
    assert "no scored runs yet" in empty and empty.startswith('<svg class="chart"')
    chart = svg.trend_chart([svg.Point("<b>run 1</b>", 92.5), svg.Point("run 2", 70.0)], min_score=80)
    assert chart.count('<circle class="dot"') == 1 and chart.count('<rect class="dot under"') == 1
    assert "&lt;b&gt;run 1&lt;/b&gt;: 92.5" in chart and "<b>" not in chart
    assert '<line class="min"' in chart and 'role="img"' in chart
    single = svg.trend_chart([svg.Point("only", 100.0)])
    assert single.count("<circle") == 1 and '<line class="min"' not in single


@pytest.mark.parametrize(
    ("data", "verdict", "figure"),
    [
        pytest.param({"exit_code": 0, "findings": []}, "PASSED", "no findings", id="clean"),
        pytest.param(
            {"exit_code": 0, "findings": [{"severity": "warning"}]},
            "PASSED",
            "0 error(s), 1 warning(s)",
            id="warnings",
        ),  # fmt: skip
        pytest.param(
            {"exit_code": 1, "findings": [{"severity": "error"}]},
            "BLOCKED",
            "1 error(s), 0 warning(s)",
            id="blocked",
        ),  # fmt: skip
        pytest.param({"exit_code": 2}, "ERROR", "no findings", id="crashed"),
        pytest.param(
            {"exit_code": 1, "score": {"overall": 71.25, "min_score": 80}},
            "BLOCKED",
            "score 71.2 (min 80)",
            id="score",
        ),  # fmt: skip
        pytest.param({"exit_code": 1, "risk": {"level": "high"}}, "BLOCKED", "risk high", id="risk"),
        pytest.param(
            {
                "exit_code": 0,
                "databases": [
                    {"name": "main", "ok": True, "latency_ms": 3.2},
                    {"name": "ro", "status": "down", "ms": 9},
                ],
            },
            "PASSED",
            "1/2 reachable, 9 ms",
            id="databases",
        ),  # fmt: skip
    ],
)
def test_every_hook_result_has_a_verdict_and_a_key_figure(
    data: dict[str, Any], verdict: str, figure: str
) -> None:
    view = model.hook_view("some-hook", data)
    assert (view["verdict"], view["figure"]) == (verdict, figure)


def test_risk_and_database_panels_appear_only_with_their_results(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "results").mkdir(parents=True)
    found = model.results(state)
    assert model.risk_view(found.get("rollback-risk")) is None
    assert model.database_view(found.get("db-connection")) is None
    (state / "results" / "rollback-risk.json").write_text(json.dumps(
        {"hook": "rollback-risk", "exit_code": 1, "level": "critical",
         "findings": [{"message": "drops a column"}]}))  # fmt: skip
    (state / "results" / "db-connection.json").write_text(
        json.dumps({"exit_code": 0, "checks": [{"url": "postgresql://db/app", "ok": True, "ms": 4}]})
    )
    (state / "results" / "broken.json").write_text("{not json")
    found = model.results(state)
    assert set(found) == {"rollback-risk", "db-connection"}
    risk = model.risk_view(found["rollback-risk"])
    assert risk == {"level": "critical", "score": None, "reasons": ["drops a column"], "finished_at": None,
                    "blocked": True}  # fmt: skip
    db = model.database_view(found["db-connection"])
    assert db is not None and db["databases"] == [
        {"name": "postgresql://db/app", "ok": True, "latency_ms": 4, "error": ""}
    ]


def _store(repo: Path) -> SqliteHistory:
    return SqliteHistory(repo / ".git" / "ava-safety" / "history.sqlite3")


def test_thousands_of_rows_page_in_a_window(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {".ava-safety.yaml": "services:\n  web: {provider: command, deploy: [x]}\n"}
    )
    store = _store(repo)
    now = datetime.now(timezone.utc)
    rows = []
    for n in range(5000):
        at = (now - timedelta(minutes=5000 - n)).isoformat().replace("+00:00", "Z")
        kind, status = ("rollback", "succeeded") if n % 50 == 7 else ("deploy", "succeeded")
        rows.append(Event(service="web" if n % 3 else "api", kind=kind, status=status, version=f"v{n}",
                          commit=f"{n:040x}", started_at=at, finished_at=at))  # fmt: skip
    for event in rows:
        store.record(event)
    config = load_config(repo)
    state = repo / ".git" / "ava-safety"
    data = model.status(repo, config, store, state_dir=state, checks={})
    assert len(data["timeline"]["events"]) == model.WINDOW and data["timeline"]["next_before"] == 4951
    assert [s["name"] for s in data["services"]] == ["web", "api"]
    assert data["services"][1]["configured"] is False  # only in the history
    web = data["services"][0]
    assert web["last_deploy"]["version"] == "v4999" and web["last_rollback"]["version"] == "v4957"
    assert sum(w["deploys"] + w["rollbacks"] for s in data["weekly"]["services"] for w in s["weeks"]) == 5000
    page_two = model.history_page(store, service="web", before=100, limit=10, log_url=model.file_log_url)
    assert [e["id"] for e in page_two["events"]] == [99, 98, 96, 95, 93, 92, 90, 89, 87, 86]
    store.close()
    _out, written = build.write(repo, config, tmp_path / "page.html", probe=False)
    assert len(written["timeline"]["events"]) == model.FILE_WINDOW
    assert (tmp_path / "page.html").stat().st_size < 2_000_000


def test_running_version_other_than_recorded_is_drift(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {".ava-safety.yaml": "services:\n  web: {provider: command, deploy: [x]}\n"}
    )
    store = _store(repo)
    store.record(ev(version="v1.0.0", commit="1" * 40))
    config = load_config(repo)

    def check(version: str | None, commit: str | None = None, ok: bool = True) -> probes.Check:
        return probes.Check("web", "2025-06-04T12:00:00Z", ok, 200 if ok else 500, 5.0, (), version, commit)

    def state(c: probes.Check) -> tuple[str, str | None]:
        view = model.service_view("web", config.service("web"), store, c, [])
        return view["state"], view["drift"]

    assert state(check("1.0.0")) == ("up", None)
    assert state(check(None, "1111111")) == ("up", None)
    assert state(check("snapshot", "1111111")) == ("up", None)
    assert state(check(None)) == ("up", None)
    assert state(check("0.9.0", ok=False)) == ("down", None)
    drifted = state(check("v2.0.0", "2222222"))
    assert drifted[0] == "drift" and drifted[1] is not None and drifted[1].startswith("v2.0.0 is running")
    store.close()


def test_compliance_runs_are_recorded_for_the_trend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "import logging\n\nlogger = logging.getLogger(__name__)\n"})
    monkeypatch.chdir(repo)
    monkeypatch.setattr(_hook, "SCORES_KEEP", 3)
    for _ in range(2):
        assert compliance_main(["--all-files"]) == 0
    scores = repo / ".git" / "ava-safety" / "results" / "constitutional-compliance.scores.jsonl"
    lines = [json.loads(line) for line in scores.read_text().splitlines()]
    assert len(lines) == 2 and lines[0]["overall"] == 100.0 and lines[0]["exit_code"] == 0
    assert set(lines[0]) == {"finished_at", "overall", "passed", "principles", "exit_code", "files", "scope"}
    assert all(isinstance(v, float) for v in lines[0]["principles"].values())
    with open(scores, "a") as out:
        out.write(("x" * 700 + "\n") * 3)  # past the size that trims it
    assert compliance_main(["--all-files"]) == 0
    assert len(scores.read_text().splitlines()) == 3
    data = model.compliance(repo / ".git" / "ava-safety", model.results(repo / ".git" / "ava-safety")[
        "constitutional-compliance"])  # fmt: skip
    assert data["latest"]["overall"] == 100.0 and len(data["trend"]) == 1  # the junk lines are skipped
    assert data["trend_svg"].count('<circle class="dot"') == 1


def test_an_unwritten_sqlite_store_is_not_created_and_a_dead_postgresql_is_named(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    state = repo / ".git" / "ava-safety"
    config = load_config(repo)
    assert build.open_store(repo, config, state) == (None, None)
    assert not (state / "history.sqlite3").exists()
    config.history = "postgresql://nobody@127.0.0.1:1/ops"
    store, error = build.open_store(repo, config, state)
    assert store is None and error is not None and "127.0.0.1" in error
    data = build.snapshot(repo, config, probe=False)
    assert data["history"] == {"store": "postgresql", "error": error}
    assert data["timeline"]["events"] == []


def test_the_page_reads_a_postgresql_history(tmp_path: Path, postgres: PostgresServer) -> None:
    from hooks._deploy.history_pg import PostgresHistory

    url = postgres.url(postgres.create_database())
    repo = make_repo(tmp_path / "r", {".ava-safety.yaml": f"history: {url}\n"})
    with postgres.env():
        store = PostgresHistory(url)
        store.record(ev(version="v1.0.0"))
        store.record(ev("rollback", version="v0.9.0", rollback_from=1))
        store.close()
        data = build.snapshot(repo, load_config(repo), probe=False)
    assert data["history"]["error"] is None
    assert [(e["version"], e["badge"]["text"]) for e in data["timeline"]["events"]] == [
        ("v0.9.0", "ROLLED BACK"), ("v1.0.0", "DEPLOYED")
    ]  # fmt: skip
    assert data["timeline"]["events"][1]["undone_by"] == 2


def test_the_embedded_data_cannot_end_its_script_element() -> None:
    text = page.embed_json({"x": "</script><script>alert(1)</script><!--"})
    assert "<" not in text and ">" not in text
    assert json.loads(text) == {"x": "</script><script>alert(1)</script><!--"}
    html = page.render({"repo": "<repo>", "x": "</script>"})
    assert "<title>ava-safety · &lt;repo&gt;</title>" in html and html.count("</script>") == 2


def test_the_health_check_record_is_bounded_and_read_from_its_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probes, "KEEP", 5)
    state = tmp_path / "state"
    check = probes.Check("web", "2025-06-04T12:00:00Z", True, 200, 3.0, (), "1.0.0", None)
    probes.record(state, [])
    assert not (state / probes.CHECKS_FILE).exists()
    for n in range(20):
        probes.record(state, [replace(check, ok=n % 4 != 0, at=f"2025-06-04T12:00:{n:02d}Z")])
    lines = (state / probes.CHECKS_FILE).read_text().splitlines()
    assert 5 <= len(lines) < 20  # trimmed to the newest KEEP once past the size limit
    with open(state / probes.CHECKS_FILE, "a") as out:
        out.write("not json\n[1]\n")
    found = probes.recent(state, tail_bytes=400)
    assert list(found) == ["web"] and found["web"][-1]["at"] == "2025-06-04T12:00:19Z"
    up = probes.uptime(found["web"])
    assert up is not None and up["checks"] == len(found["web"]) and 0 < up["percent"] <= 100
    assert probes.uptime([]) is None and probes.recent(tmp_path / "nowhere") == {}
