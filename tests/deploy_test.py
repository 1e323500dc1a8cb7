"""deploy and rollback end to end: a real service on loopback, deployed by the command provider."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from ._deploy_support import ServiceRepo, make_service_repo, statuses, wait_stopped
from ._postgres import PostgresServer
from .conftest import git


def test_failed_deploy_is_rolled_back_and_emergency_rollback_lands_on_the_last_stable(
    service_repo: ServiceRepo,
) -> None:
    repo = service_repo
    first = repo.run("deploy")
    assert first.returncode == 0, first.stdout + first.stderr
    assert repo.serving() == "1.0.0"
    assert re.search(r"live log: tail -f .*/\.git/ava-safety/logs/web-.*-deploy-\d+\.log", first.stdout)
    assert "deploy #1 of web v1.0.0: succeeded" in first.stdout
    for phase in ("lock", "gates", "prepare", "provider", "platform", "health", "finish", "total"):
        assert re.search(rf"^  {phase} +\d+\.\d\ds", first.stdout, re.M), phase

    repo.release("2.0.0", status=500)
    broken = repo.run("deploy")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "deploy #2 of web v2.0.0: failed (health: status 500, expected 200" in broken.stdout
    assert "automatic rollback #3 to v1.0.0: succeeded" in broken.stdout
    assert re.search(r"^  rollback\.health +\d", broken.stdout, re.M)
    assert repo.serving() == "1.0.0"

    repo.release("3.0.0")
    assert repo.run("deploy").returncode == 0
    assert repo.serving() == "3.0.0"

    started = time.monotonic()
    emergency = repo.run("rollback")
    took = time.monotonic() - started
    assert emergency.returncode == 0, emergency.stdout + emergency.stderr
    assert "roll web back from v3.0.0 to v1.0.0" in emergency.stdout
    assert repo.serving() == "1.0.0"
    assert took < 5, f"a whole rollback took {took:.1f}s"

    events = repo.history()
    assert statuses(events) == [
        ("deploy", "v1.0.0", "succeeded"),
        ("deploy", "v2.0.0", "rolled_back"),
        ("rollback", "v1.0.0", "succeeded"),
        ("deploy", "v3.0.0", "rolled_back"),
        ("rollback", "v1.0.0", "succeeded"),
    ]
    by_id = {e["id"]: e for e in events}
    assert by_id[3]["rollback_from"] == 2 and by_id[5]["rollback_from"] == 4
    assert by_id[2]["error"].startswith("health: status 500")
    assert by_id[2]["change_description"].endswith("release 2.0.0")
    assert by_id[4]["change_description"].count("release") == 2  # 2.0.0 never succeeded: since 1.0.0
    assert by_id[1]["author"] == "Test <test@example.com>"
    assert [g["gate"] for g in by_id[1]["gates"]] == ["syntax-imports", "git-state"]
    assert set(by_id[5]["durations"]) == {"lock", "plan", "provider", "platform", "health", "finish"}
    assert set(by_id[3]["durations"]) == {"provider", "platform", "health", "finish"}  # its own phases
    assert by_id[1]["health"]["ok"] is True and by_id[1]["health"]["passes"] == 2
    assert Path(by_id[5]["log_path"]).is_file()
    tags = git(repo.path, "tag", "--list", "deploy/web/*").split()
    assert sorted(tags, key=lambda t: int(t.rsplit("/", 1)[1])) == [f"deploy/web/{n}" for n in range(1, 5)]
    table = repo.run("history", "web").stdout.splitlines()
    assert table[0].split()[:7] == ["id", "when", "service", "kind", "status", "version", "commit"]
    assert table[1].split()[0] == "5" and "ROLLED_BACK" in table[2]


def test_an_unhealthy_slow_release_fails_on_response_time(service_repo: ServiceRepo) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.release("1.1.0", delay=2.5)
    slow = repo.run("deploy")
    assert slow.returncode == 1
    assert "more than 2000 ms" in slow.stdout or "no answer within" in slow.stdout
    assert repo.serving() == "1.0.0"


@pytest.mark.parametrize("phase", ["lock", "gates", "prepare", "provider", "platform", "health", "finish"])
def test_a_deploy_killed_in_any_phase_leaves_a_truthful_history(
    service_repo: ServiceRepo, phase: str
) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0")
    proc = repo.start("deploy", AVA_SAFETY_FAULT_STOP_AT=phase)
    wait_stopped(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    events = repo.history()
    if phase == "lock":  # killed before it recorded anything: nothing happened
        assert statuses(events) == [("deploy", "v1.0.0", "succeeded")]
        assert repo.serving() == "1.0.0"
        again = repo.run("deploy")
        assert again.returncode == 0, again.stdout
        assert "stale lock" not in again.stdout  # the lock was never taken
        return
    assert statuses(events)[-1] == ("deploy", "v2.0.0", "started")
    assert events[0]["phase"] == phase
    back = repo.run("rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert f"deploy #2 of v2.0.0 was interrupted during {phase}" in back.stdout
    assert "stale lock of process" in back.stdout
    assert repo.serving() == "1.0.0"
    assert statuses(repo.history()) == [
        ("deploy", "v1.0.0", "succeeded"),
        ("deploy", "v2.0.0", "interrupted"),
        ("rollback", "v1.0.0", "succeeded"),
    ]
    assert repo.run("deploy").returncode == 0  # and the next deploy goes through
    assert repo.serving() == "2.0.0"


def test_sigterm_ends_a_deploy_as_interrupted_at_once(service_repo: ServiceRepo) -> None:
    repo = service_repo
    proc = repo.start("deploy", AVA_SAFETY_FAULT_STOP_AT="provider")
    wait_stopped(proc)
    os.kill(proc.pid, signal.SIGTERM)
    os.kill(proc.pid, signal.SIGCONT)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "interrupted (SIGTERM received)" in out
    (event,) = repo.history()
    assert (event["status"], event["phase"]) == ("interrupted", "provider")
    assert event["error"] == "interrupted during provider (SIGTERM received)"


def test_ten_concurrent_deploys_run_one_at_a_time(tmp_path: Path) -> None:
    repo = make_service_repo(tmp_path / "svc", gates="[]")
    try:
        procs = [repo.start("deploy", "--wait", "120") for _ in range(10)]
        for proc in procs:
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, out + err
        events = sorted(repo.history(), key=lambda e: e["started_at"])
        assert len(events) == 10 and {e["status"] for e in events} == {"succeeded"}
        for before, after in zip(events, events[1:], strict=False):
            assert before["finished_at"] <= after["started_at"], (before, after)
        assert repo.serving() == "1.0.0"
    finally:
        repo.stop_service()


def test_a_second_deploy_is_refused_while_one_runs(service_repo: ServiceRepo) -> None:
    repo = service_repo
    holder = repo.start("deploy", AVA_SAFETY_FAULT_STOP_AT="gates")
    wait_stopped(holder)
    try:
        refused = repo.run("rollback")
        assert refused.returncode == 1
        assert re.search(
            rf"rollback refused: another deploy or rollback of web is running: "
            rf"process {holder.pid} on \S+ since",
            refused.stdout,
        ), refused.stdout
    finally:
        holder.kill()
        holder.communicate(timeout=30)


def test_rollback_dry_run_prints_the_plan_and_changes_nothing(service_repo: ServiceRepo) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0")
    assert repo.run("deploy").returncode == 0
    before = repo.history()
    plan = repo.run("rollback", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.splitlines()[0].startswith("plan: roll web back from v2.0.0 to v1.0.0 (")
    assert "dry run: nothing was changed" in plan.stdout
    assert repo.history() == before and repo.serving() == "2.0.0"


def test_rollback_without_history_uses_the_deploy_tags(service_repo: ServiceRepo) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0")
    assert repo.run("deploy").returncode == 0
    for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"):
        (repo.path / ".git" / "ava-safety" / name).unlink(missing_ok=True)  # a fresh clone's store
    back = repo.run("rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert "to v1.0.0" in back.stdout and "tag deploy/web/1" in back.stdout
    assert repo.serving() == "1.0.0"


def test_rollback_to_a_named_version(service_repo: ServiceRepo) -> None:
    repo = service_repo
    for version in ("2.0.0", "3.0.0"):
        assert repo.run("deploy").returncode == 0
        repo.release(version)
    assert repo.run("deploy").returncode == 0
    back = repo.run("rollback", "--to", "v1.0.0")
    assert back.returncode == 0, back.stdout
    assert repo.serving() == "1.0.0"
    missing = repo.run("rollback", "--to", "v9.9.9")
    assert missing.returncode == 2
    assert "--to v9.9.9: no succeeded deploy of web has that version" in missing.stderr


def test_nothing_to_roll_back_to_is_a_clear_error(service_repo: ServiceRepo) -> None:
    assert service_repo.run("deploy").returncode == 0
    proc = service_repo.run("rollback")
    assert proc.returncode == 2
    assert (
        "no earlier successful deploy of web before v1.0.0 to roll back to (use --to VERSION)" in proc.stderr
    )


def test_a_blocking_gate_refuses_the_deploy_and_skip_gates_needs_a_reason(service_repo: ServiceRepo) -> None:
    repo = service_repo
    (repo.path / "broken.py").write_text("def f(:\n", encoding="utf-8")
    repo.release("1.1.0")
    blocked = repo.run("deploy")
    assert blocked.returncode == 1, blocked.stdout
    assert "gate syntax-imports: BLOCK (1 error, 0 warnings)" in blocked.stdout
    assert "broken.py:1:" in blocked.stdout
    assert repo.serving() is None
    (event,) = repo.history()
    assert (event["status"], event["phase"]) == ("blocked", "gates")
    assert event["gates"][0]["verdict"] == "block"
    no_reason = repo.run("deploy", "--skip-gates")
    assert no_reason.returncode == 2 and "--skip-gates needs --reason" in no_reason.stderr
    forced = repo.run("deploy", "--skip-gates", "--reason", "hotfix, gates fixed after")
    assert forced.returncode == 0, forced.stdout
    latest = repo.history()[0]
    assert latest["reason"] == "hotfix, gates fixed after" and latest["gates"] == []


def test_a_dirty_tree_blocks_the_deploy(service_repo: ServiceRepo) -> None:
    (service_repo.path / "app.py").write_text("VERSION = 'x'\n", encoding="utf-8")
    proc = service_repo.run("deploy")
    assert proc.returncode == 1
    assert "uncommitted changes: app.py; commit or stash them, a deploy ships commits" in proc.stdout


def test_deploying_an_older_commit_is_recorded_as_a_rollback_and_drift_is_noticed(
    service_repo: ServiceRepo,
) -> None:
    repo = service_repo
    first = git(repo.path, "rev-parse", "HEAD").strip()
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0")
    assert repo.run("deploy").returncode == 0
    old = repo.run("deploy", "--rev", "v1.0.0")
    assert old.returncode == 0, old.stdout
    assert f"note: rollback by deploy: {first[:12]} is an ancestor of the deployed" in old.stdout
    # someone deploys 2.0.0 by hand, outside the tool
    subprocess_env = repo.env()
    import subprocess

    subprocess.run(["python3", "deploy.py", str(repo.port), "v2.0.0"], cwd=repo.path, env=subprocess_env,
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    _wait_serving(repo, "2.0.0")
    again = repo.run("deploy", "--rev", "v2.0.0")
    assert "note: drift: 2.0.0 is running but the last recorded deploy is v1.0.0" in again.stdout
    assert any("drift" in n for n in repo.history()[0]["notes"])


def _wait_serving(repo: ServiceRepo, version: str) -> None:
    deadline = time.monotonic() + 10
    while repo.serving() != version and time.monotonic() < deadline:
        time.sleep(0.05)


def test_history_json_and_several_services_need_a_name(tmp_path: Path) -> None:
    repo = make_service_repo(tmp_path / "svc")
    try:
        text = (repo.path / ".ava-safety.yaml").read_text(encoding="utf-8")
        other = text.replace("  web:\n", "  api:\n", 1).split("services:\n", 1)[1]
        (repo.path / ".ava-safety.yaml").write_text(text + other, encoding="utf-8")
        repo.release("1.1.0")
        proc = repo.run("deploy")
        assert proc.returncode == 2
        assert "several services are declared (web, api): name the one to act on" in proc.stderr
        assert repo.run("deploy", "web").returncode == 0
        data = json.loads(repo.run("history", "--format", "json").stdout)
        assert [e["service"] for e in data["events"]] == ["web"]
        unknown = repo.run("deploy", "nope")
        assert (
            unknown.returncode == 2
            and "no service 'nope' in .ava-safety.yaml (declared: web, api)" in unknown.stderr
        )
    finally:
        repo.stop_service()


def test_the_protocol_on_a_postgresql_history(tmp_path: Path, postgres: PostgresServer) -> None:
    db = postgres.create_database()
    repo = make_service_repo(tmp_path / "svc")
    try:
        config = repo.path / ".ava-safety.yaml"
        url = postgres.url(db)
        config.write_text(f"history: {url}\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
        repo.release("1.0.1")
        secret = {"PGPASSWORD": postgres.password}
        assert repo.run("deploy", **secret).returncode == 0
        repo.release("2.0.0", status=503)
        broken = repo.run("deploy", **secret)
        assert broken.returncode == 1 and "automatic rollback #3 to v1.0.1: succeeded" in broken.stdout
        assert repo.serving() == "1.0.1"
        rows = postgres.sql("SELECT id, kind, status, version FROM ava_safety_events ORDER BY id", db=db)
        assert rows.split() == ["1|deploy|succeeded|v1.0.1", "2|deploy|rolled_back|v2.0.0",
                                "3|rollback|succeeded|v1.0.1"]  # fmt: skip
        no_password = repo.run("history")
        assert no_password.returncode == 2
        assert no_password.stderr.startswith(f"history: cannot open the history store {url}:")
    finally:
        repo.stop_service()


def test_a_provider_that_cannot_act_ends_the_event_failed_with_exit_2(tmp_path: Path) -> None:
    repo = make_service_repo(tmp_path / "svc", gates="[]")
    config = repo.path / ".ava-safety.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text("\n".join(line for line in text.splitlines() if "deploy:" not in line) + "\n", "utf-8")
    repo.release("1.0.1")
    proc = repo.run("deploy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip() == (
        "deploy: service web: the command provider needs 'deploy: [program, args...]' in .ava-safety.yaml"
    )
    (event,) = repo.history()
    assert (event["status"], event["phase"]) == ("failed", "prepare")
    assert event["error"].startswith("service web: the command provider needs")
