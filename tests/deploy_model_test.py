"""deploy-config's repo-wide model and its less common inputs, through the engine (no git needed).

The hook tests (deploy_config_test.py) run the fixture service; these cover the shapes of commands,
workflows and repositories a service may also have: wrappers and servers in start commands, App
Runner deploy actions, build-push-action, monorepos, Procfiles, compose files, CLI deploys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from hooks import _engine, _git
from hooks._config import load_config
from hooks._deployment.commands import analyse, command_words
from hooks._deployment.files import substitute
from hooks._report import finding_line
from hooks._rules import bundled_packs, load_rules

from ._support import Repo

DC_RULES = {r.id: r for r in load_rules(hook="deploy-config", packs=bundled_packs()).rules}
UNTRACKED = "untracked:"


def scan(
    tmp_path: Path, files: Mapping[str, str], *rule_ids: str, paths: list[str] | None = None
) -> list[str]:
    """Run these deploy-config rules over `files` (all checked, all tracked unless `untracked:`)."""
    tracked = []
    for name, text in files.items():
        real = name.removeprefix(UNTRACKED)
        if real == name:
            tracked.append(real)
        target = tmp_path / real
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    config = load_config(tmp_path)
    rules = [DC_RULES[r] for r in rule_ids]
    checked = paths if paths is not None else tracked
    result = _engine.run(tmp_path, checked, rules, repo_files=frozenset(tracked), jobs=1, config=config)
    return [finding_line(f) for f in result.findings]


# --- start commands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "refs", "ports"),
    [
        pytest.param("uvicorn app.main:app --port=8001", [("module", "app.main", "")], [8001], id="uvicorn"),
        pytest.param(
            "uvicorn main:app --app-dir src --port 80",
            [("module", "main", "src")],
            [80],
            id="uvicorn-app-dir",
        ),
        pytest.param(
            "gunicorn -c gunicorn.conf.py -b 0.0.0.0:8000 --bind unix:/tmp/s app.wsgi:application",
            [("file", "gunicorn.conf.py", ""), ("module", "app.wsgi", "")],
            [8000],
            id="gunicorn",
        ),
        pytest.param(
            "gunicorn -c python:conf app:app", [("module", "app", "")], [], id="gunicorn-config-module"
        ),
        pytest.param("hypercorn --bind [::]:9000 app:app", [("module", "app", "")], [9000], id="hypercorn"),
        pytest.param(
            "daphne -b 0.0.0.0 -p 8001 project.asgi:application",
            [("module", "project.asgi", "")],
            [8001],
            id="daphne",
        ),  # fmt: skip
        pytest.param(
            "flask --app server:create_app() run -p 5000", [("module", "server", "")], [5000], id="flask"
        ),
        pytest.param("flask --app server.py run", [("script", "server.py", "")], [], id="flask-file"),
        pytest.param("celery -A tasks.celery:app worker", [("module", "tasks.celery", "")], [], id="celery"),
        pytest.param(
            "streamlit run ui/app.py --server.port 8501",
            [("script", "ui/app.py", "")],
            [8501],
            id="streamlit",
        ),  # fmt: skip
        pytest.param(
            "python -u -W ignore -X dev main.py", [("script", "main.py", "")], [], id="python-options"
        ),
        pytest.param("python3.11 -m service.worker", [("module", "service.worker", "")], [], id="python-m"),
        pytest.param(
            "python -m uvicorn app:app --port 9", [("module", "app", "")], [9], id="python-m-server"
        ),
        pytest.param(
            "python -m pip install --requirement=req/prod.txt",
            [("file", "req/prod.txt", "")],
            [],
            id="python-m-pip",
        ),  # fmt: skip
        pytest.param("python -c 'import app'", [], [], id="python-c"),
        pytest.param(
            "python manage.py runserver 0.0.0.0:8000",
            [("script", "manage.py", "")],
            [8000],
            id="django-runserver",
        ),  # fmt: skip
        pytest.param(
            "uv pip install -r requirements.txt -c constraints.txt",
            [("file", "requirements.txt", ""), ("file", "constraints.txt", "")],
            [],
            id="uv-pip",
        ),  # fmt: skip
        pytest.param(
            "sh -c 'cd /app && exec uvicorn app:app --port 8000'", [("module", "app", "")], [8000], id="sh-c"
        ),  # fmt: skip
        pytest.param("bash -e scripts/start.sh", [("script", "scripts/start.sh", "")], [], id="bash-script"),
        pytest.param("./bin/run", [("script", "./bin/run", "")], [], id="path"),
        pytest.param(
            "PORT=1 exec tini -- gosu app uvicorn a:b --port 2", [("module", "a", "")], [2], id="wrappers"
        ),
        pytest.param("doppler run --project x -- uvicorn a:b", [("module", "a", "")], [], id="doppler"),
        pytest.param("newrelic-admin run-program gunicorn a:b", [("module", "a", "")], [], id="newrelic"),
        pytest.param(
            "/usr/local/bin/uvicorn a:b --port $PORT", [("module", "a", "")], [], id="variable-port"
        ),
        pytest.param("honcho start", [("file", "Procfile", "")], [], id="honcho"),
        pytest.param("foreman start -f Procfile.web", [("file", "Procfile.web", "")], [], id="foreman"),
        pytest.param("exec", [], [], id="only-a-wrapper"),
        pytest.param("node server.js", [], [], id="other-program"),
    ],
)
def test_reads_what_a_start_command_names(
    command: str, refs: list[tuple[str, str, str]], ports: list[int]
) -> None:
    (_, words), *_ = command_words(command)
    found = analyse(words)
    assert [(r.kind, r.value, r.base) for r in found.refs] == refs
    assert [p.port for p in found.ports] == ports


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        pytest.param("$BASE", {"BASE": "python:3.11"}, "python:3.11", id="plain"),
        pytest.param("${BASE}-slim", {"BASE": "python:3.11"}, "python:3.11-slim", id="braces"),
        pytest.param("${BASE:-node:20}", {}, "node:20", id="default"),
        pytest.param("${BASE}", {"BASE": None}, None, id="no-value"),
        pytest.param("python:${V}", {}, None, id="unknown"),
    ],
)
def test_substitutes_build_args(text: str, args: dict[str, str | None], expected: str | None) -> None:
    assert substitute(text, args) == expected


# --- workflows -----------------------------------------------------------------------------------

APPRUNNER_WORKFLOW = """\
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: |
            ghcr.io/acme/api:latest
      - uses: awslabs/amazon-app-runner-deploy@main
        with:
          service: ava-api
          image: 123456789012.dkr.ecr.eu-central-1.amazonaws.com/ava-api:latest
          port: 8080
"""


def test_app_runner_deploy_action_states_image_port_and_service(tmp_path: Path) -> None:
    files = {
        ".github/workflows/deploy.yml": APPRUNNER_WORKFLOW,
        ".github/workflows/other.yml": APPRUNNER_WORKFLOW,
        "Dockerfile": "FROM python:3.11-slim\nEXPOSE 8000\n",
    }
    # two workflows state port 8080 and the Dockerfile 8000: the Dockerfile is the odd one out (DC009),
    # and each workflow hears of it once
    lines = scan(tmp_path, files, "DC006", "DC009", "DC012", paths=[".github/workflows/deploy.yml"])
    tail = (
        ": what runs changes under you and a rollback cannot go back to it; "
        "deploy an immutable tag (the commit SHA) or a digest"
    )
    assert lines == [
        ".github/workflows/deploy.yml:12:13: DC006 image ghcr.io/acme/api:latest is :latest "
        "(build-push-action)" + tail,
        ".github/workflows/deploy.yml:13:7: DC012 apprunner service ava-api is also deployed by "
        ".github/workflows/other.yml:13; two enabled pipelines race, and whichever finishes last decides "
        "what runs",
        ".github/workflows/deploy.yml:16:18: DC006 image "
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com/ava-api:latest"
        " is :latest (amazon-app-runner-deploy image)" + tail,
        ".github/workflows/deploy.yml:17:17: DC009 port 8080 (port input of amazon-app-runner-deploy) "
        "disagrees with 8000 at Dockerfile:2 (EXPOSE); traffic and health checks go to a port nothing "
        "listens on",
    ]
    assert scan(tmp_path, files, "DC009", paths=["Dockerfile"]) == [
        "Dockerfile:2:8: DC009 port 8000 (EXPOSE) disagrees with 8080 at .github/workflows/deploy.yml:17 "
        "(port "
        "input of amazon-app-runner-deploy); traffic and health checks go to a port nothing listens on"
    ]


def test_build_push_action_without_push_pushes_nothing(tmp_path: Path) -> None:
    workflow = APPRUNNER_WORKFLOW.replace("push: true", "push: ${{ github.event_name == 'push' }}")
    lines = scan(tmp_path, {".github/workflows/deploy.yml": workflow}, "DC006")
    assert [line.split(":")[1] for line in lines] == ["16"]  # only the App Runner image


def test_app_runner_cli_deploy_names_the_service_from_its_arn(tmp_path: Path) -> None:
    arn = "arn:aws:apprunner:eu-central-1:123456789012:service/ava-api/8fe1e10304f84fd2b0df550fe98a71fa"
    workflow = (
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n"
        f"      SERVICE_ARN: {arn}\n    steps:\n"
        "      - run: aws apprunner start-deployment --service-arn $SERVICE_ARN\n"
    )
    files = {
        ".ava-safety.yaml": "services:\n  - name: ava-web\n    provider: apprunner\n",
        ".github/workflows/deploy.yml": workflow,
    }
    assert scan(tmp_path, files, "DC011", paths=[".github/workflows/deploy.yml"]) == [
        ".github/workflows/deploy.yml:6:72: DC011 service 'ava-api' disagrees with 'ava-web' at "
        ".ava-safety.yaml:2 (name of service ava-web in .ava-safety.yaml)"
    ]


def test_a_workflow_deploying_a_name_no_service_declares_is_reported(tmp_path: Path) -> None:
    files = {
        ".ava-safety.yaml": "services:\n  - {name: api, provider: ecs}\n  - {name: web, provider: ecs}\n",
        ".github/workflows/deploy.yml": (
            "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n"
            "      - run: aws ecs update-service --cluster prod --service billing --force-new-deployment\n"
        ),
    }
    assert scan(tmp_path, files, "DC011") == [
        ".github/workflows/deploy.yml:6:62: DC011 service 'billing' disagrees with 'api, web' at "
        ".ava-safety.yaml:2 (the services declared in .ava-safety.yaml; none has this name)"
    ]


def test_a_monorepo_workflow_joins_the_service_whose_dockerfile_it_builds(tmp_path: Path) -> None:
    files = {
        "api/Dockerfile": "FROM python:3.11-slim\nEXPOSE 8000\n",
        "web/Dockerfile": "FROM python:3.11-slim\nEXPOSE 3000\n",
        ".github/workflows/api.yml": (
            "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n"
            "      - run: docker build -f api/Dockerfile -t api .\n"
            "      - uses: awslabs/amazon-app-runner-deploy@main\n        with: {service: api, port: 3000}\n"
        ),
    }
    assert scan(tmp_path, files, "DC009", "DC005") == [
        ".github/workflows/api.yml:8:36: DC009 port 3000 (port input of amazon-app-runner-deploy) disagrees "
        "with 8000 at api/Dockerfile:2 (EXPOSE); traffic and health checks go to a port nothing listens on",
        "api/Dockerfile:2:8: DC009 port 8000 (EXPOSE) disagrees with 3000 at .github/workflows/api.yml:8 "
        "(port "
        "input of amazon-app-runner-deploy); traffic and health checks go to a port nothing listens on",
    ]


def test_create_service_in_a_workflow_needs_a_circuit_breaker_unless_another_controller_deploys(
    tmp_path: Path,
) -> None:
    workflow = (
        "on: workflow_dispatch\njobs:\n  c:\n    runs-on: x\n    steps:\n"
        "      - run: |\n"
        "          aws ecs create-service --service-name a --deployment-controller type=CODE_DEPLOY\n"
        "          aws ecs create-service --cli-input-json file://service.json\n"
        "          aws ecs create-service --service-name b --deployment-configuration"
        ' \'{"deploymentCircuitBreaker":'
        ' {"enable": true, "rollback": true}}\'\n'
        "          aws ecs create-service --service-name c --deployment-configuration maximumPercent=200\n"
    )
    assert scan(tmp_path, {".github/workflows/create.yml": workflow}, "DC014") == [
        ".github/workflows/create.yml:10:11: DC014 aws ecs create-service has no deployment circuit breaker "
        "with rollback; a deployment whose tasks keep failing retries for hours instead of rolling back"
    ]


def test_service_definitions_without_a_deployment_configuration_need_a_circuit_breaker(
    tmp_path: Path,
) -> None:
    files = {
        ".aws/service.json": (
            '{\n  "serviceName": "api",\n  "deploymentConfiguration": {"maximumPercent": 200}\n}\n'
        )
    }
    files_bare = {".aws/service.json": '{"serviceName": "api"}\n'}
    assert [line[:25] for line in scan(tmp_path, files, "DC014")] == [".aws/service.json:3:3: DC"]
    assert [line[:25] for line in scan(tmp_path / "b", files_bare, "DC014")] == [".aws/service.json:1:1: DC"]


# --- other deployment files ----------------------------------------------------------------------


def test_procfile_web_port_and_modules(tmp_path: Path) -> None:
    files = {
        "Procfile": "release: python manage.py migrate\nweb: gunicorn shop.wsgi --bind 0.0.0.0:5000\n",
        "Dockerfile": "FROM python:3.11-slim\nEXPOSE 8000\n",
        "manage.py": "",
        "shop/__init__.py": "",
    }
    assert scan(tmp_path, files, "DC009", paths=["Procfile"]) == [
        "Procfile:2:32: DC009 port 5000 (gunicorn --bind) disagrees with 8000 at Dockerfile:2 (EXPOSE); "
        "traffic and health checks go to a port nothing listens on"
    ]


def test_compose_health_checks_judge_the_image_they_build(tmp_path: Path) -> None:
    files = {
        "docker/api.Dockerfile": "FROM node:20-alpine\nRUN apk add --no-cache curl\n",
        "docker/web.Dockerfile": "FROM node:20-alpine\n",
        "docker-compose.yml": (
            "services:\n"
            "  api:\n    build: {context: docker, dockerfile: api.Dockerfile}\n"
            "    healthcheck: {test: curl -f http://localhost:3000}\n"
            "  web:\n    build: {context: docker, dockerfile: web.Dockerfile}\n"
            "    healthcheck:\n      test: [CMD-SHELL, curl -f http://localhost:3000]\n"
            "  db:\n    image: postgres:16\n    healthcheck: {test: [CMD, pg_isready]}\n"
            "  odd:\n    build: .\n    healthcheck: {test: 7}\n"
        ),
    }
    assert scan(tmp_path, files, "DC010", paths=["docker-compose.yml"]) == [
        "docker-compose.yml:8:25: DC010 the health check runs curl, which base image node:20-alpine does not "
        "ship and no RUN installs; the check fails and the container is replaced as unhealthy"
    ]


def test_task_definition_health_check_with_a_public_image(tmp_path: Path) -> None:
    taskdef = (
        '{"family": "f", "containerDefinitions": [{"name": "web", "image": "nginx:1.27-alpine",\n'
        ' "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]}}]}\n'
    )
    assert scan(tmp_path, {".aws/task-definition.json": taskdef}, "DC010") == [
        ".aws/task-definition.json:2:44: DC010 the health check runs curl, which base image "
        "nginx:1.27-alpine "
        "does not ship and no RUN installs; the check fails and the container is replaced as unhealthy"
    ]


def test_log_secret_options_need_an_execution_role_too(tmp_path: Path) -> None:
    taskdef = (
        '{"family": "f", "containerDefinitions": [{"name": "web", "image": "x:1", "logConfiguration": '
        '{"logDriver": "splunk", "secretOptions": [{"name": "splunk-token", "valueFrom": "arn"}]}}]}\n'
    )
    assert scan(tmp_path, {".aws/task-definition.json": taskdef}, "DC013") == [
        ".aws/task-definition.json:1:119: DC013 container the log configuration has secretOptions but the "
        "task "
        "definition has no executionRoleArn; ECS cannot fetch them and the task never starts"
    ]


def test_an_entry_module_that_does_not_parse_states_no_port(tmp_path: Path) -> None:
    files = {
        "apprunner.yaml": (
            "version: 1.0\nruntime: python311\nrun:\n  command: python main.py\n  network: {port: 8000}\n"
        ),
        "main.py": "import uvicorn\nuvicorn.run(app, port=9000\n",
    }
    assert scan(tmp_path, files, "DC009", paths=["apprunner.yaml"]) == []


def test_build_output_a_gitignore_names_need_not_be_in_git(tmp_path: Path) -> None:
    files = {
        "web/.gitignore": "# build output\n/dist\n!dist/keep.txt\nnode_modules/\n",
        "web/Dockerfile": (
            "FROM node:20-slim\nCOPY dist/ /srv/\nCOPY node_modules/.bin/serve /usr/bin/\nCOPY app.js .\n"
        ),
        ".gitignore": "*.whl\n",
        "Dockerfile": "FROM python:3.11-slim\nCOPY api-1.0-py3-none-any.whl /tmp/\nCOPY settings.toml .\n",
    }
    assert scan(tmp_path, files, "DC005") == [
        "Dockerfile:3:6: DC005 COPY source settings.toml is not tracked in git (no such file in the "
        "repository); a build from a clean checkout will not have it",
        "web/Dockerfile:4:6: DC005 COPY source app.js is not tracked in git (no such file in the "
        "repository); a build from a clean checkout will not have it",
    ]


def test_a_placeholder_image_a_workflow_substitutes_is_not_deployed_as_it_is(tmp_path: Path) -> None:
    files = {
        ".aws/task-definition.json": (
            '{"family": "f", "containerDefinitions": [{"name": "a", "image": "app-image"}]}'
        ),
        ".github/workflows/deploy.yml": (
            "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n"
            '      - run: sed -i "s|app-image|$IMAGE|" .aws/task-definition.json\n'
        ),
    }
    assert scan(tmp_path, files, "DC006") == []
    del files[".github/workflows/deploy.yml"]
    assert len(scan(tmp_path / "alone", files, "DC006")) == 1


def test_a_file_a_gitignore_negation_keeps_is_not_build_output(repo: Repo) -> None:
    files = {
        ".gitignore": "*.whl\n!vendor/*.whl\nbuild/\n",
        "Dockerfile": (
            "FROM python:3.11-slim\n"
            "COPY dist/api-1.0-py3-none-any.whl /tmp/\n"
            "COPY vendor/patched-1.0-py3-none-any.whl /tmp/\n"
            "COPY build/static/ /srv/static/\n"
        ),
    }
    repo.write(files)
    repo.add()
    repo.commit()
    # the wheel under vendor/ is meant to be committed (`!vendor/*.whl`), so its absence is a defect
    assert scan(repo.root, files, "DC005") == [
        "Dockerfile:3:6: DC005 COPY source vendor/patched-1.0-py3-none-any.whl is not tracked in git (no "
        "such file in the repository); a build from a clean checkout will not have it",
    ]


def test_git_decides_what_is_ignored_in_one_call(repo: Repo, tmp_path: Path) -> None:
    repo.write({".gitignore": "dist/\n*.log\n!keep.log\n", "sub/.gitignore": "/local\n"})
    paths = ["dist/a.whl", "x.log", "keep.log", "sub/local/y", "local/y", "../outside", "/abs", ""]
    assert _git.ignored(repo.root, paths) == {"dist/a.whl", "x.log", "sub/local/y"}
    assert _git.ignored(repo.root, []) == set()
    plain = tmp_path / "plain"  # not a repository: the .gitignore files are read all the same
    plain.mkdir()
    (plain / ".gitignore").write_text("*.whl\n")
    assert _git.ignored(plain, ["a.whl", "a.py"]) == {"a.whl"}


def test_a_task_definition_registered_from_a_run_step_is_the_one_ecs_runs(tmp_path: Path) -> None:
    from hooks._deployment.model import workflow_model
    from hooks._deployment.service import services
    from hooks._source import RunContext

    files = {
        "Dockerfile": "FROM python:3.11-slim\n",
        "ecs/task-def.json": '{"family": "api", "containerDefinitions": [{"name": "app", "image": "IMAGE"}]}',
        "scripts/old-task-def.json": '{"family": "api", "containerDefinitions": [{"name": "app"}]}',
        ".github/workflows/deploy.yml": (
            "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n      - run: |\n"
            "          aws ecs register-task-definition --cli-input-json file://./ecs/task-def.json\n"
            "          aws ecs register-task-definition --cli-input-json file:///tmp/generated.json\n"
            "          aws ecs update-service --cluster prod --service api --task-definition api\n"
            "      - run: aws ecs register-task-definition --cli-input-json file://gone-task-def.json\n"
        ),
    }
    assert scan(tmp_path, files, "DC005") == [
        ".github/workflows/deploy.yml:10:71: DC005 task definition gone-task-def.json is not tracked in git "
        "(no such file in the repository); a build from a clean checkout will not have it"
    ]
    context = RunContext(tmp_path, frozenset(files), load_config(tmp_path))
    model = workflow_model(context, ".github/workflows/deploy.yml")
    assert model is not None
    assert [(t.platform, t.taskdef) for t in model.targets] == [
        ("register", "ecs/task-def.json"), ("ecs", "ecs/task-def.json"), ("register", "gone-task-def.json"),
    ]  # fmt: skip
    (svc,) = services(context)
    assert [s.path for s in svc.env_sources if s.kind == "taskdef"] == ["ecs/task-def.json"]
