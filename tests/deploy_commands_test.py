"""The one command analyser (hooks._deployment.commands): every hook reads a start command one way.

Before it, syntax-imports (SI015) and deploy-config (DC009, DC005) had two analysers with different
wrapper and server lists, so `doppler run -- uvicorn …` and `gosu app gunicorn …` were a server to
one and nothing to the other. These tests run both hooks' real mains on one repository.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hooks import deploy_config, syntax_imports
from hooks._deployment.commands import analyse, command_words, run_commands, started, tables
from hooks._source import RunContext

from ._support import HookRun, Repo, hook_run

Run = Callable[..., HookRun]


@pytest.fixture(name="hooks_run")
def hooks_run_fixture(capsys: pytest.CaptureFixture[str]) -> Callable[..., HookRun]:
    def run(hook: str, *argv: str) -> HookRun:
        main = {"deploy-config": deploy_config.main, "syntax-imports": syntax_imports.main}[hook]
        capsys.readouterr()
        code = main(["--no-results", *argv])
        captured = capsys.readouterr()
        return hook_run(code, captured.out, captured.err)

    return run


APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


PORT_TAIL = "; traffic and health checks go to a port nothing listens on"


@pytest.mark.parametrize(
    ("command", "program", "label", "word"),
    [
        pytest.param('"doppler", "run", "--", "uvicorn", "app.main:app", "--port", "8000"', "uvicorn",
                     "uvicorn --port", "8000", id="doppler"),
        pytest.param('"gosu", "app", "gunicorn", "app.main:app", "-b", "0.0.0.0:8000"', "gunicorn",
                     "gunicorn -b", "0.0.0.0:8000", id="gosu"),
        pytest.param('"tini", "--", "python", "-m", "uvicorn", "app.main:app", "--port=8000"', "uvicorn",
                     "uvicorn --port", "8000", id="tini-python-m"),
        pytest.param('"chamber", "exec", "prod", "--", "waitress-serve", "--port=8000", "app.main:app"',
                     "waitress-serve", "waitress-serve --port", "8000", id="chamber-waitress"),
        pytest.param('"sh", "-c", "cd /app && exec newrelic-admin run-program hypercorn app.main:app -b :8000"',  # noqa: E501
                     "hypercorn", "hypercorn -b", ":8000", id="sh-c-newrelic"),
    ],
)  # fmt: skip
def test_both_hooks_read_one_wrapped_start_command_the_same_way(
    repo: Repo, hooks_run: Callable[..., HookRun], command: str, program: str, label: str, word: str
) -> None:
    dist = tables().servers[program].dist
    cmd = f"CMD [{command}]"
    repo.write(
        {
            "app/__init__.py": "",
            "app/main.py": APP,
            "requirements.txt": "fastapi\n",
            "Dockerfile": f"FROM python:3.12-slim\nCOPY . .\nEXPOSE 8080\n{cmd}\n",
        }
    )
    repo.add()
    repo.commit()
    assert hooks_run("syntax-imports", "app/main.py").out == [
        f"app/main.py:3:1: SI015 [error] the run command starts {program} (Dockerfile:4 CMD) but {dist} is "
        f"not "
        "a declared production dependency"
    ]
    col = cmd.find(word) + 1
    assert hooks_run("deploy-config", "Dockerfile").out == [
        f"Dockerfile:3:8: DC009 [error] port 8080 (EXPOSE) disagrees with 8000 at Dockerfile:4 ({label})"
        + PORT_TAIL,
        f"Dockerfile:4:{col}: DC009 [error] port 8000 ({label}) disagrees with 8080 at Dockerfile:3 (EXPOSE)"
        + PORT_TAIL,
    ]


# --- what each deployment file runs -----------------------------------------------------------------


def _context(tmp_path: Path, files: dict[str, str]) -> RunContext:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return RunContext(tmp_path, frozenset(files))


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        pytest.param('FROM python\nENTRYPOINT ["./entrypoint.sh"]\nCMD ["uvicorn", "app:app"]\n',
                     [(2, "ENTRYPOINT", ("./entrypoint.sh",)), (3, "CMD", ("uvicorn", "app:app"))],
                     id="script-entrypoint-runs-the-cmd-itself"),
        pytest.param('FROM python\nENTRYPOINT ["gunicorn"]\nCMD app:app -b :80\n',
                     [(2, "ENTRYPOINT + CMD", ("gunicorn", "/bin/sh", "-c", "app:app -b :80"))],
                     id="server-entrypoint-takes-a-shell-cmd"),
        pytest.param('FROM python AS base\nCMD ["python", "a.py"]\nFROM base\nENV X=1\n',
                     [(2, "CMD", ("python", "a.py"))], id="cmd-inherited-from-the-stage-built-from"),
        pytest.param('FROM python AS base\nCMD ["python", "a.py"]\nFROM base\nENTRYPOINT exec python b.py\n',
                     [(4, "ENTRYPOINT", "exec python b.py")], id="an-entrypoint-resets-the-inherited-cmd"),
        pytest.param("FROM python\n", [], id="nothing"),
    ],
)  # fmt: skip
def test_a_dockerfile_runs_what_docker_runs(
    tmp_path: Path, dockerfile: str, expected: list[tuple[int, str, object]]
) -> None:
    context = _context(tmp_path, {"Dockerfile": dockerfile})
    assert [(c.line, c.label, c.value) for c in run_commands(context, "Dockerfile")] == expected


def test_procfile_apprunner_and_other_files_run_commands(tmp_path: Path) -> None:
    files = {
        "Procfile": "web: gunicorn app.wsgi -b :$PORT\n# comment: no\nworker: celery -A app.tasks worker\n",
        "svc/apprunner.yaml": 'run:\n  command: ["python", "-m", "app"]\n',
        "broken/apprunner.yaml": "run:\n  command: {a: 1}\n",
        "README.md": "web: not a Procfile\n",
    }
    context = _context(tmp_path, files)
    found = [(c.where, c.process, c.value, c.bases) for p in sorted(files) for c in run_commands(context, p)]
    assert found == [
        ("Procfile:1", "web", "gunicorn app.wsgi -b :$PORT", ("",)),
        ("Procfile:3", "worker", "celery -A app.tasks worker", ("",)),
        ("svc/apprunner.yaml:2 run.command", "", ("python", "-m", "app"), ("svc",)),
    ]


def test_started_servers_name_their_app_module_and_worker_class(tmp_path: Path) -> None:
    files = {
        "Procfile": (
            "web: gunicorn -k uvicorn.workers.UvicornWorker app.main:create_app()\n"
            "ui: streamlit run ui/dash.py\n"
            "api: fastapi run --port 80 app/main.py\n"
            "jobs: celery --app=app.tasks worker\n"
            "cli: flask --app app/cli.py run\n"
            "gone: uvicorn missing:app\n"
        ),
        "app/__init__.py": "",
        "app/main.py": "",
        "app/tasks.py": "",
        "app/cli.py": "",
        "ui/dash.py": "",
    }
    found = [(s.program, s.dist, s.where, s.app_file, s.attr) for s in started(_context(tmp_path, files))]
    assert found == [
        ("gunicorn", "gunicorn", "Procfile:1", "app/main.py", "create_app()"),
        ("gunicorn -k uvicorn.workers.UvicornWorker", "uvicorn", "Procfile:1", "app/main.py", "create_app()"),
        ("streamlit", "streamlit", "Procfile:2", "ui/dash.py", ""),
        ("fastapi", "fastapi-cli", "Procfile:3", "app/main.py", ""),
        ("celery", "celery", "Procfile:4", "app/tasks.py", "app"),
        ("flask", "flask", "Procfile:5", "app/cli.py", ""),
    ]


@pytest.mark.parametrize(
    ("command", "program", "ports", "refs"),
    [
        pytest.param("env -i A=1 setpriv --reuid=1000 python -m app", "python", [], [("module", "app", "")],
                     id="env-setpriv"),
        pytest.param("doppler run --project x", None, [], [], id="a-wrapper-without-its-command"),
        pytest.param("uvicorn --app-dir=src main:app --port=x", "uvicorn", [], [("module", "main", "src")],
                     id="app-dir-and-a-port-that-is-no-number"),
        pytest.param("gunicorn --chdir /srv -c python:conf -b unix:/s app:app", "gunicorn", [],
                     [("module", "app", "/srv")], id="socket-bind"),
        pytest.param("pip download -r r.txt", "pip", [], [("file", "r.txt", "")], id="pip-not-installing"),
        pytest.param("bash", "bash", [], [], id="a-shell-without-a-script"),
        pytest.param("/usr/local/bin/python3 -X dev -c 'import app'", "python3", [], [], id="python-c"),
    ],
)  # fmt: skip
def test_analyses_the_less_common_commands(
    command: str, program: str | None, ports: list[int], refs: list[tuple[str, str, str]]
) -> None:
    (_, words), *_ = command_words(command)
    found = analyse(words)
    assert found.program == program
    assert [p.port for p in found.ports] == ports
    assert [(r.kind, r.value, r.base) for r in found.refs] == refs
    assert command_words(42) == []


def test_pip_wheel_builds_what_a_later_stage_installs() -> None:
    (_, words), *_ = command_words("pip wheel --no-deps -w wheels -r requirements.txt gunicorn")
    assert [(i.requirements, i.packages) for i in analyse(words).installs] == [
        (("requirements.txt",), ("gunicorn",))
    ]
    (_, words), *_ = command_words("pip download -r requirements.txt gunicorn")
    assert analyse(words).installs == ()
