"""The per-service deployment model (hooks._deployment.service) and the hooks that ask it.

A repository with two services: each service's code is checked against its own deployment, not the
pool of every service's files (env-vars used to count a variable set in one service's apprunner.yaml
as provided for the other). Real temp git repositories, through the hooks' mains.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hooks import env_vars
from hooks._config import load_config
from hooks._deployment import service_named, service_of, services
from hooks._deployment.service import DependencyInstall, EnvSource, ServiceImage
from hooks._source import RunContext

from ._support import HookRun, Repo, hook_run

RunEV = Callable[..., HookRun]
APPRUNNER = (
    "version: 1.0\n"
    "runtime: python311\n"
    "build:\n"
    "  commands:\n"
    "    build:\n"
    "      - pip install -r requirements.txt\n"
    "run:\n"
    "  command: python main.py\n"
    "  env:\n"
    "    - name: {name}\n"
    "      value: {value}\n"
)
TWO_SERVICES = {
    "api/apprunner.yaml": APPRUNNER.format(name="API_URL", value="https://api.example.com"),
    "api/main.py": 'import os\n\nKEY = os.environ["API_URL"]\n',
    "api/requirements.txt": "-r base.txt\nfastapi\n",
    "api/base.txt": "httpx\n",
    "worker/apprunner.yaml": APPRUNNER.format(name="QUEUE_URL", value="https://sqs.example.com/q"),
    "worker/main.py": 'import os\n\nQUEUE = os.environ["QUEUE_URL"]\nKEY = os.environ["API_URL"]\n',
    "worker/requirements.txt": "boto3\n",
}
MISSING_IN_WORKER = (
    'worker/main.py:4:7: EV001 [error] API_URL is required here (os.environ["API_URL"], no default) but no '
    "deployment source provides it; searched: worker/apprunner.yaml"
)


@pytest.fixture(name="ev")
def ev_fixture(capsys: pytest.CaptureFixture[str]) -> RunEV:
    def run(*argv: str) -> HookRun:
        capsys.readouterr()
        code = env_vars.main([*argv, "--no-results"])
        captured = capsys.readouterr()
        return hook_run(code, captured.out, captured.err)

    return run


def committed(repo: Repo, files: dict[str, str]) -> None:
    repo.write(files)
    repo.add()
    repo.commit("services")


def test_a_variable_only_another_service_sets_is_not_provided(repo: Repo, ev: RunEV) -> None:
    committed(repo, TWO_SERVICES)
    result = ev("--all-files")
    assert (result.code, result.out) == (1, [MISSING_IN_WORKER])
    assert ev("worker/main.py").out == [MISSING_IN_WORKER]
    assert ev("api/main.py").out == []


def test_code_of_no_one_service_is_checked_against_every_service(repo: Repo, ev: RunEV) -> None:
    committed(repo, {**TWO_SERVICES, "scripts/sync.py": 'import os\n\nKEY = os.environ["API_URL"]\n'})
    assert ev("scripts/sync.py").out == []  # outside both roots: both deployments count, as before


def test_configured_services_decide_which_files_are_whose(repo: Repo, ev: RunEV) -> None:
    config = (
        "services:\n"
        "  - name: api\n    files: [api/apprunner.yaml]\n"
        "  - name: worker\n    files: [worker/apprunner.yaml]\n"
    )
    committed(repo, {**TWO_SERVICES, ".ava-safety.yaml": config})
    assert ev("--all-files").out == [MISSING_IN_WORKER]


def test_a_compose_file_gives_each_service_its_own_environment(repo: Repo, ev: RunEV) -> None:
    compose = (
        "services:\n"
        "  api:\n"
        "    build: ./api\n"
        "    environment:\n"
        "      API_URL: ${API_URL}\n"
        "  worker:\n"
        "    build: {context: ., dockerfile: worker/Dockerfile}\n"
        "    environment:\n"
        "      QUEUE_URL: ${QUEUE_URL}\n"
        "    env_file: worker/worker.env\n"
        "  db:\n"
        "    image: postgres:16\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
    )
    files = {
        "docker-compose.yml": compose,
        "api/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "main.py"]\n',
        "api/main.py": TWO_SERVICES["api/main.py"],
        "worker/Dockerfile": 'FROM python:3.12-slim\nCOPY worker/ .\nCMD ["python", "main.py"]\n',
        "worker/main.py": TWO_SERVICES["worker/main.py"] + 'LEVEL = os.environ["LOG_LEVEL"]\n',
        "worker/worker.env": "LOG_LEVEL=info\n",
    }
    committed(repo, files)
    assert ev("--all-files").out == [
        'worker/main.py:4:7: EV001 [error] API_URL is required here (os.environ["API_URL"], no default) but '
        "no "
        "deployment source provides it; searched: docker-compose.yml, worker/worker.env, worker/Dockerfile"
    ]


# --- the model ----------------------------------------------------------------------------------------


def context_of(root: Path) -> RunContext:
    from hooks import _git

    return RunContext(root, frozenset(_git.tracked_files(root)), load_config(root))


def test_each_service_has_its_files_commands_installs_images_and_env_sources(repo: Repo) -> None:
    committed(
        repo,
        {
            **TWO_SERVICES,
            "worker/Dockerfile": (
                "ARG PY=3.12\n"
                "FROM python:${PY}-slim\n"
                "WORKDIR /srv\n"
                "COPY requirements.txt .\n"
                "RUN --mount=type=cache,target=/root/.cache pip install -r /srv/requirements.txt gunicorn\n"
                'ENTRYPOINT ["tini", "--"]\n'
                'CMD ["python", "main.py"]\n'
            ),
            ".env.example": "API_URL=\n",
        },
    )
    context = context_of(repo.root)
    found = services(context)
    assert [(s.key, s.root, s.files) for s in found] == [
        ("dir:api", "api", ("api/apprunner.yaml",)),
        ("dir:worker", "worker", ("worker/Dockerfile", "worker/apprunner.yaml")),
    ]
    api, worker = found
    assert [(c.where, c.value) for c in api.commands] == [
        ("api/apprunner.yaml:8 run.command", "python main.py")
    ]
    assert api.installs == (
        DependencyInstall("api/apprunner.yaml:6", ("api/requirements.txt", "api/base.txt"), (), (), ()),
    )
    assert [(c.where, c.value) for c in worker.commands] == [
        ("worker/Dockerfile:6 ENTRYPOINT + CMD", ("tini", "--", "python", "main.py")),
        ("worker/apprunner.yaml:8 run.command", "python main.py"),
    ]
    assert worker.installs == (
        DependencyInstall("worker/Dockerfile:5", ("worker/requirements.txt",), (), ("gunicorn",), ()),
        DependencyInstall("worker/apprunner.yaml:6", ("worker/requirements.txt",), (), (), ()),
    )
    assert worker.images == (ServiceImage("worker/Dockerfile:2", "FROM", "python:3.12-slim"),)
    # the root .env.example is under no service's root: it reaches both, but api's deployment is known
    # (its apprunner.yaml), and there .env.example documents names, it does not provide them
    assert api.env_sources == (EnvSource("api/apprunner.yaml", "apprunner"),)
    assert [s.path for s in worker.env_sources] == ["worker/Dockerfile", "worker/apprunner.yaml"]
    assert service_of(context, "worker/jobs/send.py") is worker
    assert service_of(context, "worker/Dockerfile") is worker
    assert service_of(context, "README.md") is None
    assert service_named(context, "api") is None  # found by directory, not configured


def test_a_configured_service_is_found_by_name_even_without_files(repo: Repo) -> None:
    committed(
        repo,
        {
            **TWO_SERVICES,
            ".ava-safety.yaml": "services:\n  - name: api\n    files: [api/*]\n  - name: billing\n",
        },
    )
    context = context_of(repo.root)
    api = service_named(context, "api")
    billing = service_named(context, "billing")
    assert api is not None and api.config is not None and api.files == ("api/apprunner.yaml",)
    assert billing is not None and (billing.files, billing.root) == ((), None)
    assert [s.key for s in services(context)] == ["api", "billing", "dir:worker"]
    assert service_of(context, "api/main.py") is api


def test_a_service_knows_the_images_it_builds_and_deploys(repo: Repo) -> None:
    workflow = (
        "on: push\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: aws-actions/amazon-ecs-render-task-definition@v1\n"
        "        with:\n"
        "          task-definition: .aws/task-definition.json\n"
        "          container-name: api\n"
        "          image: 123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:${{ github.sha }}\n"
    )
    taskdef = (
        '{"family": "api", "containerDefinitions": [\n'
        '  {"name": "api", "image": "app-image", "portMappings": [{"containerPort": 80}]}\n]}\n'
    )
    compose = (
        "services:\n"
        "  api:\n    image: ghcr.io/acme/api:1.2\n"
        "  cache:\n    image: redis:7\n"
        "  broken:\n    image: '-not-an-image'\n"
    )
    committed(
        repo,
        {
            "Dockerfile": "FROM python:3.12-slim AS base\nFROM base\nCMD python app.py\n",
            ".aws/task-definition.json": taskdef,
            ".github/workflows/deploy.yml": workflow,
            "compose.yaml": compose,
        },
    )
    (service,) = services(context_of(repo.root))
    assert [(i.where, i.how, i.image) for i in service.images] == [
        ("Dockerfile:1", "FROM", "python:3.12-slim"),
        (".aws/task-definition.json:2", "task definition", "app-image"),
        (
            ".github/workflows/deploy.yml:10",
            "workflow",
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:${{…}}",
        ),
        ("compose.yaml:3", "compose api", "ghcr.io/acme/api:1.2"),
        ("compose.yaml:5", "compose cache", "redis:7"),
    ]
    # a compose file that builds nothing here is every service's (and here there is one)
    assert [(s.path, s.scope) for s in service.env_sources] == [
        (".aws/task-definition.json", None),
        ("Dockerfile", None),
        ("compose.yaml", None),
    ]


def test_a_compose_service_for_no_one_service_reaches_every_service(repo: Repo) -> None:
    compose = (
        "services:\n"
        "  api:\n    build: ./api\n    environment: [A=1]\n"
        "  tool:\n    build: ./tools\n    environment: [B=2]\n"
    )
    committed(
        repo,
        {
            "docker-compose.yml": compose,
            "api/Dockerfile": "FROM python:3.12\n",
            "worker/Dockerfile": "FROM python:3.12\n",
        },
    )
    api, worker = services(context_of(repo.root))
    assert [(s.path, s.scope) for s in api.env_sources] == [
        ("api/Dockerfile", None),
        ("docker-compose.yml", None),
    ]
    assert [(s.path, s.scope) for s in worker.env_sources] == [
        ("docker-compose.yml", frozenset({"tool"})),
        ("worker/Dockerfile", None),
    ]


def test_without_git_nothing_counts_as_ignored(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from hooks import _git
    from hooks._deployment.model import ignored

    repo.write({".gitignore": "dist/\n"})
    context = context_of(repo.root)
    monkeypatch.setenv("PATH", str(repo.root / "no-such-dir"))
    with pytest.raises(_git.GitError, match="not installed"):
        _git.ignored(repo.root, ["dist/a"])
    assert not ignored(context, ["dist/a"])


@pytest.mark.parametrize(
    ("extra", "ships_cdk"),
    [
        pytest.param({}, True, id="no-dockerignore"),
        pytest.param({".dockerignore": "cdk/\n"}, False, id="left-out-of-the-image"),
        pytest.param({".dockerignore": "cdk/\n!cdk/app.py\n"}, True, id="re-included"),
        pytest.param(
            {".dockerignore": "cdk/\n", "apprunner.yaml": "version: 1.0\nruntime: python311\n"},
            True,
            id="app-runner-builds-the-source-as-it-is",
        ),
    ],
)
def test_a_service_ships_what_its_builds_put_in_the_image(
    repo: Repo, extra: dict[str, str], ships_cdk: bool
) -> None:
    files = {"Dockerfile": "FROM python:3.11-slim\nCOPY . .\n", "app/main.py": "", "cdk/app.py": "", **extra}
    committed(repo, files)
    svc = service_of(context_of(repo.root), "cdk/app.py")
    assert svc is not None
    assert svc.ships("cdk/app.py") is ships_cdk
    assert svc.ships("app/main.py")
