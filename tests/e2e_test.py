"""The real `pre-commit` running this repository's hooks in temp git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import GIT_ENV, ROOT, git, make_repo

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
CLEAN_PY = (
    "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
    "def add(a: int, b: int) -> int:\n    return a + b\n"
)


def _run(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [*PRE_COMMIT, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _config(repo: Path, hook_repo: tuple[Path, str], *hook_ids: str) -> None:
    path, rev = hook_repo
    hooks = "".join(f"      - id: {h}\n" for h in hook_ids)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hooks}", encoding="utf-8"
    )


def test_blocks_the_sample_service(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = tmp_path / "svc"
    shutil.copytree(ROOT / "examples" / "sample-service", repo)
    make_repo(repo, {})
    _config(repo, hook_repo, "constitutional-compliance")
    git(repo, "add", "-A")
    proc = _run(repo, pre_commit_home, "run", "--all-files", "--verbose")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "constitutional compliance" in proc.stdout
    assert "Failed" in proc.stdout
    assert "app/main.py:27:5: CC014 [error] bare except" in proc.stdout
    assert "; blocked by: " in proc.stdout


def test_passes_a_clean_repo_and_writes_nothing_tracked(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = make_repo(
        tmp_path / "clean", {"calc.py": CLEAN_PY, "tests/test_calc.py": "def test_x():\n    assert 1\n"}
    )
    _config(repo, hook_repo, "constitutional-compliance")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    proc = _run(repo, pre_commit_home, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / ".git" / "ava-safety" / "results" / "constitutional-compliance.json").is_file()


def test_git_commit_is_blocked_until_the_violation_is_fixed(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = make_repo(tmp_path / "commit", {"tests/test_ok.py": "def test_ok():\n    assert True\n"})
    _config(repo, hook_repo, "constitutional-compliance")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    env = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "NO_COLOR": "1",
        "HOME": str(repo),
    }
    subprocess.run([*PRE_COMMIT, "install"], cwd=repo, env=env, check=True, capture_output=True, timeout=120)
    key = "-----BEGIN RSA PRIVATE KEY-----"
    body = "MIIEowIBAAKCAQEA7bq3kRz5Jk1vYx0gQm2s9ZrT4hLp8Nc6WfUeXy3Ha1Dq0Vb2Kj"
    (repo / "keys.py").write_text(f'KEY = """{key}\n{body}\n"""\n', encoding="utf-8")
    git(repo, "add", "keys.py")
    blocked = subprocess.run(
        ["git", "commit", "-m", "add key"], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert blocked.returncode != 0, blocked.stdout
    assert "keys.py:1:" in blocked.stdout + blocked.stderr  # git shows hook output on stderr
    (repo / "keys.py").write_text(
        'import os\n\nKEY_PATH = os.environ.get("KEY_PATH", "")\n', encoding="utf-8"
    )
    git(repo, "add", "keys.py")
    ok = subprocess.run(
        ["git", "commit", "-m", "read the key path"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"calc.py": CLEAN_PY}, 0, id="clean"),
        pytest.param({"calc.py": "def f():\n    breakpoint()\n"}, 1, id="breakpoint"),
    ],
)
def test_try_repo_runs_the_working_tree(
    tmp_path: Path, pre_commit_home: Path, files: dict[str, str], expected: int
) -> None:
    repo = make_repo(tmp_path / "try", {**files, "tests/test_a.py": "def test_a():\n    assert 1\n"})
    proc = _run(repo, pre_commit_home, "try-repo", str(ROOT), "constitutional-compliance", "--all-files")
    assert proc.returncode == expected, proc.stdout + proc.stderr
