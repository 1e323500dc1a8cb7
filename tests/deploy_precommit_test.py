"""deploy and rollback through the real `pre-commit run --hook-stage manual`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ._deploy_support import ServiceRepo, make_service_repo
from .conftest import git


def _pre_commit(repo: ServiceRepo, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=repo.path,
        env=repo.env(PRE_COMMIT_HOME=str(home)), capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def test_deploy_and_rollback_as_manual_stage_hooks(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = make_service_repo(tmp_path / "svc")
    try:
        path, rev = hook_repo
        (repo.path / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n"
            "      - id: deploy\n      - id: rollback\n"
            "      - id: pre-deploy-check\n        stages: [manual]\n",
            encoding="utf-8",
        )
        repo.release("1.0.1")
        first = _pre_commit(repo, pre_commit_home, "run", "--hook-stage", "manual", "deploy")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "deploy #1 of web v1.0.1: succeeded" in first.stdout
        assert repo.serving() == "1.0.1"
        repo.release("2.0.0")
        assert _pre_commit(repo, pre_commit_home, "run", "--hook-stage", "manual", "deploy").returncode == 0
        assert repo.serving() == "2.0.0"
        back = _pre_commit(repo, pre_commit_home, "run", "--hook-stage", "manual", "rollback")
        assert back.returncode == 0, back.stdout + back.stderr
        assert "rollback #3 of web v1.0.1: succeeded" in back.stdout
        assert "Passed" in back.stdout
        assert repo.serving() == "1.0.1"
        check = _pre_commit(repo, pre_commit_home, "run", "--hook-stage", "manual", "pre-deploy-check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "pre-deploy-check: ready to deploy" in check.stdout
        assert git(repo.path, "status", "--porcelain") == ""  # nothing a hook wrote is tracked
    finally:
        repo.stop_service()
