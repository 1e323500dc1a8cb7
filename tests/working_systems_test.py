"""working-systems and `ava-safety routes` on real git repositories: route extraction across
FastAPI, Starlette and Flask, which routes a system locks, and changes that cannot alter what a
system runs (a version stamp, comments) not asking for an acknowledgement."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from .conftest import GIT_ENV, git, make_repo


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "AVA_SAFETY"))}
    return subprocess.run(
        [sys.executable, *args], cwd=repo, env={**clean, **GIT_ENV}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def _routes(repo: Path) -> list[str]:
    proc = _run(repo, "-m", "hooks._cli", "routes", "--all")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(" ".join(line.split("\t")[:2]) for line in proc.stdout.splitlines())


def test_fastapi_prefixes_join_across_routers_and_include_router(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {
            "app/__init__.py": "",
            "app/main.py": (
                "from fastapi import FastAPI\n\nfrom app.weather import router as weather\n\n"
                "app = FastAPI()\napp.include_router(weather, prefix='/api')\n\n\n"
                "@app.get('/health')\ndef health():\n    return {}\n\n\n"
                "def ping():\n    return 'pong'\n\n\napp.add_api_route('/ping', ping, methods=['HEAD'])\n"
            ),
            "app/weather.py": (
                "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/weather')\n\n\n"
                "@router.get('/today')\ndef today():\n    return 21\n\n\n"
                "@router.api_route('/alerts/{region}', methods=['GET', 'POST'])\ndef alerts(region):\n"
                "    return []\n"
            ),
        },
    )
    assert _routes(repo) == [
        "GET /api/weather/alerts/{region}", "GET /api/weather/today", "GET /health", "HEAD /ping",
        "POST /api/weather/alerts/{region}",
    ]  # fmt: skip


def test_flask_blueprints_and_starlette_mounts(tmp_path: Path) -> None:
    # Flask: a url_prefix given to register_blueprint replaces the blueprint's own
    repo = make_repo(
        tmp_path / "svc",
        {
            "web.py": (
                "from flask import Blueprint, Flask\n\n"
                "bp = Blueprint('farm', __name__, url_prefix='/farm')\n\n\n"
                "@bp.route('/fields/<int:field_id>', methods=['GET', 'DELETE'])\ndef field(field_id):\n"
                "    return ''\n\n\napp = Flask(__name__)\napp.register_blueprint(bp, url_prefix='/v2')\n\n\n"
                "@app.route('/')\ndef index():\n    return ''\n"
            ),
            "asgi.py": (
                "from starlette.applications import Starlette\n"
                "from starlette.routing import Mount, Route\n\n\n"
                "def users(request):\n    return None\n\n\n"
                "api = [Route('/users', users, methods=['GET'])]\n"
                "app = Starlette(routes=[Mount('/api', routes=api)])\n"
            ),
        },
    )
    assert _routes(repo) == [
        "DELETE /v2/fields/<int:field_id>", "GET /", "GET /api/users", "GET /v2/fields/<int:field_id>",
    ]  # fmt: skip


CONFIG = """\
working_systems:
  - name: weather
    entry: [app/weather.py]
    routes: true
"""
AUTH = (
    "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/auth')\n\n\n"
    "def current_farmer():\n    return 'farmer'\n\n\n"
    "@router.post('/register')\ndef register():\n    return {}\n"
)
WEATHER = (
    '"""Weather for the farmer."""\n\nfrom fastapi import APIRouter\n\nfrom app.auth import current_farmer\n'
    "from app.settings import VERSION\n\n"
    "router = APIRouter(prefix='/api/weather')\n\n\n@router.get('/today')\ndef today():\n"
    "    return {'farmer': current_farmer(), 'v': VERSION}\n"
)
MAIN = (
    "from fastapi import FastAPI\n\nfrom app import auth, weather\n\napp = FastAPI()\n"
    "app.include_router(auth.router)\napp.include_router(weather.router)\n"
)
SETTINGS = "# service settings\nVERSION = 'v1.0.0'\nDEPLOYMENT_TIMESTAMP = '20250809230000'\nTIMEOUT_S = 5\n"


def _service(tmp_path: Path) -> Path:
    repo = make_repo(
        tmp_path / "svc",
        {".ava-safety.yaml": CONFIG, "app/__init__.py": "", "app/auth.py": AUTH, "app/weather.py": WEATHER,
         "app/main.py": MAIN, "app/settings.py": SETTINGS},
    )  # fmt: skip
    proc = _run(repo, "-m", "hooks._cli", "routes", "--update")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "lock")
    git(repo, "tag", "base")
    return repo


def test_a_system_locks_the_routes_its_entries_serve_not_those_of_modules_it_imports(tmp_path: Path) -> None:
    repo = _service(tmp_path)
    lock = (repo / ".ava-safety.routes.lock").read_text("utf-8")
    assert "weather\tGET\t/api/weather/today\tapp/weather.py\ttoday" in lock
    assert "/auth/register" not in lock  # weather imports app.auth for a helper, not for its URLs


def _push(repo: Path, path: str, text: str) -> subprocess.CompletedProcess[str]:
    (repo / path).write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", f"change {path}")
    return _run(repo, "-m", "hooks.working_systems", "--from-ref", "base", "--no-smoke", "--no-results")


def test_a_version_stamp_or_a_comment_in_the_closure_is_no_touch(tmp_path: Path) -> None:
    repo = _service(tmp_path)
    bumped = SETTINGS.replace("v1.0.0", "v1.0.1").replace("20250809230000", "20250810090000")
    proc = _push(repo, "app/settings.py", "# service settings, bumped\n" + bumped.split("\n", 1)[1])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WS001" not in proc.stdout
    docstring = _push(repo, "app/weather.py", WEATHER.replace("Weather for the farmer.", "Today's weather."))
    assert docstring.returncode == 0, docstring.stdout + docstring.stderr


def test_a_behaviour_change_in_the_closure_is_a_touch_with_its_chain(tmp_path: Path) -> None:
    repo = _service(tmp_path)
    proc = _push(repo, "app/settings.py", SETTINGS.replace("TIMEOUT_S = 5", "TIMEOUT_S = 1"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (
        "app/settings.py:1:1: WS001 [error] app/settings.py is part of working system 'weather' "
        "(imported by app/weather.py)"
    ) in proc.stdout
    assert "Working-System-Ack: weather" in proc.stdout


def test_a_duplicate_method_and_path_is_an_error(tmp_path: Path) -> None:
    repo = _service(tmp_path)
    proc = _push(
        repo, "app/auth.py", AUTH + "\n\n@router.post('/register')\ndef register_again():\n    return {}\n"
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "WS003" in proc.stdout and "POST /auth/register" in proc.stdout


SMOKE_CONFIG = """\
working_systems:
  - name: weather
    entry: [app/weather.py]
    smoke:
      - ["{py}", -c, "print('weather smoke output'); raise SystemExit(3)"]
  - name: billing
    entry: [app/billing.py]
    smoke_timeout_s: 2
    smoke:
      - ["{py}", -c, "import time; open('billing-ran', 'w').close(); time.sleep(60)"]
"""


def test_smoke_commands_of_touched_systems_only_a_failure_and_a_timeout_block(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {".ava-safety.yaml": SMOKE_CONFIG.format(py=sys.executable), "app/__init__.py": "",
         "app/weather.py": "T = 21\n", "app/billing.py": "EUR = 1\n"},
    )  # fmt: skip
    git(repo, "tag", "base")
    (repo / "app" / "weather.py").write_text("T = 22\n", encoding="utf-8")
    git(repo, "commit", "-qam", "warmer\n\nWorking-System-Ack: weather — one constant")
    smoke = ("-m", "hooks.working_systems", "--from-ref", "base", "--smoke", "--no-results")
    proc = _run(repo, *smoke)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (
        "WS006" in proc.stdout and "smoke command of working system 'weather' failed (exit 3)" in proc.stdout
    )
    assert not (repo / "billing-ran").exists()  # billing is not touched: its smoke does not run
    logs = sorted((repo / ".git" / "ava-safety" / "logs").glob("working-systems-*.log"))
    assert logs and "weather smoke output" in logs[-1].read_text("utf-8")
    git(repo, "tag", "-f", "base")
    (repo / "app" / "billing.py").write_text("EUR = 2\n", encoding="utf-8")
    git(repo, "commit", "-qam", "prices\n\nWorking-System-Ack: billing — one constant")
    started = time.monotonic()
    proc = _run(repo, *smoke)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert time.monotonic() - started < 30
    assert "smoke command of working system 'billing' failed (timed out after 2s)" in proc.stdout
    assert (repo / "billing-ran").exists()


def test_a_commit_message_that_is_not_a_regular_file_is_refused_not_read(tmp_path: Path) -> None:
    from hooks._guards.change import ChangeError, decide_change

    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    fifo = tmp_path / "COMMIT_EDITMSG"
    os.mkfifo(fifo)  # reading a FIFO would wait forever for a writer
    try:
        decide_change(repo, message_file=fifo)
    except ChangeError as exc:
        assert "cannot read the commit message" in str(exc) and "FIFO" in str(exc)
    else:
        raise AssertionError("a FIFO was taken for a commit message")
    message = tmp_path / "MSG"
    message.write_text("Fix\n# a comment\n\nWorking-System-Ack: web — safe\n", encoding="utf-8")
    change = decide_change(repo, message_file=message)
    assert change.mode == "commit-msg" and "# a comment" not in (change.message or "")
