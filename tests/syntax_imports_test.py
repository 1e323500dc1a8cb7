"""syntax-imports in real temp git repositories: exact output lines, exit codes, odd input."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from hooks import syntax_imports
from hooks._python import deps
from hooks._python import target as pytarget
from hooks._rules import bundled_packs, load_rules
from hooks._source import RunContext, SourceFile

from ._support import HookRun, Repo, hook_run

RunSI = Callable[..., HookRun]

FASTAPI_APP = """\
from fastapi import FastAPI, Form

from app.config import settings
from app.Helpers import slugify
from modules.billing import stripe_client
from modules.users.service import get_user

app = FastAPI(title=settings.name)


@app.post("/users")
def create(name: str = Form(...)) -> dict:
    return {"user": get_user(slugify(name)), "billing": stripe_client.ready()}
"""

TEAM_REPO: dict[str, str] = {
    "app/__init__.py": "",
    "app/main.py": FASTAPI_APP,
    "app/config.py": (
        "from typing import override\n\nfrom pydantic_settings import BaseSettings\n\n\n"
        "class Settings(BaseSettings):\n    name: str = 'svc'\n\n"
        "    @override\n    def __str__(self) -> str:\n"
        "        return self.name\n\n\nsettings = Settings()\n"
    ),
    "app/helpers.py": "def slugify(text: str) -> str:\n    return text.lower()\n",
    "modules/__init__.py": "",
    "modules/users/__init__.py": "",
    "modules/users/service.py": (
        "import psycopg2\nimport yaml\n\nfrom modules.users.repository import find\n\n\n"
        "def get_user(name: str) -> dict:\n    return find(psycopg2, yaml, name)\n"
    ),
    "modules/users/repository.py": "def find(*args: object) -> dict:\n    return {}\n",
    "modules/billing/__init__.py": "",
    "tests/test_main.py": (
        "import httpx\nimport pytest\nimport respx\n\n\ndef test_x():\n"
        "    assert httpx and pytest and respx\n"
    ),
    "requirements.txt": "fastapi==0.110.0\npydantic-settings\npsycopg2-binary\nPyYAML\n",
    "requirements-dev.txt": "-r requirements.txt\npytest\nhttpx\n",
    "apprunner.yaml": (
        "version: 1.0\nruntime: python311\nrun:\n  command: uvicorn app.main:app --host 0.0.0.0\n"
    ),
    "Dockerfile": (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        'COPY . .\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]\n'
    ),
}


@pytest.fixture(name="si")
def si_fixture(capsys: pytest.CaptureFixture[str]) -> RunSI:
    def run(*argv: str) -> HookRun:
        capsys.readouterr()
        code = syntax_imports.main(["--no-results", *argv])
        captured = capsys.readouterr()
        return hook_run(code, captured.out, captured.err)

    return run


def _commit_all(repo: Repo, files: Mapping[str, str]) -> None:
    repo.write(files)
    repo.add()
    repo.commit("service")


def _findings(run: HookRun) -> list[str]:
    return [line for line in run.out if ": SI" in line or ": AS" in line]


# --- a service laid out as teams lay them out ------------------------------------------------------


def test_blocks_a_fastapi_service_that_would_not_start(repo: Repo, si: RunSI) -> None:
    _commit_all(repo, TEAM_REPO)
    repo.write({"modules/billing/stripe_client.py": "def ready() -> bool:\n    return True\n"})  # never added
    run = si("--all-files")
    assert run.code == 1
    assert _findings(run) == [
        "app/config.py:1:20: SI013 [error] typing.override is not in the standard library of Python 3.11 "
        "(new in Python 3.12; import it from typing_extensions)",
        "app/main.py:1:30: SI014 [error] Form from fastapi needs python-multipart, which is not declared: "
        "FastAPI "
        "will not start routes that read forms or uploads without it",
        "app/main.py:4:1: SI010 [error] app.Helpers: the repository has app/helpers, not app/Helpers; "
        "letter case "
        "matters on Linux",
        "app/main.py:5:29: SI008 [error] modules.billing.stripe_client is modules/billing/stripe_client.py "
        "on this "
        "disk but not in git: the deployment will not have it (git add it)",
        "app/main.py:8:1: SI015 [error] the run command starts uvicorn (Dockerfile:6 CMD, apprunner.yaml:4 "
        "run.command) but uvicorn is not a declared production dependency",
        "tests/test_main.py:3:8: SI017 [warning] respx is imported by test or tooling code but respx is not "
        "declared, "
        "not even for development (requirements-dev.txt, requirements.txt)",
    ]


def test_passes_the_same_service_once_fixed(repo: Repo, si: RunSI) -> None:
    fixed = dict(TEAM_REPO)
    fixed["app/main.py"] = FASTAPI_APP.replace("app.Helpers", "app.helpers")
    fixed["app/config.py"] = TEAM_REPO["app/config.py"].replace("from typing", "from typing_extensions")
    fixed["requirements.txt"] += "typing-extensions\n"
    fixed["modules/billing/stripe_client.py"] = "def ready() -> bool:\n    return True\n"
    fixed["requirements.txt"] += "uvicorn[standard]\npython-multipart\n"
    fixed["requirements-dev.txt"] += "respx\n"
    _commit_all(repo, fixed)
    run = si("--all-files")
    assert (run.code, _findings(run)) == (0, [])


def test_src_layout_resolves_the_package_and_reports_a_missing_module(repo: Repo, si: RunSI) -> None:
    _commit_all(
        repo,
        {
            "pyproject.toml": (
                "[project]\nname = 'svc'\nrequires-python = '>=3.11'\ndependencies = ['httpx']\n"
            ),
            "src/svc/__init__.py": "",
            "src/svc/db.py": "def connect() -> None:\n    pass\n",
            "src/svc/api.py": "import httpx\n\nfrom svc.db import connect\nfrom svc.dbb import other\n\n"
            "print(httpx, connect, other)\n",
            "src/svc/ns/plugin.py": "from . import helper\nfrom .. import db\n\nprint(helper, db)\n",
            "src/svc/ns/helper.py": "X = 1\n",
        },
    )
    run = si("--all-files")
    assert _findings(run) == [
        "src/svc/api.py:4:1: SI009 [error] svc.dbb: there is no src/svc/dbb.py (or package) in the repository"
    ]
    assert run.code == 1


# --- syntax for the target ---------------------------------------------------------------------------


def test_match_statement_fails_for_a_39_target_with_line_and_column(repo: Repo, si: RunSI) -> None:
    _commit_all(
        repo,
        {
            ".python-version": "3.9.18\n",
            "cli.py": "def run(cmd):\n    match cmd:\n        case _:\n            pass\n",
        },
    )
    run = si("cli.py")
    assert run.out[:1] == [
        "cli.py:2:5: SI001 [error] match statements need Python 3.10; the target is Python 3.9 "
        "(.python-version)"
    ]
    assert run.code == 1


def test_a_plain_syntax_error_is_an_error_not_a_traceback(repo: Repo, si: RunSI) -> None:
    _commit_all(repo, {"broken.py": "def f(:\n    pass\n"})
    run = si("broken.py")
    assert run.code == 1
    here = pytarget.version_text(pytarget.running())
    assert _findings(run) == [
        f"broken.py:1:7: SI001 [error] invalid syntax; the target is Python {here} "
        f"(the hook's Python {here} (no target declared))"
    ]


def test_a_file_too_deeply_nested_to_compile_is_si001_not_a_traceback(repo: Repo, si: RunSI) -> None:
    code = "x = " + " + ".join(["a"] * 3000) + "\n"
    _commit_all(repo, {"deep.py": code})
    run = si("deep.py")
    try:
        ast.parse(code)
    except RecursionError:  # up to Python 3.12 the interpreter cannot compile it
        assert run.code == 1
        here = pytarget.version_text(pytarget.running())
        assert _findings(run) == [
            f"deep.py:1:1: SI001 [error] too deeply nested to compile; the target is Python {here} "
            f"(the hook's Python {here} (no target declared))"
        ]
    else:  # Python 3.13 runs it; deeper than pyflakes can walk, so unchecked rather than a crash
        assert (run.code, _findings(run), run.err) == (0, [], [])


def test_an_expression_deeper_than_pyflakes_walks_is_left_unchecked_not_a_crash(
    repo: Repo, si: RunSI
) -> None:
    # 400 chained additions compile on every Python, and make pyflakes' recursive walk overflow
    _commit_all(repo, {"long.py": "parts = " + " + ".join(["'a'"] * 400) + "\nprint(undefined_name)\n"})
    run = si("long.py")
    assert (run.code, _findings(run), run.err) == (0, [], [])


def test_an_apprunner_yaml_nested_too_deeply_gives_no_target_not_a_traceback(repo: Repo, si: RunSI) -> None:
    deep = "[" * 3000 + "]" * 3000
    _commit_all(repo, {"apprunner.yaml": f"version: 1.0\nrun:\n  env: {deep}\n", "app.py": "x = 1\n"})
    run = si("app.py")
    assert (run.code, _findings(run)) == (0, [])


def test_target_newer_than_the_hook_is_a_warning_naming_language_version(repo: Repo, si: RunSI) -> None:
    _commit_all(repo, {".ava-safety.yaml": 'python: "3.14"\n', "t.py": "greeting = t'hi {name}'\n"})
    run = si("t.py")
    if pytarget.running() >= (3, 14):  # pragma: no cover - the hook's Python reads t-strings
        return
    assert run.code == 0
    (line,) = _findings(run)
    assert line.startswith("t.py:1:")
    assert "SI002" in line and "language_version: python3.14" in line
    assert si("--strict", "t.py").code == 1


# --- guards and dependency sources -----------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            "try:\n    import orjson\nexcept ImportError:\n    orjson = None\n", id="try-import-error"
        ),
        pytest.param(
            "try:\n    import orjson\nexcept (ValueError, ModuleNotFoundError):\n    pass\n", id="tuple"
        ),
        pytest.param(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import orjson\n", id="type-checking"
        ),
        pytest.param("import sys\nif sys.version_info < (3, 11):\n    import orjson\n", id="version-info"),
        pytest.param(
            "import contextlib\nwith contextlib.suppress(ImportError):\n    import orjson\n", id="suppress"
        ),
    ],
)
def test_guarded_imports_are_not_errors(repo: Repo, si: RunSI, code: str) -> None:
    _commit_all(repo, {"requirements.txt": "fastapi\n", "mod.py": code + "print(orjson)\n"})
    assert _findings(si("mod.py")) == []


def test_an_unguarded_import_in_the_else_branch_of_type_checking_counts(repo: Repo, si: RunSI) -> None:
    code = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import orjson\n\n"
        "print(orjson)\n"
    )
    _commit_all(repo, {"requirements.txt": "fastapi\n", "mod.py": code})
    assert _findings(si("mod.py")) == [
        "mod.py:5:12: SI011 [error] orjson is imported but orjson is not a declared dependency "
        "(requirements.txt)"
    ]


def _declared(tmp_path: Path, files: Mapping[str, str]) -> deps.Declared:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return deps.read_declared(RunContext(tmp_path, frozenset(files)))


def test_declared_dependencies_come_from_every_kind_of_manifest(tmp_path: Path) -> None:
    declared = _declared(
        tmp_path,
        {
            "requirements/prod.txt": (
                "-r base.txt\nrequests[socks]==2.31 ; python_version >= '3.8' \\\n    --hash=sha256:abc\n"
                "-e git+https://example.com/org/lib.git@v1#egg=inhouse-lib\n"
            ),
            "requirements/base.txt": "# base\nDjango>=4  # web\n",
            "requirements/dev.txt": "-r base.txt\npytest\n",
            "pyproject.toml": (
                "[project]\nname = 'My_Service'\ndependencies = ['attrs']\n"
                "[project.optional-dependencies]\nredis = ['redis']\ntest = ['coverage']\n"
                "[dependency-groups]\nlint = ['ruff']\n"
                "[tool.poetry.dependencies]\npython = '^3.11'\nboto3 = '*'\n"
                "[tool.poetry.group.docs.dependencies]\nmkdocs = '*'\n"
                "[build-system]\nrequires = ['hatchling']\n"
            ),
            "setup.cfg": (
                "[options]\ninstall_requires =\n    click>=8\n[options.extras_require]\ntesting = mock\n"
            ),
            "setup.py": (
                "from setuptools import setup\nREQS = ['rich']\nsetup(name='x', install_requires=REQS)\n"
            ),
            "Pipfile": "[packages]\nflask = '*'\n[dev-packages]\nblack = '*'\n",
            "Dockerfile": (
                "FROM python:3.12\nRUN pip install --no-cache-dir gunicorn==22.0 -r requirements/prod.txt\n"
            ),
        },
    )
    assert declared.names(dev=False) == {
        "requests", "inhouse-lib", "django", "attrs", "redis", "boto3", "click", "rich", "flask", "gunicorn",
    }  # fmt: skip
    assert declared.names(dev=True) == {"pytest", "coverage", "ruff", "mkdocs", "hatchling", "mock", "black"}
    assert declared.project_names == {"my-service", "x"}
    assert declared.origin_of("django", dev=False) == "requirements/base.txt:2"


def test_the_projects_virtualenv_maps_import_names_without_importing(repo: Repo, si: RunSI) -> None:
    _commit_all(
        repo, {"requirements.txt": "acme-widgets\n", "mod.py": "import widgetry\n\nprint(widgetry)\n"}
    )
    assert _findings(si("mod.py")) == [
        "mod.py:1:8: SI011 [error] widgetry is imported but no declared dependency provides it "
        "(requirements.txt)"
    ]
    site = repo.root / ".venv" / "lib" / "python3.11" / "site-packages"
    info = site / "acme_widgets-1.0.dist-info"
    info.mkdir(parents=True)
    (repo.root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-widgets\nVersion: 1.0\n\n", encoding="utf-8"
    )
    (info / "RECORD").write_text(
        "widgetry/__init__.py,,\nacme_widgets-1.0.dist-info/RECORD,,\n", encoding="utf-8"
    )
    assert _findings(si("mod.py")) == []


# --- target detection ----------------------------------------------------------------------------


TARGETS = [
    ({".python-version": "3.12.1\n", "Dockerfile": "FROM python:3.10\n"}, (3, 12), ".python-version"),
    ({"apprunner.yaml": "run:\n  runtime-version: 3.11.9\n"}, (3, 11), "apprunner.yaml runtime-version"),
    ({"apprunner.yaml": "runtime: python312\n"}, (3, 12), "apprunner.yaml runtime"),
    (
        {"Dockerfile": "ARG PY=3.10\nFROM python:${PY}-slim AS b\nFROM python:3.12-slim\n"},
        (3, 12),
        "Dockerfile:3",
    ),
    ({"Dockerfile": "ARG PY=3.10\nFROM python:${PY}-slim\n"}, (3, 10), "Dockerfile:2"),
    (
        {"pyproject.toml": "[project]\nrequires-python = '>=3.9,<4'\n"},
        (3, 9),
        "pyproject.toml requires-python",
    ),
    (
        {"pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.10'\n"},
        (3, 10),
        "pyproject.toml tool.poetry python",
    ),
    ({"runtime.txt": "python-3.8.18\n"}, (3, 8), "runtime.txt"),
    ({"apprunner.yml": "runtime: python311\n"}, (3, 11), "apprunner.yml runtime"),
    (
        {"apprunner.yaml": "- a list\n", "svc/.tool-versions": "nodejs 20.1\npython 3.10.4\n"},
        (3, 10),
        "svc/.tool-versions python",
    ),
    (
        {"apprunner.yaml": "runtime: nodejs18\n", "Pipfile": "[requires]\npython_version = '3.9'\n"},
        (3, 9),
        "Pipfile python_version",
    ),
]
NO_TARGET = [
    pytest.param(
        {"Dockerfile": "FROM node:20\nRUN npm ci\nFROM python:latest\n"}, id="dockerfile-without-a-version"
    ),
    pytest.param({"pyproject.toml": "[project]\nrequires-python = '>=2.7'\n"}, id="python-2-only"),
    pytest.param({"pyproject.toml": "[project]\nname = 'x'\n"}, id="pyproject-without-python"),
    pytest.param({"runtime.txt": "# the runtime\n\nnodejs-20\n"}, id="runtime-of-another-language"),
    pytest.param({"runtime.txt": "\n"}, id="empty-runtime"),
    pytest.param({".tool-versions": "python system\n"}, id="tool-versions-system"),
    pytest.param({"Pipfile": "[packages]\nflask = '*'\n"}, id="pipfile-without-requires"),
]


@pytest.mark.parametrize(("files", "version", "origin"), TARGETS)
def test_target_version_sources(
    tmp_path: Path, files: dict[str, str], version: tuple[int, int], origin: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    target = pytarget.detect(RunContext(tmp_path, frozenset(files)))
    assert (target.version, target.origin) == (version, origin)


@pytest.mark.parametrize("files", NO_TARGET)
def test_files_that_name_no_python_version_leave_the_hooks_own(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    tracked = frozenset(files) | {".python-version"}  # tracked, but missing from the disk
    target = pytarget.detect(RunContext(tmp_path, tracked))
    assert (target.version, target.declared) == (pytarget.running(), False)


def test_config_python_wins_over_every_file(tmp_path: Path) -> None:
    from hooks._config import Config

    (tmp_path / ".python-version").write_text("3.12\n", encoding="utf-8")
    context = RunContext(tmp_path, frozenset({".python-version"}), Config(tmp_path, python="3.10"))
    assert pytarget.detect(context).version == (3, 10)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=3.9", (3, 9)),
        ("~=3.10", (3, 10)),
        ("==3.11.*", (3, 11)),
        (">=3.8,<3.13", (3, 8)),
        ("<3.13", None),
        (">=3.99", None),
        ("==3.*", None),
    ],
)
def test_lowest_allowed_python(spec: str, expected: tuple[int, int] | None) -> None:
    assert pytarget.lowest_allowed(spec) == expected


# --- bad input -------------------------------------------------------------------------------------


def test_binary_and_undecodable_files_do_not_crash(repo: Repo, si: RunSI) -> None:
    repo.write({"blob.py": b"\x00\x01\x02binary", "latin.py": "name = 'caf\xe9'\n".encode("latin-1")})
    repo.add()
    run = si("blob.py", "latin.py")
    assert run.code == 1  # CPython refuses to import latin.py (issue 8: SI018)
    assert _findings(run) == [
        "latin.py:1:12: AS004 [warning] not valid UTF-8 (first bad byte here); checked with replacement "
        "characters",
        "latin.py:1:12: SI018 [error] not UTF-8 and no coding declaration: Python refuses to import this "
        "file; save it as UTF-8 (or declare its real encoding)",
    ]


def test_without_git_named_files_are_checked_and_no_files_is_a_clear_error(
    tmp_path: Path, si: RunSI, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "plain"
    work.mkdir()
    (work / "a.py").write_text("import os\nprint(os.sep, undefined_thing)\n", encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    run = si("a.py")
    assert (run.code, _findings(run)) == (1, ["a.py:2:15: SI003 [error] undefined name 'undefined_thing'"])
    run = si()
    assert run.code == 2
    assert run.err == [
        "syntax-imports: git is not installed or not on PATH; install git or pass file names explicitly; "
        "outside a git repository, pass the files to check"
    ]


# --- the rule file agrees with pyflakes ------------------------------------------------------------


def test_every_pyflakes_message_belongs_to_exactly_one_rule() -> None:
    import pyflakes.messages as messages

    rules = load_rules(hook="syntax-imports", packs=bundled_packs()).rules
    listed: dict[str, list[str]] = {}
    for rule in rules:
        if rule.checker.func.__name__ == "check_pyflakes":
            for name in rule.checker.options.get("messages", []):
                listed.setdefault(name, []).append(rule.id)
    classes = [
        n for n, c in vars(messages).items() if isinstance(c, type) and issubclass(c, messages.Message)
    ]
    assert {n: ids for n, ids in listed.items() if len(ids) > 1} == {}
    assert set(listed) - set(classes) == set(), "a rule names a message pyflakes does not have"


def test_only_python_files_reach_the_plugin() -> None:
    source = SourceFile("README.md", "# not python\n")
    from hooks._plugins import syntax_imports as plugin

    assert plugin.check_syntax(source, {}) == []
    assert plugin.check_newer_target(source, {}) == []


# --- the real pre-commit ---------------------------------------------------------------------------


def test_pre_commit_runs_the_hook_on_python_files(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    import subprocess
    import sys

    from .conftest import GIT_ENV, git, make_repo

    repo = make_repo(
        tmp_path / "svc",
        {
            "requirements.txt": "fastapi\n",
            "app/__init__.py": "",
            "app/main.py": (
                "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\nprint(requests)\n"
            ),
            "README.md": "import nothing here\n",
        },
    )
    path, rev = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: syntax-imports\n",
        encoding="utf-8",
    )
    git(repo, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip

    blocked = pre_commit()
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "syntax and imports" in blocked.stdout
    assert (
        "app/main.py:1:8: SI011 [error] requests is imported but requests is not a declared dependency "
        "(requirements.txt)" in blocked.stdout
    )
    (repo / "requirements.txt").write_text("fastapi\nrequests\n", encoding="utf-8")
    git(repo, "add", "-A")
    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # the hook writes nothing into the work tree (results live under .git/ava-safety/)
    assert git(repo, "diff", "--name-only") == ""
    assert git(repo, "ls-files", "--others", "--exclude-standard") == ""


def test_style_warnings_are_off_unless_the_config_turns_them_on(repo: Repo, si: RunSI) -> None:
    code = "import os\nimport sys\n\n\ndef f():\n    unused = os.sep\n    return f'done'\n"
    _commit_all(repo, {"app.py": code})
    assert (si("app.py").code, _findings(si("app.py"))) == (0, [])
    repo.write({".ava-safety.yaml": "syntax_imports:\n  style: true\n"})
    assert _findings(si("app.py")) == [
        "app.py:2:1: SI006 [warning] 'sys' imported but unused",
        "app.py:6:5: SI007 [warning] local variable 'unused' is assigned to but never used",
        "app.py:7:12: SI007 [warning] f-string is missing placeholders",
    ]
    repo.write({".ava-safety.yaml": "syntax_imports:\n  style: yes please\n"})
    bad = si("app.py")
    assert (bad.code, bad.err[0]) == (2, ".ava-safety.yaml:2: syntax_imports: 'style' must be true or false")
