"""pre-deploy-check: one table of every gate; exit 1 when one blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hooks._config import ServiceConfig
from hooks._deploy.gates import check_aws_credentials

from ._deploy_support import ServiceRepo
from .conftest import git


def _table(stdout: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in stdout.splitlines()[1:]:
        parts = line.split(None, 3)
        if len(parts) >= 3 and parts[1] in ("ok", "warn", "BLOCK", "skip", "ERROR"):
            rows[parts[0]] = (parts[1], parts[3] if len(parts) > 3 else "")
    return rows


def test_ready_to_deploy_prints_one_table(service_repo: ServiceRepo) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    proc = repo.run("pre-deploy-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["gate", "verdict", "time", "figure"]
    rows = _table(proc.stdout)
    assert rows["syntax-imports"] == ("ok", "0 errors, 0 warnings")
    assert rows["git-state"] == ("ok", "clean, no upstream")
    assert rows["health"][0] == "ok" and rows["health"][1].endswith("version 1.0.0")
    assert proc.stdout.splitlines()[-1] == "pre-deploy-check: ready to deploy"


def test_an_unhealthy_service_and_a_dirty_tree_block(service_repo: ServiceRepo) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.stop_service()
    (repo.path / "notes.txt").write_text("wip\n", encoding="utf-8")
    proc = repo.run("pre-deploy-check")
    assert proc.returncode == 1, proc.stdout
    rows = _table(proc.stdout)
    assert rows["health"] == ("BLOCK", "unhealthy")
    assert rows["git-state"] == ("BLOCK", "1 changed")
    assert "  web: connection refused (nothing listens there)" in proc.stdout
    assert "  uncommitted changes: notes.txt; commit or stash them, a deploy ships commits" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "pre-deploy-check: BLOCKED by git-state, health"


def test_a_service_never_deployed_is_not_a_blocking_health_failure(service_repo: ServiceRepo) -> None:
    proc = service_repo.run("pre-deploy-check")
    assert proc.returncode == 0, proc.stdout
    assert _table(proc.stdout)["health"] == ("skip", "not answering (never deployed)")


def test_behind_its_upstream_blocks(service_repo: ServiceRepo, tmp_path: Path) -> None:
    repo = service_repo
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(repo.path, "remote", "add", "origin", str(remote))
    git(repo.path, "push", "-q", "-u", "origin", "main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "x.txt").write_text("x\n", encoding="utf-8")
    git(other, "add", "x.txt")
    git(other, "commit", "-qm", "elsewhere")
    git(other, "push", "-q")
    git(repo.path, "fetch", "-q")
    proc = repo.run("pre-deploy-check")
    assert proc.returncode == 1
    assert "  the branch is 1 commit(s) behind origin/main: pull first" in proc.stdout


def test_without_services_it_runs_the_file_gates_and_git_state(tmp_path: Path) -> None:
    from ._deploy_support import ServiceRepo as Repo
    from .conftest import make_repo

    repo = Repo(make_repo(tmp_path / "plain", {"a.py": "import os\n"}), 0)
    proc = repo.run("pre-deploy-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(_table(proc.stdout)) == {
        "syntax-imports", "env-vars", "deploy-config", "constitutional-compliance", "design-rules",
        "git-state", "rollback-risk",
    }  # fmt: skip


def test_aws_credentials_missing_block_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("boto3")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata call off this machine
    result = check_aws_credentials(ServiceConfig(name="api", region="eu-central-1"))
    assert (result.verdict, result.figure) == ("block", "no credentials")
    assert result.detail == ("no AWS credentials found (environment, ~/.aws, SSO): log in first",)


def test_aws_credentials_pass_with_the_account(monkeypatch: pytest.MonkeyPatch) -> None:
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        result = check_aws_credentials(ServiceConfig(name="api", region="eu-central-1"))
    assert (result.verdict, result.figure) == ("pass", "account 123456789012")


def test_live_env_blocks_a_missing_variable_and_warns_about_console_only_ones(tmp_path: Path) -> None:
    from hooks._config import load_config
    from hooks._deploy.gates import check_live_env

    from .conftest import make_repo

    apprunner = (
        "version: 1.0\nruntime: python311\nrun:\n  command: python app.py\n  env:\n"
        "    - name: WEATHER_URL\n      value: https://w.example\n"
    )
    app = 'import os\n\nURL = os.environ["WEATHER_URL"]\nKEY = os.environ["FARM_KEY"]\n'
    repo = make_repo(tmp_path / "r", {"apprunner.yaml": apprunner, "app.py": app})
    config = load_config(repo)
    blocked = check_live_env(repo, config, lambda: frozenset({"WEATHER_URL"}))
    assert (blocked.verdict, blocked.figure) == ("block", "1 missing of 2")
    assert blocked.detail == (
        "FARM_KEY is required by app.py:4 but the live service's configuration does not set it",
    )
    warned = check_live_env(repo, config, lambda: frozenset({"WEATHER_URL", "FARM_KEY", "SENTRY_DSN"}))
    assert (warned.verdict, warned.figure) == ("warn", "2 set only live")
    assert warned.detail[0].startswith("FARM_KEY is set on the live service but in no deployment file")
    assert check_live_env(repo, config, lambda: None).verdict == "skip"


def test_the_push_guards_gate_a_deploy_on_what_it_ships(tmp_path: Path, postgres: Any) -> None:
    from ._deploy_support import make_service_repo

    extra = (
        "working_systems:\n  - name: web\n    entry: [app.py]\n"
        "rollback_risk:\n  windows: []\n"
        "database:\n  url_env: FARM_DB_URL\n  connect_timeout_s: 3\n"
    )
    gates = "[git-state, working-systems, rollback-risk, db-connection]"
    repo = make_service_repo(tmp_path / "svc", gates=gates, extra=extra)
    db_url = postgres.url(postgres.create_database())
    with postgres.env():
        assert repo.run("deploy", FARM_DB_URL=db_url).returncode == 0
        repo.release("1.1.0")  # a version stamp alone: no touch
        assert _table(repo.run("pre-deploy-check", FARM_DB_URL=db_url).stdout)["working-systems"][0] == "ok"
        app = (repo.path / "app.py").read_text(encoding="utf-8")
        (repo.path / "app.py").write_text(
            app + "\n\ndef greeting() -> str:\n    return 'hi'\n", encoding="utf-8"
        )
        git(repo.path, "commit", "-qam", "greeting")
        proc = repo.run("pre-deploy-check", FARM_DB_URL=db_url)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        rows = _table(proc.stdout)
        assert rows["working-systems"] == ("BLOCK", "1 of 1 systems touched, 0 acknowledged")
        assert rows["rollback-risk"][0] == "ok" and rows["rollback-risk"][1].startswith("risk LOW")
        assert rows["db-connection"][0] == "ok" and rows["db-connection"][1].startswith("1/1 reachable")
        assert "WS001 app.py is part of working system 'web' (its entry)" in proc.stdout
        assert repo.run("deploy", FARM_DB_URL=db_url).returncode == 1  # the gate refuses the deploy
        git(
            repo.path,
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "ack\n\nWorking-System-Ack: web — a greeting only",
        )
        git(repo.path, "tag", "-f", "v1.1.0")  # the version the service reports
        deployed = repo.run("deploy", FARM_DB_URL=db_url)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    last = repo.history()[0]
    assert last["status"] == "succeeded" and last["risk_level"] == "low"
    assert {g["gate"] for g in last["gates"]} >= {"working-systems", "rollback-risk", "db-connection"}
