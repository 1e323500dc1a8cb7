"""The deploy-config hook in real temp git repos, on a service laid out the way teams lay one out.

tests/fixtures/deploy-config-service/ is that service: a FastAPI app (app/, modules/), main.py,
requirements.txt, apprunner.yaml, a Dockerfile, an ECS task and service definition under .aws/, a
GitHub Actions workflow that builds, pushes to ECR and deploys, a CI workflow and .ava-safety.yaml.
It is clean; each test breaks (or nearly breaks) one thing and asserts the exact output.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from hooks import _cli, deploy_config, env_vars, syntax_imports

from ._support import HookRun, Repo, hook_run

SERVICE = Path(__file__).resolve().parent / "fixtures" / "deploy-config-service"
Run = Callable[..., HookRun]
# path -> (old, new) | [(old, new), ...] | new content | None (delete)
Edits = Mapping[str, tuple[str, str] | list[tuple[str, str]] | str | None]

PORT_TAIL = "; traffic and health checks go to a port nothing listens on"
PIN_TAIL = (
    ": what runs changes under you and a rollback cannot go back to it; "
    "deploy an immutable tag (the commit SHA) or a digest"
)
TRACK_TAIL = "; a build from a clean checkout will not have it"


@pytest.fixture(name="service")
def service_fixture(repo: Repo) -> Repo:
    """The fixture service, committed in a fresh repo (cwd)."""
    shutil.copytree(SERVICE, repo.root, dirs_exist_ok=True)
    repo.add()
    repo.commit("service")
    return repo


@pytest.fixture(name="run")
def run_fixture(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> HookRun:
        capsys.readouterr()
        code = deploy_config.main(["--no-results", *argv])
        captured = capsys.readouterr()
        return hook_run(code, captured.out, captured.err)

    return run


def edit(repo: Repo, edits: Edits, *, stage: bool = True) -> list[str]:
    """Apply edits in the work tree (and the index); the paths edited."""
    for path, change in edits.items():
        target = repo.root / path
        if change is None:
            target.unlink()
            if stage:
                repo.git("rm", "-q", "--cached", "--", path)
            continue
        if isinstance(change, (tuple, list)):
            text = target.read_text(encoding="utf-8")
            for old, new in [change] if isinstance(change, tuple) else change:
                assert old in text, f"{path}: {old!r} not found"
                text = text.replace(old, new)
        else:
            text = change
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        if stage:
            repo.add(path)
    return [p for p, c in edits.items() if c is not None]


# --- the service as it is --------------------------------------------------------------------------


def test_passes_the_service_as_teams_lay_it_out(service: Repo, run: Run) -> None:
    result = run("--all-files")
    assert (result.code, result.out, result.err) == (0, [], [])


def test_the_ava_safety_command_runs_it_too(service: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli.main(["deploy-config", "--all-files", "--no-results"]) == 0
    # 17 of the 19 tracked files: those its .pre-commit-hooks.yaml entry would give it
    assert capsys.readouterr().out == "0 errors, 0 warnings in 17 files; passed\n"


def test_records_results_outside_the_tracked_files(service: Repo) -> None:
    assert deploy_config.main(["--all-files"]) == 0
    assert (service.root / ".git" / "ava-safety" / "results" / "deploy-config.json").is_file()
    assert service.status() == ""


def test_run_directly_it_considers_only_what_its_manifest_entry_gives_it(service: Repo, run: Run) -> None:
    # a vendored bundle's JSON (botocore's service models) is not a task definition: pre-commit never
    # passes it, and --all-files does not read it either (it once took 165 s through the YAML loader)
    edit(service, {
        "aws/dist/botocore/data/ecs/service-2.json": '{"a": 1, "a": 2}\n',
        "docs/task-definition.json": '{"family": "api", "family": "web"}\n',
    })  # fmt: skip
    service.commit("vendored")
    result = run("--all-files")
    assert result.out == [
        "docs/task-definition.json:1:19: DC001 [error] task definition does not parse strictly: "
        "duplicate key "
        "'family'; loaders silently keep only the last one"
    ]


# --- every rule: a failing change, through the hook -------------------------------------------------

FAILS = [
    pytest.param(
        {
            "apprunner.yaml": (
                "  command: python3 main.py\n",
                "  command: python3 main.py\n  command: uvicorn app.main:app\n",
            )
        },
        [
            "apprunner.yaml:12:3: DC001 [error] App Runner configuration does not parse strictly: duplicate "
            "key "
            "'command' (first at line 11); YAML would silently keep only the last one"
        ],
        id="DC001-duplicate-key",
    ),
    pytest.param(
        {
            ".aws/task-definition.json": (
                '"awslogs-stream-prefix": "api"',
                '"awslogs-stream-prefix": "api\\!"',
            )
        },
        [
            ".aws/task-definition.json:24:117: DC001 [error] task definition does not parse strictly: "
            "Invalid \\escape"
        ],
        id="DC001-invalid-escape",
    ),
    pytest.param(
        {"apprunner.yaml": (SERVICE / "apprunner.yaml").read_text().replace("\n", "\r\n")},
        [
            "apprunner.yaml:1:13: DC002 [error] line ends in CRLF (16 such lines): save apprunner.yaml with "
            "LF "
            "line endings"
        ],
        id="DC002-crlf",
    ),
    pytest.param(
        {"apprunner.yaml": ("runtime: python311", "runtime: python312")},
        [
            "apprunner.yaml:2:10: DC003 [error] runtime python312 is not an App Runner managed runtime "
            "(python311, python3); App Runner fails the deployment before it builds anything"
        ],
        id="DC003-runtime",
    ),
    pytest.param(
        {"apprunner.yaml": ("runtime-version: 3.11.9", "runtime-version: 3.10")},
        [
            "apprunner.yaml:8:20: DC003 [error] runtime-version 3.10 is not a python311 version (3.11); "
            "App Runner fails the deployment before it builds anything"
        ],
        id="DC003-runtime-version-read-as-written",
    ),
    pytest.param(
        {"Dockerfile": ("COPY main.py .\n", "COPY main.py .\nCOPY gunicorn.conf.py .\n")},
        [
            "Dockerfile:12:6: DC005 [error] COPY source gunicorn.conf.py is not tracked in git (no such "
            "file in "
            "the repository)" + TRACK_TAIL
        ],
        id="DC005-copy-source",
    ),
    pytest.param(
        {
            "Dockerfile": (
                'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
                'CMD ["uvicorn", "modules.gateway:app", "--host", "0.0.0.0", "--port", "8000"]',
            )
        },
        [
            "Dockerfile:16:18: DC005 [error] uvicorn application module modules.gateway is not tracked in "
            "git (no "
            "such module in the repository)" + TRACK_TAIL
        ],
        id="DC005-cmd-module",
    ),
    pytest.param(
        {
            ".github/workflows/deploy.yml": (
                "ECS_TASK_DEFINITION: .aws/task-definition.json",
                "ECS_TASK_DEFINITION: .aws/taskdef-prod.json",
            )
        },
        [
            ".github/workflows/deploy.yml:12:24: DC005 [error] task definition .aws/taskdef-prod.json is not "
            "tracked in git (no such file in the repository)" + TRACK_TAIL
        ],
        id="DC005-workflow-task-definition",
    ),
    pytest.param(
        {".github/workflows/deploy.yml": ("IMAGE_TAG: ${{ github.sha }}", "IMAGE_TAG: latest")},
        [
            ".github/workflows/deploy.yml:45:23: DC006 [error] image ${{…}}/ava-api:latest is :latest "
            "(docker push)" + PIN_TAIL
        ],
        id="DC006-workflow-pushes-latest",
    ),
    pytest.param(
        {"apprunner.yaml": ("    port: 8000", "    port: 8080")},
        [
            "apprunner.yaml:13:11: DC009 [error] port 8080 (network.port) disagrees with 8000 at "
            "Dockerfile:16 "
            "(uvicorn --port)" + PORT_TAIL
        ],
        id="DC009-apprunner-port",
    ),
    pytest.param(
        {".aws/task-definition.json": ('"containerPort": 8000', '"containerPort": 80')},
        [
            ".aws/task-definition.json:14:42: DC009 [error] port 80 (containerPort of api) disagrees with "
            "8000 at "
            "Dockerfile:16 (uvicorn --port)" + PORT_TAIL
        ],
        id="DC009-container-port",
    ),
    pytest.param(
        {".github/workflows/deploy.yml": ("ECS_SERVICE: ava-api", "ECS_SERVICE: billing-api")},
        [
            ".github/workflows/deploy.yml:10:16: DC011 [error] service 'billing-api' disagrees with "
            "'ava-api' at "
            ".ava-safety.yaml:3 (name of service ava-api in .ava-safety.yaml)"
        ],
        id="DC011-workflow-deploys-another-name",
    ),
    pytest.param(
        {".github/workflows/deploy.yml": ("CONTAINER_NAME: api", "CONTAINER_NAME: web")},
        [
            ".github/workflows/deploy.yml:13:19: DC011 [error] container 'web' disagrees with 'api' at "
            ".ava-safety.yaml:7 (container of service ava-api in .ava-safety.yaml)"
        ],
        id="DC011-render-container",
    ),
    pytest.param(
        {".aws/task-definition.json": ('"family": "ava-api"', '"family": "ava-api-v2"')},
        [
            ".aws/task-definition.json:2:14: DC011 [error] family 'ava-api-v2' disagrees with 'ava-api' at "
            ".ava-safety.yaml:9 (task_family of service ava-api in .ava-safety.yaml)"
        ],
        id="DC011-task-family",
    ),
    pytest.param(
        {
            ".aws/task-definition.json": (
                '  "executionRoleArn": "arn:aws:iam::123456789012:role/ava-api-execution",\n',
                "",
            )
        },
        [
            ".aws/task-definition.json:14:8: DC013 [error] container api has secrets but the task "
            "definition has no "
            "executionRoleArn; ECS cannot fetch them and the task never starts"
        ],
        id="DC013-secrets-without-execution-role",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), FAILS)
def test_blocks_a_broken_change(service: Repo, run: Run, edits: Edits, expected: list[str]) -> None:
    edit(service, edits)
    result = run()
    assert result.out == expected
    assert result.code == 1


# --- warnings: reported, exit 0 unless --strict ---------------------------------------------------

WARNS = [
    pytest.param(
        {
            "Dockerfile": (
                '  CMD python -c "import urllib.request; '
                "urllib.request.urlopen('http://localhost:8000/health')\"",
                "  CMD curl -f http://localhost:8000/health || exit 1",
            )
        },
        [
            "Dockerfile:15:7: DC010 [warning] the health check runs curl, which base image python:3.11-slim "
            "does not "
            "ship and no RUN installs; the check fails and the container is replaced as unhealthy"
        ],
        id="DC010-curl-in-slim",
    ),
    pytest.param(
        {"Dockerfile": ("FROM python:3.11-slim AS base", "FROM python AS base")},
        [
            "Dockerfile:1:6: DC007 [warning] base image python is untagged, so :latest: the image changes "
            "under your "
            "builds; pin a version tag (python:3.11-slim) or a digest"
        ],
        id="DC007-from-untagged",
    ),
    pytest.param(
        {
            "apprunner.yaml": [
                ("runtime: python311", "runtime: python3"),
                ("runtime-version: 3.11.9", "runtime-version: 3.8"),
            ]
        },
        [
            "apprunner.yaml:2:10: DC004 [warning] runtime python3 (Python 3.7/3.8) reached App Runner's end "
            "of support "
            "on 2025-12-01; move to python311",
        ],
        id="DC004-end-of-support",
    ),
    pytest.param(
        {".github/workflows/hotfix.yml": (SERVICE / ".github/workflows/deploy.yml").read_text()},
        [
            ".github/workflows/hotfix.yml:56:7: DC012 [warning] ecs service ava-api is also deployed by "
            ".github/workflows/deploy.yml:56; two enabled pipelines race, and whichever finishes last "
            "decides what runs"
        ],
        id="DC012-second-pipeline",
    ),
    pytest.param(
        {".aws/service.json": ('"rollback": true', '"rollback": false')},
        [
            ".aws/service.json:8:5: DC014 [warning] ECS service ava-api has no deployment circuit breaker "
            "with "
            "rollback; a deployment whose tasks keep failing retries for hours instead of rolling back"
        ],
        id="DC014-no-rollback",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), WARNS)
def test_warns_without_blocking_unless_strict(
    service: Repo, run: Run, edits: Edits, expected: list[str]
) -> None:
    paths = edit(service, edits)
    result = run(*paths)
    assert (result.code, result.out) == (0, expected)
    assert run("--strict", *paths).code == 1


def test_registry_allowlist_judges_every_image_with_a_known_registry(service: Repo, run: Run) -> None:
    edit(
        service,
        {
            ".ava-safety.yaml": (
                "packs: [generic]\n",
                'packs: [generic]\nimage_registries: ["*.dkr.ecr.*.amazonaws.com"]\n',
            )
        },
    )
    # the task definition's ECR image is allowed; the workflow pushes to a registry known only at run
    # time; the CI workflow's postgres service container is not deployed
    assert run("--all-files").out == [
        "Dockerfile:1:6: DC008 [error] image python:3.11-slim comes from docker.io, which image_registries "
        "in "
        ".ava-safety.yaml does not allow (*.dkr.ecr.*.amazonaws.com)"
    ]
    edit(
        service,
        {
            "Dockerfile": (
                "FROM python:3.11-slim",
                "FROM 123456789012.dkr.ecr.eu-central-1.amazonaws.com/base/python:3.11-slim",
            )
        },
    )
    assert run("--all-files").code == 0


# --- what is checked, and where a disagreement is reported -----------------------------------------


def test_a_change_to_one_file_is_checked_against_the_rest_of_the_deployment(service: Repo, run: Run) -> None:
    edit(service, {"main.py": ("port=8000", "port=8001")})
    result = run()  # only main.py is staged
    assert result.out == [
        "main.py:4:54: DC009 [error] port 8001 (uvicorn.run(port=...)) disagrees with 8000 at Dockerfile:16 "
        "(uvicorn --port)" + PORT_TAIL
    ]
    assert result.code == 1


def test_every_file_of_a_disagreement_is_reported_the_odd_one_at_each_port(service: Repo, run: Run) -> None:
    edit(service, {"apprunner.yaml": ("    port: 8000", "    port: 8080")})
    result = run("--all-files")
    odd = (
        "apprunner.yaml:13:11: DC009 [error] port 8080 (network.port) disagrees with 8000 at Dockerfile:16 "
        "(uvicorn --port)" + PORT_TAIL
    )
    assert odd in result.out
    # each file that agrees with the others hears of it once, at its first port
    rest = [line.split(": DC009 ") for line in result.out if line != odd]
    assert [site.rsplit(":", 2)[0] for site, _ in rest] == sorted(
        {site.rsplit(":", 2)[0] for site, _ in rest}
    )
    assert rest and all("disagrees with 8080 at apprunner.yaml:13 (network.port)" in text for _, text in rest)


def test_adding_the_odd_file_blocks_that_commit(repo: Repo, run: Run) -> None:
    # regression: a Dockerfile on 8000 added to a service on 8080 passed (the majority vote sent the
    # finding to the unchanged apprunner.yaml) and the next edit of apprunner.yaml was blocked
    repo.write({"apprunner.yaml": "version: 1.0\nruntime: python311\nrun:\n  command: python main.py\n"
                "  network:\n    port: 8080\n", "main.py": "print('hi')\n"})  # fmt: skip
    repo.commit("service on 8080")
    repo.write({"Dockerfile": "FROM python:3.11-slim\nENV PORT=8000\nEXPOSE 8000\n"
                "CMD [\"uvicorn\", \"main:app\", \"--port\", \"8000\"]\n"})  # fmt: skip
    repo.add()
    result = run()
    assert result.code == 1
    assert (
        "Dockerfile:2:10: DC009 [error] port 8000 (ENV PORT) disagrees with 8080 at apprunner.yaml:6 "
        "(network.port)" + PORT_TAIL
    ) in result.out


def test_on_a_tie_every_file_of_the_disagreement_is_reported(repo: Repo, run: Run) -> None:
    repo.write(
        {
            "Dockerfile": "FROM python:3.11-slim\nEXPOSE 8000\n",
            "apprunner.yaml": "version: 1.0\nruntime: python311\nrun:\n  command: python main.py\n",
            "main.py": "print('hi')\n",
        }
    )
    repo.add()
    assert run().out == [
        "Dockerfile:2:8: DC009 [error] port 8000 (EXPOSE) disagrees with 8080 at apprunner.yaml:3 (App "
        "Runner's "
        "default port (no network.port))" + PORT_TAIL,
        "apprunner.yaml:3:1: DC009 [error] port 8080 (App Runner's default port (no network.port)) "
        "disagrees with "
        "8000 at Dockerfile:2 (EXPOSE)" + PORT_TAIL,
    ]


DOCKERFILE = "FROM python:3.11-slim\nEXPOSE {expose}\nCMD uvicorn main:app --port {port}\n"


def test_services_in_their_own_directories_are_compared_separately(repo: Repo, run: Run) -> None:
    repo.write(
        {
            "services/api/Dockerfile": DOCKERFILE.format(expose=8000, port=8000),
            "services/api/main.py": "app = None\n",
            "services/worker/Dockerfile": DOCKERFILE.format(expose=9000, port=9001),
            "services/worker/main.py": "app = None\n",
        }
    )
    repo.add()
    assert run().out == [
        "services/worker/Dockerfile:2:8: DC009 [error] port 9000 (EXPOSE) disagrees with 9001 at "
        "services/worker/Dockerfile:3 (uvicorn --port)" + PORT_TAIL,
        "services/worker/Dockerfile:3:29: DC009 [error] port 9001 (uvicorn --port) disagrees with 9000 at "
        "services/worker/Dockerfile:2 (EXPOSE)" + PORT_TAIL,
    ]


STAGING_WORKFLOW = """\
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: aws ecs update-service --cluster {cluster} --service {service} --force-new-deployment
"""


def test_configured_services_own_the_files_their_globs_match(repo: Repo, run: Run) -> None:
    repo.write(
        {
            ".ava-safety.yaml": (
                "services:\n"
                "  - {name: api-staging, provider: ecs, cluster: staging,\n"
                "     files: [.github/workflows/staging.yml]}\n"
                "  - {name: api, provider: ecs, cluster: prod, files: [.github/workflows/prod.yml]}\n"
            ),
            ".github/workflows/staging.yml": STAGING_WORKFLOW.format(
                cluster="staging", service="api-staging"
            ),
            ".github/workflows/prod.yml": STAGING_WORKFLOW.format(cluster="prod", service="api-staging"),
        }
    )
    repo.add()
    assert run().out == [
        ".ava-safety.yaml:4:12: DC011 [error] service 'api' disagrees with 'api-staging' at "
        ".github/workflows/prod.yml:8 (--service); it names another service (.ava-safety.yaml:2): the "
        "wrong service is deployed",
        ".github/workflows/prod.yml:8:62: DC011 [error] service 'api-staging' disagrees with 'api' at "
        ".ava-safety.yaml:4 (name of service api in .ava-safety.yaml); it names another service "
        "(.ava-safety.yaml:2): the wrong service is deployed",
    ]


def test_a_file_the_deployment_names_must_be_in_git_not_only_on_disk(service: Repo, run: Run) -> None:
    edit(service, {"modules/billing/__init__.py": "", "modules/billing/api.py": "app = None\n"}, stage=False)
    edit(
        service,
        {
            "Dockerfile": [
                ("COPY main.py .\n", "COPY main.py .\nCOPY scripts/entrypoint.sh /entrypoint.sh\n"),
                ('"app.main:app"', '"modules.billing.api:app"'),
            ],
            "scripts/entrypoint.sh": '#!/bin/sh\nexec "$@"\n',
        },
    )
    service.git("rm", "-q", "--cached", "scripts/entrypoint.sh")
    result = run("Dockerfile")
    assert result.out == [
        "Dockerfile:12:6: DC005 [error] COPY source scripts/entrypoint.sh is not tracked in git "
        "(scripts/entrypoint.sh exists only in this working tree: git add it)" + TRACK_TAIL,
        "Dockerfile:17:18: DC005 [error] uvicorn application module modules.billing.api is not tracked in "
        "git "
        "(modules/billing/api.py exists only in this working tree: git add it)" + TRACK_TAIL,
    ]
    service.add("scripts/entrypoint.sh", "modules/billing/__init__.py", "modules/billing/api.py")
    assert run("Dockerfile").code == 0


# --- near misses: no finding ---------------------------------------------------------------------

NEAR_MISSES = [
    pytest.param(
        {".aws/task-definition.json": ("ava-api:bootstrap", "ava-api:latest")},
        id="DC006-placeholder-image-the-workflow-renders",
    ),
    pytest.param(
        {
            ".github/workflows/deploy.yml": (
                "          docker push $ECR_REGISTRY/$ECR_REPOSITORY:$IMAGE_TAG\n",
                "          docker push $ECR_REGISTRY/$ECR_REPOSITORY:$IMAGE_TAG\n"
                "          docker tag $ECR_REGISTRY/$ECR_REPOSITORY:$IMAGE_TAG"
                " $ECR_REGISTRY/$ECR_REPOSITORY:latest\n"
                "          docker push $ECR_REGISTRY/$ECR_REPOSITORY:latest\n",
            )
        },
        id="DC006-latest-pushed-beside-the-sha",
    ),
    pytest.param(
        {
            ".github/workflows/redeploy.yml": (SERVICE / ".github/workflows/deploy.yml")
            .read_text()
            .replace("on:\n  push:\n    branches: [main]\n", "on: workflow_dispatch\n")
        },
        id="DC012-manual-redeploy-workflow",
    ),
    pytest.param(
        {"scripts/dev_server.py": "import uvicorn\n\nuvicorn.run('app.main:app', port=5000, reload=True)\n"},
        id="DC009-dev-script-the-deployment-does-not-run",
    ),
    pytest.param(
        {
            "Dockerfile": (
                'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
                'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "$PORT"]',
            )
        },
        id="DC009-port-from-the-environment",
    ),
    pytest.param(
        {"docs/example.yaml": "a: 1\na: 2\n"},
        id="DC001-yaml-that-is-not-deployment-config",
    ),
    pytest.param(
        {
            "Dockerfile": (
                "COPY main.py .\n",
                "COPY main.py .\n# ava-safety: ignore[DC005] generated by make docs\nCOPY docs/ ./docs/\n",
            )
        },
        id="suppressed-with-a-reason",
    ),
]


@pytest.mark.parametrize("edits", NEAR_MISSES)
def test_near_misses_pass(service: Repo, run: Run, edits: Edits) -> None:
    paths = edit(service, edits)
    result = run("--strict", *paths)
    assert (result.code, result.out) == (0, [])


# --- odd inputs ----------------------------------------------------------------------------------


def test_a_broken_rule_file_of_the_repo_is_a_config_error_with_its_line(service: Repo, run: Run) -> None:
    edit(
        service,
        {
            ".ava-safety.yaml": ("packs: [generic]\n", "packs: [generic]\nrules: [safety/*.yaml]\n"),
            "safety/team.yaml": "pack: team\nversion: 1\nhook: deploy-config\nversion: 2\nrules: []\n",
        },
    )
    result = run("--all-files")
    assert result.code == 2
    assert result.err[0] == (
        "safety/team.yaml:4: invalid YAML: duplicate key 'version' (first at line 2); "
        "YAML would silently keep only the last one"
    )


def test_deployment_files_nested_too_deeply_are_dc001_not_a_traceback(
    service: Repo, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 3000 + "]" * 3000
    edit(
        service,
        {
            "deep/apprunner.yaml": f"version: 1.0\nruntime: python311\nrun:\n  env: {deep}\n",
            "deep/task-definition.json": f'{{"family": "f", "containerDefinitions": {deep}}}',
        },
    )
    result = run("deep/apprunner.yaml", "deep/task-definition.json")
    assert result.code == 1
    # the words depend on the YAML library's build (libyaml has its own nesting limit)
    apprunner, task = result.out
    assert apprunner.startswith("deep/apprunner.yaml:")
    assert "DC001 [error] App Runner configuration does not parse strictly: " in apprunner
    assert task.startswith("deep/task-definition.json:")
    assert "DC001 [error] task definition does not parse strictly: " in task
    # the other hooks read the same files for the target Python and the deployment's variables
    for other in (env_vars, syntax_imports):
        capsys.readouterr()
        code = other.main(["--no-results", "app/main.py"])
        captured = capsys.readouterr()
        assert (other.__name__, code, captured.out, captured.err) == (
            other.__name__,
            0,
            "0 errors, 0 warnings in 1 file; passed\n",
            "",
        )


def test_deleting_deployment_files_is_not_an_error(service: Repo, run: Run) -> None:
    edit(service, {"Dockerfile": None, ".aws/task-definition.json": None})
    result = run("--all-files")
    assert result.out == [
        ".github/workflows/deploy.yml:12:24: DC005 [error] task definition .aws/task-definition.json is not "
        "tracked in git (no such file in the repository)" + TRACK_TAIL
    ]


def test_named_files_outside_git_are_checked_on_their_own(
    tmp_path: Path, run: Run, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python\n", encoding="utf-8")
    (tmp_path / "apprunner.yaml").write_text("version: 1.0\nruntime: python312\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("Dockerfile", "apprunner.yaml", "--strict")
    assert result.code == 1
    assert [line.split(" ", 2)[1] for line in result.out] == ["DC007", "DC003"]


def test_blocks_a_real_git_commit(service: Repo) -> None:
    script = service.root / ".git" / "hooks" / "pre-commit"
    # this interpreter, not whatever `python` is on PATH (the venv need not be activated)
    hook = f"#!/bin/sh\nexec {sys.executable} -m hooks.deploy_config --no-results\n"
    script.write_text(hook, encoding="utf-8")
    script.chmod(0o755)
    edit(service, {".aws/task-definition.json": ('"executionRoleArn"', '"executionRoleArnX"')})
    blocked = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
        cwd=service.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert blocked.returncode == 1
    assert ".aws/task-definition.json:15:8: DC013" in blocked.stdout + blocked.stderr


# --- the real pre-commit ---------------------------------------------------------------------------


def test_pre_commit_runs_the_hook_on_deployment_files(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    import os
    import sys

    from .conftest import GIT_ENV, git, make_repo

    repo = tmp_path / "svc"
    shutil.copytree(SERVICE, repo)
    make_repo(repo, {})
    path, rev = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: deploy-config\n", encoding="utf-8"
    )
    apprunner = repo / "apprunner.yaml"
    apprunner.write_text(apprunner.read_text().replace("    port: 8000", "    port: 8080"), encoding="utf-8")
    git(repo, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *args],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip

    blocked = pre_commit("run", "--all-files")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "deploy config" in blocked.stdout
    assert (
        "apprunner.yaml:13:11: DC009 [error] port 8080 (network.port) disagrees with 8000 at Dockerfile:16 "
        "(uvicorn --port)" + PORT_TAIL
    ) in blocked.stdout.splitlines()
    apprunner.write_text(apprunner.read_text().replace("    port: 8080", "    port: 8000"), encoding="utf-8")
    git(repo, "add", "-A")
    passed = pre_commit("run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    git(repo, "commit", "-q", "-m", "service")

    # under `git commit`, pre-commit passes only the staged files: main.py alone is checked,
    # against the Dockerfile and apprunner.yaml it must agree with
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    main = repo / "main.py"
    main.write_text(main.read_text().replace("port=8000", "port=8001"), encoding="utf-8")
    git(repo, "add", "main.py")
    commit = subprocess.run(
        ["git", "commit", "-m", "serve on 8001"], cwd=repo, env={**env, "HOME": str(repo)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert commit.returncode == 1, commit.stdout + commit.stderr
    assert (
        "main.py:4:54: DC009 [error] port 8001 (uvicorn.run(port=...)) disagrees with 8000 at Dockerfile:16 "
        "(uvicorn --port)" + PORT_TAIL
    ) in (commit.stdout + commit.stderr).splitlines()
    assert git(repo, "status", "--porcelain") == "M  main.py\n"
