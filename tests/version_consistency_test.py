"""version-consistency on real git repositories: every source of the version, the tag, the config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import git, make_repo

FILES = {
    "pyproject.toml": '[project]\nname = "farm-api"\nversion = "1.4.0"\n',
    "app/settings.py": 'import os\n\nVERSION = "1.3.2"\nDEBUG = os.getenv("DEBUG", "")\n',
    "Dockerfile": 'FROM python:3.11-slim\nENV VERSION=1.4.0 PORT=8080\nCMD ["python", "-m", "app"]\n',
    "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n## [1.4.0] - 2026-11-30\n- Croatian advice.\n",
    "tests/settings.py": 'VERSION = "0.0.1"\n',  # test code is not a source
}


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hooks._cli", "version-consistency", "--no-results", *args], cwd=repo,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_every_disagreeing_source_is_named_with_the_other(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    git(repo, "tag", "v1.5.0")
    proc = _run(repo, "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if ": VC" in line]
    assert lines == [
        "Dockerfile:2:13: VC001 [error] Dockerfile ENV VERSION says 1.4.0 but app/settings.py VERSION says "
        "1.3.2 (app/settings.py:3)",
        "Dockerfile:2:13: VC003 [warning] Dockerfile ENV VERSION says 1.4.0, older than the latest tag "
        "v1.5.0",
        "app/settings.py:3:12: VC001 [error] app/settings.py VERSION says 1.3.2 but Dockerfile ENV VERSION "
        "says "
        "1.4.0 (Dockerfile:2)",
        "app/settings.py:3:12: VC003 [warning] app/settings.py VERSION says 1.3.2, older than the latest "
        "tag v1.5.0",
        "pyproject.toml:3:12: VC001 [error] pyproject.toml [project] version says 1.4.0 but app/settings.py "
        "VERSION "
        "says 1.3.2 (app/settings.py:3)",
        "pyproject.toml:3:12: VC003 [warning] pyproject.toml [project] version says 1.4.0, older than the "
        "latest tag "
        "v1.5.0",
    ]


def test_agreeing_sources_pass_and_the_changelog_is_compared(tmp_path: Path) -> None:
    files = {**FILES, "app/settings.py": 'VERSION = "1.4.0"\n'}
    files["CHANGELOG.md"] = "# Changelog\n\n## 1.3.2\n"
    repo = make_repo(tmp_path / "r", files)
    git(repo, "tag", "v1.3.2")
    proc = _run(repo, "--all-files")
    assert proc.returncode == 0, proc.stdout
    assert [line for line in proc.stdout.splitlines() if ": VC" in line] == [
        "CHANGELOG.md:3:4: VC002 [warning] CHANGELOG.md top entry is 1.3.2 but Dockerfile ENV VERSION says "
        "1.4.0 "
        "(Dockerfile:2)"
    ]


def test_configured_sources_are_the_only_ones(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {**FILES, ".ava-safety.yaml": "version_sources: [pyproject.toml, Dockerfile]\n"}
    )
    proc = _run(repo, "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ": VC" not in proc.stdout
