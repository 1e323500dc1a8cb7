"""The push guards through the real `pre-commit`, installed as git's pre-commit, commit-msg and pre-push
hooks, with real commits pushed by a real `git push` to a local bare remote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import GIT_ENV

PY = sys.executable
CONFIG = f"""\
working_systems:
  - name: registration
    entry: [app/registration.py]
    routes: true
    smoke: [["{PY}", -c, "import app.db; print('registration smoke ok')"]]
  - name: weather
    entry: [app/weather.py]
    routes: true
rollback_risk:
  windows: []
"""
FILES = {
    ".ava-safety.yaml": CONFIG,
    "app/__init__.py": "",
    "app/db.py": "DSN = 'postgresql://farm@db/farm'\n",
    "app/main.py": (
        "from fastapi import FastAPI\n\nfrom app import registration, weather\n\napp = FastAPI()\n"
        "app.include_router(registration.router)\napp.include_router(weather.router)\n"
    ),
    "app/registration.py": (
        "from fastapi import APIRouter\n\nfrom app import db\n\nrouter = APIRouter(prefix='/api')\n\n\n"
        "@router.post('/register')\ndef register() -> dict:\n    return {'dsn': db.DSN}\n"
    ),
    "app/weather.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/api/weather')\n\n\n"
        "@router.get('/today')\ndef today() -> dict:\n    return {'t': 21}\n"
    ),
    "app/legacy.py": "OLD = True\n",
    "requirements.txt": "fastapi==0.110.0\n",
    "migrations/001_init.sql": "CREATE TABLE farmers (id serial PRIMARY KEY, phone text);\n",
    "docs/guide.md": "# Guide\n",
    ".ava-safety.routes.lock": (
        "# system\tmethod\tpath\tfile\tfunction\n"
        "registration\tPOST\t/api/register\tapp/registration.py\tregister\n"
        "weather\tGET\t/api/weather/today\tapp/weather.py\ttoday\n"
    ),
}


@dataclass
class Project:
    work: Path
    remote: Path
    env: dict[str, str]

    def run(
        self, *args: str, check: bool = False, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.work,
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=900,
            check=check,
        )

    def git(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, extra=extra)

    def write(self, name: str, text: str | None) -> None:
        target = self.work / name
        if text is None:
            target.unlink()
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(
        self, message: str, *, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        self.git("add", "-A")
        return self.git("commit", "-q", "-m", message, extra=extra)

    def push(self) -> subprocess.CompletedProcess[str]:
        return self.git("push", "origin", "HEAD:main")

    def remote_head(self) -> str:
        return self.git("rev-parse", "origin/main").stdout.strip()

    def reset(self) -> None:
        self.git("fetch", "-q", "origin")
        self.git("reset", "-q", "--hard", "origin/main")

    def result(self, hook: str) -> dict[str, object]:
        data = json.loads((self.work / ".git" / "ava-safety" / "results" / f"{hook}.json").read_text("utf-8"))
        assert isinstance(data, dict)
        return data


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> Iterator[Project]:
    base = tmp_path_factory.mktemp("guards")
    env = {
        **os.environ,
        **GIT_ENV,
        "HOME": str(base),
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "NO_COLOR": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    for name in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "AVA_SAFETY_ACK", "AVA_SAFETY_NOW", "GIT_DIR"):
        env.pop(name, None)
    remote, work = base / "remote.git", base / "work"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True, env=env)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, env=env)
    project = Project(work, remote, env)
    path, rev = hook_repo
    files = dict(FILES)
    files[".pre-commit-config.yaml"] = (
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n"
        "      - id: working-systems\n      - id: rollback-risk\n"
    )
    for name, text in files.items():
        project.write(name, text)
    assert project.commit("the service as it works today").returncode == 0
    project.git("remote", "add", "origin", str(remote))
    assert project.git("push", "-q", "origin", "main").returncode == 0  # before the hooks are installed
    installed = project.run(
        PY,
        "-m",
        "pre_commit",
        "install",
        "--hook-type",
        "pre-commit",
        "--hook-type",
        "commit-msg",
        "--hook-type",
        "pre-push",
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    warm = project.run(PY, "-m", "pre_commit", "install-hooks")
    assert warm.returncode == 0, warm.stdout + warm.stderr
    yield project


def _out(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def test_an_unacknowledged_touch_is_refused_and_names_the_system(project: Project) -> None:
    project.reset()
    before = project.remote_head()
    project.write("app/db.py", "DSN = 'postgresql://farm@db-2/farm'\n")
    # the commit being made: the pre-commit stage defers to the commit-msg stage, which refuses it
    refused = project.commit("Point the service at the new database host")
    assert refused.returncode != 0
    assert "working system 'registration'" in _out(refused)
    assert "add this line to the commit message: Working-System-Ack: registration" in _out(refused)
    # committed past the hooks, the push is refused, naming the system, the file and the chain
    project.git("add", "-A")
    project.git("commit", "-q", "--no-verify", "-m", "Point the service at the new database host")
    pushed = project.push()
    assert pushed.returncode != 0
    text = _out(pushed)
    assert (
        "app/db.py:1:1: WS001 [error] app/db.py is part of working system 'registration' "
        "(imported by app/registration.py)" in text
    )
    assert 'git commit --amend --no-edit --trailer "Working-System-Ack: registration' in text
    assert "smoke commands not run: the push is refused above" in text
    assert project.remote_head() == before


def test_ava_safety_ack_for_the_commit_being_made_becomes_its_trailer(project: Project) -> None:
    project.reset()
    project.write("app/db.py", "DSN = 'postgresql://farm@db-2/farm'\n")
    made = project.commit(
        "Point the service at the new database host",
        extra={"AVA_SAFETY_ACK": "registration — the new host serves the same schema"},
    )
    assert made.returncode == 0, _out(made)
    message = project.git("log", "-1", "--format=%B").stdout
    assert "Working-System-Ack: registration — the new host serves the same schema" in message
    pushed = project.push()
    assert pushed.returncode == 0, _out(pushed)


def test_the_trailer_lets_it_through_and_runs_only_the_touched_smoke(project: Project) -> None:
    project.reset()
    project.write("app/db.py", "DSN = 'postgresql://farm@db-4/farm'\n")
    project.git("add", "-A")
    made = project.git(
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "Point the service at db-4",
        "-m",
        "Working-System-Ack: registration — db-4 is a replica promoted last night",
    )
    assert made.returncode == 0, _out(made)
    pushed = project.push()
    assert pushed.returncode == 0, _out(pushed)
    assert project.remote_head() == project.git("rev-parse", "HEAD").stdout.strip()
    result = project.result("working-systems")
    assert result["exit_code"] == 0
    systems = {s["name"]: s for s in result["systems"]}  # type: ignore[attr-defined,index]
    assert systems["registration"]["touched"] and systems["registration"]["acknowledged"]
    assert not systems["weather"]["touched"]
    smoke = result["smoke"]
    assert [s["system"] for s in smoke] == ["registration"] and smoke[0]["ok"]  # type: ignore[index]
    logs = sorted((project.work / ".git" / "ava-safety" / "logs").glob("working-systems-*.log"))
    assert logs and "registration smoke ok" in logs[-1].read_text("utf-8")
    assert project.git("status", "--porcelain").stdout == ""  # nothing a hook wrote is tracked


def test_a_route_rename_is_refused_and_names_the_route(project: Project) -> None:
    project.reset()
    before = project.remote_head()
    project.write("app/weather.py", FILES["app/weather.py"].replace("'/today'", "'/now'"))
    project.git("add", "-A")
    project.git(
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "Nicer URL",
        "-m",
        "Working-System-Ack: weather — the handler did not change",
    )
    pushed = project.push()
    assert pushed.returncode != 0
    text = _out(pushed)
    assert (
        "GET /api/weather/today of working system 'weather' is gone: renamed to GET /api/weather/now" in text
    )
    assert project.remote_head() == before
    # the code change itself is acknowledged; the URL is not: acknowledge the route too
    project.git(
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "-m",
        "Retire the old URL",
        "-m",
        "Working-System-Ack: GET /api/weather/today — the app moved to /now in release 12",
    )
    assert project.push().returncode == 0


def test_a_destructive_migration_a_major_bump_and_a_deleted_file_is_refused_as_high(project: Project) -> None:
    project.reset()
    before = project.remote_head()
    project.write("migrations/002_drop_phone.sql", "ALTER TABLE farmers DROP COLUMN phone;\n")
    project.write("requirements.txt", "fastapi==1.0.0\n")
    project.write("app/legacy.py", None)
    project.commit("Drop the phone column, FastAPI 1.0, remove legacy")
    pushed = project.push()
    assert pushed.returncode != 0
    text = _out(pushed)
    risk = project.result("rollback-risk")["risk"]
    assert risk["level"] in ("high", "critical"), text  # type: ignore[index]
    factors = {f["name"]: f for f in risk["factors"]}  # type: ignore[index]
    assert {"destructive-ddl", "migrations", "dependency-major", "files-deleted"} <= set(factors)
    assert (
        "migrations/002_drop_phone.sql:1 ALTER TABLE farmers DROP COLUMN phone"
        in factors["destructive-ddl"]["evidence"]
    )
    assert "fastapi 0.110.0 -> 1.0.0 (requirements.txt:1)" in factors["dependency-major"]["evidence"]
    assert "RR001" in text and "destructive-ddl" in text
    assert project.remote_head() == before
    # thought through: the acknowledgement lets it go, and the level is still recorded
    project.git(
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "-m",
        "Acknowledge",
        "-m",
        "Rollback-Risk-Ack: the phone column is unused since v3; FastAPI 1.0 tested on staging",
    )
    pushed = project.push()
    assert pushed.returncode == 0, _out(pushed)
    assert project.result("rollback-risk")["risk"]["acknowledged"]  # type: ignore[index]


def test_a_docs_only_push_goes_through_as_low(project: Project) -> None:
    project.reset()
    project.write("docs/guide.md", "# Guide\n\nHow farmers register.\n")
    assert project.commit("Document registration").returncode == 0
    pushed = project.push()
    assert pushed.returncode == 0, _out(pushed)
    assert "rollback risk: LOW (0/100)" in _out(pushed)  # verbose: the table is shown on success too
    risk = project.result("rollback-risk")["risk"]
    assert risk["level"] == "low" and risk["docs_only"]  # type: ignore[index]


def test_a_new_branch_is_judged_against_its_merge_base(project: Project) -> None:
    project.reset()
    project.git("checkout", "-q", "-B", "feature/weather-v2")
    project.write("app/weather.py", FILES["app/weather.py"].replace("return {'t': 21}", "return {'t': 22}"))
    project.git("add", "-A")
    project.git("commit", "-q", "--no-verify", "-m", "Warmer")
    pushed = project.git("push", "origin", "feature/weather-v2")
    text = _out(pushed)
    assert pushed.returncode != 0, text
    assert (
        "app/weather.py:1:1: WS001 [error] app/weather.py is part of working system 'weather' (its entry)"
        in text
    )
    assert "'registration'" not in text  # weather's entry imports nothing of registration
    assert project.git("ls-remote", "origin", "feature/weather-v2").stdout == ""
    project.git("checkout", "-q", "main")
