"""The one command analyser (hooks._deployment.commands): every hook reads a start command one way.

Before it, syntax-imports (SI015) and deploy-config (DC009, DC005) had two analysers with different
wrapper and server lists, so `doppler run -- uvicorn …` and `gosu app gunicorn …` were a server to
one and nothing to the other. These tests run both hooks' real mains on one repository.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hooks import deploy_config, syntax_imports
from hooks._deployment.commands import tables

from ._support import HookRun, Repo

Run = Callable[..., HookRun]


@pytest.fixture(name="hooks_run")
def hooks_run_fixture(capsys: pytest.CaptureFixture[str]) -> Callable[..., HookRun]:
    def run(hook: str, *argv: str) -> HookRun:
        main = {"deploy-config": deploy_config.main, "syntax-imports": syntax_imports.main}[hook]
        capsys.readouterr()
        code = main(["--no-results", *argv])
        captured = capsys.readouterr()
        return HookRun(code, captured.out.splitlines(), captured.err.splitlines())

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
        f"app/main.py:3:1: SI015 the run command starts {program} (Dockerfile:4 CMD) but {dist} is not "
        "a declared production dependency"
    ]
    col = cmd.find(word) + 1
    assert hooks_run("deploy-config", "Dockerfile").out == [
        f"Dockerfile:3:8: DC009 port 8080 (EXPOSE) disagrees with 8000 at Dockerfile:4 ({label})" + PORT_TAIL,
        f"Dockerfile:4:{col}: DC009 port 8000 ({label}) disagrees with 8080 at Dockerfile:3 (EXPOSE)"
        + PORT_TAIL,
    ]
