"""rollback-risk on real git repositories: each factor with its evidence, the levels, the injected
clock's time windows, a push soon after a rollback read from a real deploy history, the recorded
result shape the dashboard reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from hooks._config import load_config
from hooks._dashboard.model import risk_view
from hooks._guards.change import decide_change
from hooks._guards.ddl import is_migration
from hooks._guards.risk import Assessment, areas, assess

from .conftest import GIT_ENV, git, make_repo

WEDNESDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
BASE = {
    "app/__init__.py": "",
    "app/main.py": "import os\n\nNAME = os.environ.get('NAME', 'farm')\n",
    "requirements.txt": "fastapi==0.110.0\nrequests==2.31.0\n",
    "migrations/001_init.sql": "CREATE TABLE farmers (id serial PRIMARY KEY, phone text);\n",
    "docs/guide.md": "# Guide\n",
    "README.md": "# Service\n",
}


def _change(
    repo: Path, files: dict[str, str | None], config: str = "rollback_risk:\n  windows: []\n"
) -> Assessment:
    (repo / ".ava-safety.yaml").write_text(config, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    git(repo, "tag", "-f", "base")
    for name, text in files.items():
        target = repo / name
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the push")
    change = decide_change(repo, from_ref="base", to_ref="HEAD", env={})
    return assess(change, load_config(repo), now=WEDNESDAY_NOON)


def _factors(assessment: Assessment) -> dict[str, tuple[str, ...]]:
    return {f.name: f.evidence for f in assessment.factors}


def test_a_docs_only_push_is_low(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", BASE)
    result = _change(repo, {"docs/guide.md": "# Guide\n\nMore.\n" * 50, "README.md": "# Service\n\nHow.\n"})
    assert (result.level, result.score, result.docs_only) == ("low", 0, True)


def test_destructive_ddl_weighs_above_additive(tmp_path: Path) -> None:
    additive = _change(
        make_repo(tmp_path / "a", BASE),
        {"migrations/002_add.sql": "ALTER TABLE farmers ADD COLUMN email text;\n"},
    )
    destructive = _change(
        make_repo(tmp_path / "d", BASE),
        {"migrations/002_drop.sql": "ALTER TABLE farmers DROP COLUMN phone;\n"},
    )
    assert "additive-ddl" in _factors(additive) and "destructive-ddl" not in _factors(additive)
    assert _factors(destructive)["destructive-ddl"] == (
        "migrations/002_drop.sql:1 ALTER TABLE farmers DROP COLUMN phone",
    )
    assert destructive.score > additive.score


def test_a_major_bump_is_read_with_packaging_and_a_minor_one_is_not(tmp_path: Path) -> None:
    result = _change(
        make_repo(tmp_path / "svc", BASE),
        {"requirements.txt": "fastapi==0.115.0\nrequests==3.0.0\nhttpx>=0.27\n"},
    )
    found = _factors(result)
    assert found["dependency-major"] == (
        "fastapi 0.110.0 -> 0.115.0 (requirements.txt:1)",
        "requests 2.31.0 -> 3.0.0 (requirements.txt:2)",
    )  # 0.x: the minor is the major
    assert any(e.startswith("httpx") for e in found["dependency-added"])
    patch = _change(
        make_repo(tmp_path / "p", BASE), {"requirements.txt": "fastapi==0.110.1\nrequests==2.32.0\n"}
    )
    assert "dependency-major" not in _factors(patch)


def test_a_newly_required_variable_is_evidence_and_an_optional_one_is_not(tmp_path: Path) -> None:
    result = _change(
        make_repo(tmp_path / "svc", BASE),
        {"app/main.py": "import os\n\nNAME = os.environ['NAME']\nDEBUG = os.getenv('DEBUG', '0')\n"},
    )
    assert _factors(result)["env-required"] == ("NAME (app/main.py:3)",)


def test_the_destructive_migration_the_major_bump_and_the_deletion_are_high(tmp_path: Path) -> None:
    result = _change(
        make_repo(tmp_path / "svc", BASE),
        {
            "migrations/002_drop.sql": "DROP TABLE farmers;\n",
            "requirements.txt": "fastapi==0.110.0\nrequests==3.0.0\n",
            "app/main.py": None,
        },
    )
    assert result.level in ("high", "critical") and result.blocks
    assert {"destructive-ddl", "dependency-major", "files-deleted", "migrations"} <= set(_factors(result))


def test_areas_fold_a_directory_into_its_parent_area() -> None:
    paths = [".github/labeler.yml", ".github/workflows/ci.yml", "frontend/src/a.ts", "frontend/b.json",
             "backend/app/x.py", "backend/app/y.py", "setup.py"]  # fmt: skip
    assert areas(paths) == ["(top level)", ".github", "backend/app", "frontend"]


def test_alembic_env_is_not_a_migration_but_its_versions_are() -> None:
    assert not is_migration("backend/app/alembic/env.py")
    assert is_migration("backend/app/alembic/versions/1a2b_add_farmers.py")
    assert is_migration("bakerydemo/base/migrations/0002_auto.py")
    assert not is_migration("app/models.py")


def _hook(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "AVA_SAFETY"))}
    return subprocess.run(
        [sys.executable, "-m", "hooks.rollback_risk", *args], cwd=repo,
        env={**clean, **GIT_ENV, **(env or {})}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-04T15:30:00+01:00", "Friday afternoon: Fri 15:30 (Europe/Zagreb)"),
        ("2026-12-02T23:10:00+01:00", "late at night: Wed 23:10 (Europe/Zagreb)"),
        ("2026-12-02T10:00:00+01:00", None),
    ],
)
def test_time_windows_in_the_team_time_zone_from_the_injected_clock(
    tmp_path: Path, now: str, expected: str | None
) -> None:
    repo = make_repo(
        tmp_path / "svc", {**BASE, ".ava-safety.yaml": "rollback_risk:\n  timezone: Europe/Zagreb\n"}
    )
    git(repo, "tag", "base")
    (repo / "app" / "main.py").write_text("import os\n\nNAME = 'farm'\n", encoding="utf-8")
    git(repo, "commit", "-qam", "small")
    proc = _hook(repo, "--from-ref", "base", "--format", "json", env={"AVA_SAFETY_NOW": now})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    risk = json.loads(proc.stdout)["risk"]
    factors = {f["name"]: f["evidence"] for f in risk["factors"]}
    assert factors.get("time-window") == ([expected] if expected else None)


def test_a_push_soon_after_a_rollback_counts_from_the_deploy_history(tmp_path: Path) -> None:
    from hooks._deploy.history import Event, open_history

    repo = make_repo(tmp_path / "svc", {**BASE, ".ava-safety.yaml": "rollback_risk:\n  windows: []\n"})
    git(repo, "tag", "base")
    (repo / "app" / "main.py").write_text("import os\n\nNAME = 'farm'\n", encoding="utf-8")
    git(repo, "commit", "-qam", "small")
    store = open_history(repo)
    try:
        store.record(Event("api", "rollback", "succeeded", "v1.4.1", "", started_at="2026-12-02T09:00:00Z",
                           finished_at="2026-12-02T09:05:00Z"))  # fmt: skip
        store.record(Event("api", "rollback", "succeeded", "v1.3.0", "", started_at="2026-11-20T09:00:00Z",
                           finished_at="2026-11-20T09:05:00Z"))  # fmt: skip
    finally:
        store.close()
    proc = _hook(repo, "--from-ref", "base", env={"AVA_SAFETY_NOW": "2026-12-02T12:05:00Z"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "after-rollback" in proc.stdout and "rollback of api to v1.4.1 3.0 h ago" in proc.stdout
    data = json.loads((repo / ".git" / "ava-safety" / "results" / "rollback-risk.json").read_text("utf-8"))
    assert set(data["risk"]) >= {"level", "score", "reasons"}
    assert data["risk"]["level"] == "medium" and any(
        r.startswith("after-rollback") for r in data["risk"]["reasons"]
    )
    view = risk_view(data)  # what the dashboard shows
    assert view is not None and (view["level"], view["blocked"]) == ("medium", False)
    assert view["score"] == data["risk"]["score"] and view["reasons"] == data["risk"]["reasons"]
    later = _hook(repo, "--from-ref", "base", "--no-results", env={"AVA_SAFETY_NOW": "2026-12-05T12:05:00Z"})
    assert "after-rollback" not in later.stdout


def test_the_trailer_acknowledges_a_high_risk_push(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", {**BASE, ".ava-safety.yaml": "rollback_risk:\n  windows: []\n"})
    git(repo, "tag", "base")
    (repo / "migrations" / "002_drop.sql").write_text("DROP TABLE farmers;\n", encoding="utf-8")
    (repo / "requirements.txt").write_text("fastapi==1.0.0\nrequests==3.0.0\n", encoding="utf-8")
    (repo / "app" / "main.py").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "drop farmers")
    blocked = _hook(repo, "--from-ref", "base", "--no-results")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "RR001" in blocked.stdout and "Rollback-Risk-Ack:" in blocked.stdout
    git(
        repo,
        "commit",
        "-q",
        "--amend",
        "-m",
        "drop farmers\n\nRollback-Risk-Ack: the table is empty in production",
    )
    passed = _hook(repo, "--from-ref", "base", "--no-results")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_workflow_counts_as_deployment_config_only_when_it_deploys(tmp_path: Path) -> None:
    tests = "name: tests\non: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
    tests += "      - run: pytest -q\n"
    image = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/farm:${{ github.sha }}"
    pushes = (
        "name: ship\non: {push: {branches: [main]}}\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: docker build -t {image} .\n      - run: docker push {image}\n"
    )
    result = _change(
        make_repo(tmp_path / "svc", BASE),
        {".github/workflows/tests.yml": tests, ".github/workflows/ship.yml": pushes,
         ".github/workflows/deploy-staging.yml": tests.replace("pytest -q", "./scripts/deploy.sh staging"),
         "Dockerfile": "FROM python:3.12-slim\n"},
    )  # fmt: skip
    assert _factors(result)["deployment-config"] == (
        ".github/workflows/deploy-staging.yml (added)",
        ".github/workflows/ship.yml (added)",
        "Dockerfile (added)",
    )  # fmt: skip
