"""The deployment-file parsers deploy-config adds to hooks._deployment.files: images, shell, workflows."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks._deployment.commands import installs
from hooks._deployment.files import (
    UNRESOLVED,
    document,
    expand,
    load_yaml,
    parse,
    parse_dockerfile,
    parse_dockerignore,
    parse_image,
    shell_commands,
    workflow_steps,
    workflow_triggers,
)
from hooks._python.deps import read_declared
from hooks._python.target import Target, detect
from hooks._source import RunContext


@pytest.mark.parametrize(
    ("ref", "registry", "repository", "tag", "digest", "pinned"),
    [
        pytest.param("python", "docker.io", "library/python", None, None, False, id="hub-official"),
        pytest.param("python:3.11-slim", "docker.io", "library/python", "3.11-slim", None, True, id="tag"),
        pytest.param("bitnami/redis:latest", "docker.io", "bitnami/redis", "latest", None, False, id="lt"),
        pytest.param(
            "ghcr.io/org/app:1@sha256:ab", "ghcr.io", "org/app", "1", "sha256:ab", True, id="digest"
        ),
        pytest.param("localhost:5000/app", "localhost:5000", "app", None, None, False, id="port-registry"),
        pytest.param(
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/api:v3",
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com", "team/api", "v3", None, True, id="ecr",
        ),
        pytest.param(f"{UNRESOLVED}/app:{UNRESOLVED}", UNRESOLVED, "app", UNRESOLVED, None, True, id="expr"),
    ],
)  # fmt: skip
def test_parses_image_references(
    ref: str, registry: str, repository: str, tag: str | None, digest: str | None, pinned: bool
) -> None:
    image = parse_image(ref)
    assert image is not None
    assert (image.registry, image.repository, image.tag, image.digest) == (registry, repository, tag, digest)
    assert image.pinned is pinned
    assert image.name == f"{registry}/{repository}"


@pytest.mark.parametrize("ref", ["", "two words", "-t", "/abs/path", ":tag"])
def test_rejects_what_cannot_be_an_image(ref: str) -> None:
    assert parse_image(ref) is None


def test_splits_shell_into_commands_with_their_lines() -> None:
    script = (
        "docker build \\\n  -t app:1 . && docker push app:1\n"
        "# a comment\n"
        "echo 'a && b' | tee out; uvicorn main:app --port 8000 # run\n"
        'echo "unbalanced\n'
    )
    assert shell_commands(script) == [
        (0, ["docker", "build", "-t", "app:1", "."]),
        (0, ["docker", "push", "app:1"]),
        (3, ["echo", "a && b"]),
        (3, ["tee", "out"]),
        (3, ["uvicorn", "main:app", "--port", "8000"]),
        (4, ["echo", '"unbalanced']),
    ]


WORKFLOW = """\
name: deploy
on:
  push:
    branches: [main]
  workflow_dispatch:
env:
  ECR_REPOSITORY: api
  IMAGE_TAG: v1
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      IMAGE_TAG: ${{ github.sha }}
    steps:
      - uses: actions/checkout@v4
      - name: push
        env:
          REGISTRY: ${{ steps.login.outputs.registry }}
          DEBUG: true
        run: docker push $REGISTRY/$ECR_REPOSITORY:$IMAGE_TAG
      - if: ${{ false }}
        run: echo never
  disabled:
    if: false
    steps:
      - run: echo never
"""


def test_reads_workflow_steps_with_merged_env_and_literal_false_conditions() -> None:
    doc = load_yaml(WORKFLOW, "deploy.yml")
    assert workflow_triggers(doc) == {"push", "workflow_dispatch"}
    steps = workflow_steps(doc)
    assert [(s.job, s.index, s.line, s.uses, s.enabled) for s in steps] == [
        ("build", 0, 15, "actions/checkout", True),
        ("build", 1, 16, None, True),
        ("build", 2, 21, None, False),
        ("disabled", 0, 26, None, False),
    ]
    push = steps[1]
    assert push.env["ECR_REPOSITORY"] == "api"
    assert push.env["IMAGE_TAG"] == "${{ github.sha }}"
    assert push.env["DEBUG"] == "true"
    assert expand(push.data["run"], push.env, shell=True) == (f"docker push {UNRESOLVED}/api:{UNRESOLVED}")


@pytest.mark.parametrize(
    ("value", "env", "shell", "expected"),
    [
        pytest.param("${{ env.A }}", {"A": "x"}, False, "x", id="env-expression"),
        pytest.param("${{ env.A }}", {"A": "${{ env.B }}", "B": "y"}, False, "y", id="nested"),
        pytest.param("$A-${A}", {"A": "x"}, True, "x-x", id="shell-vars"),
        pytest.param("$A", {"A": "x"}, False, "$A", id="no-shell-outside-run"),
        pytest.param("${{ 'literal' }}", {}, False, "literal", id="string-literal"),
        pytest.param("${{ github.sha }}", {}, False, UNRESOLVED, id="run-time"),
        pytest.param("${{ env.A }}", {"A": "${{ env.A }}"}, False, UNRESOLVED, id="self-reference"),
    ],
)
def test_expands_workflow_expressions(value: str, env: dict[str, str], shell: bool, expected: str) -> None:
    assert expand(value, env, shell=shell) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("on: push\njobs: {}\n", {"push"}, id="string"),
        pytest.param("on: [push, pull_request]\n", {"push", "pull_request"}, id="list"),
        pytest.param("jobs: {}\n", set(), id="none"),
        pytest.param("- a\n", set(), id="not-a-mapping"),
    ],
)
def test_reads_workflow_triggers(text: str, expected: set[str]) -> None:
    assert workflow_triggers(load_yaml(text, "w.yml")) == expected


def test_ignores_jobs_and_steps_that_are_not_mappings() -> None:
    doc = load_yaml("jobs:\n  a: 1\n  b:\n    steps: [1, {run: x}]\n", "w.yml")
    assert [(s.job, s.index) for s in workflow_steps(doc)] == [("b", 1)]
    assert workflow_steps(load_yaml("jobs: 3\n", "w.yml")) == []


# --- the one reader: what it could read and what is wrong, once per run -------------------------------


def _context(tmp_path: Path, files: dict[str, str]) -> RunContext:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return RunContext(tmp_path, frozenset(files))


DUPLICATED = "version: 1.0\nruntime: python311\nrun:\n  runtime-version: 3.10\n  command: a\n  command: b\n"


def test_a_duplicate_key_is_an_error_and_the_file_is_still_read(tmp_path: Path) -> None:
    context = _context(tmp_path, {"apprunner.yaml": DUPLICATED, "td.json": '{"family": "a", "family": "b"}'})
    doc = document(context, "apprunner.yaml")
    assert doc is not None and doc.error is not None
    assert (doc.error.line, doc.error.col) == (6, 3)
    assert doc.error.message.startswith("invalid YAML: duplicate key 'command' (first at line 5)")
    assert doc.data["run"]["command"] == "b"  # what App Runner's own loader reads: the last one
    assert doc.usable is None  # checks of validity do not trust it
    assert document(context, "apprunner.yaml") is doc  # read once per run
    taskdef = parse("task-definition.json", '{"family": "a", "family": "b"}', "taskdef")
    assert taskdef.error is not None and taskdef.data == {"family": "b"}
    broken = parse("apprunner.yaml", "run: [unclosed\n", "apprunner")
    assert broken.error is not None and broken.data is None


def test_target_detection_reads_the_runtime_of_a_file_deploy_config_rejects(tmp_path: Path) -> None:
    context = _context(tmp_path, {"apprunner.yaml": DUPLICATED})
    # the unquoted 3.10 is read as written (YAML would read the number 3.1)
    assert detect(context) == Target((3, 10), "apprunner.yaml runtime-version")


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        pytest.param("ARG PY=3.11\nFROM python:${PY}-slim AS build\nFROM python:3.12\n",
                     ((3, 12), "Dockerfile:3"), id="last-python-stage"),
        pytest.param("ARG PY=3.9\nFROM --platform=linux/amd64 public.ecr.aws/docker/library/python:$PY\n",
                     ((3, 9), "Dockerfile:2"), id="registry-and-build-arg"),
        pytest.param("FROM python:${PY:-3.13}\nFROM node:22\n", ((3, 13), "Dockerfile:1"), id="arg-default"),
        pytest.param("FROM python:$UNKNOWN\n", None, id="unresolved"),
        pytest.param("FROM \\\n  python:3.10-slim\n", ((3, 10), "Dockerfile:1"), id="continuation"),
    ],
)  # fmt: skip
def test_target_detection_reads_the_dockerfile_through_its_reader(
    tmp_path: Path, dockerfile: str, expected: tuple[tuple[int, int], str] | None
) -> None:
    target = detect(_context(tmp_path, {"Dockerfile": dockerfile}))
    if expected is None:
        assert not target.declared
    else:
        assert (target.version, target.origin) == expected


def test_dockerfile_parser_directives_continuations_and_heredocs() -> None:
    text = (
        "# escape=`\n"
        "FROM python:3.12\n"
        "RUN pip install `\n"
        "  # a comment inside the continuation\n"
        "\n"
        "  fastapi\n"
        "RUN <<EOF\n"
        "pip install not-an-instruction\n"
        "EOF\n"
        'CMD ["uvicorn", "app:app"\n'
    )
    found = [(i.line, i.keyword, i.args, i.exec_form) for i in parse_dockerfile(text)]
    assert found == [
        (2, "FROM", "python:3.12", None),
        (3, "RUN", "pip install  fastapi", None),
        (7, "RUN", "<<EOF", None),
        (10, "CMD", '["uvicorn", "app:app"', None),  # not JSON: Docker runs it as a shell string
    ]


def test_dependency_installs_read_from_every_way_a_build_runs_pip(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12-slim AS build\n"
        'RUN ["pip", "install", "--no-cache-dir", "-r", "requirements/prod.txt"]\n'
        "RUN --mount=type=cache,target=/root/.cache \\\n"
        "    python -m pip install -c constraints.txt 'uvicorn[standard]'\n"
        "FROM python:3.12-slim\n"
        "RUN uv pip install --index-url https://pypi.example.com/simple sentry-sdk==2.0 ./vendor/lib\n"
        "RUN pip3.12 install -r /app/requirements/missing.txt && echo 'pip install not-this'\n"
    )
    files = {
        "Dockerfile": dockerfile,
        "requirements/prod.txt": "fastapi\n",
        "constraints.txt": "uvicorn<1\n",
        "apprunner.yaml": "version: 1.0\nbuild:\n  commands:\n    build: pip install gunicorn\n"
        "run:\n  pre-run:\n    - pip install --requirement=requirements/prod.txt\n",
    }  # fmt: skip
    context = _context(tmp_path, files)
    found = [
        (i.line, i.install.requirements, i.install.constraints, i.install.packages, i.requirement_files,
         i.constraint_files)
        for path in ("Dockerfile", "apprunner.yaml") for i in installs(context, path)
    ]  # fmt: skip
    assert found == [
        (2, ("requirements/prod.txt",), (), (), ("requirements/prod.txt",), ()),
        (3, (), ("constraints.txt",), ("uvicorn[standard]",), (), ("constraints.txt",)),
        (6, (), (), ("sentry-sdk==2.0",), (), ()),
        (7, ("/app/requirements/missing.txt",), (), (), (), ()),
        (4, (), (), ("gunicorn",), (), ()),
        (7, ("requirements/prod.txt",), (), (), ("requirements/prod.txt",), ()),
    ]
    declared = read_declared(context)
    assert sorted(
        (r.name, r.origin, r.dev) for r in declared.requirements if r.origin.startswith("Dockerfile")
    ) == [
        ("sentry-sdk", "Dockerfile:6", False),
        ("uvicorn", "Dockerfile:3", False),
    ]
    assert ("fastapi", "requirements/prod.txt:1", False) in {
        (r.name, r.origin, r.dev) for r in declared.requirements
    }


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        pytest.param("cdk/app.py", True, id="a-directory-and-below"),
        pytest.param("cdk", True, id="the-directory-itself"),
        pytest.param("app/cdk/x.py", False, id="anchored-at-the-context-root"),
        pytest.param("README.md", True, id="root-glob"),
        pytest.param("docs/guide.md", False, id="root-glob-not-deeper"),
        pytest.param("app/__pycache__/m.pyc", True, id="double-star"),
        pytest.param("tests/test_app.py", True, id="excluded-tree"),
        pytest.param("tests/fixtures/data.json", False, id="re-included-by-an-exception"),
        pytest.param("infra/main.py", True, id="leading-slash-and-dot-cleaned"),
        pytest.param("app/main.py", False, id="not-named"),
    ],
)
def test_dockerignore_follows_dockers_rules(path: str, excluded: bool) -> None:
    text = "# comment\n\n  cdk/  \n*.md\n**/__pycache__\ntests\n!tests/fixtures\n/./infra\n../outside\n[bad\n"
    assert parse_dockerignore("", text).excludes(path) is excluded


def test_dockerignore_of_a_subdirectory_context_judges_only_that_tree() -> None:
    ignored = parse_dockerignore("services/api", "tests/\n")
    assert ignored.excludes("services/api/tests/test_x.py")
    assert not ignored.excludes("tests/test_x.py")
    assert not ignored.excludes("services/api-tests/x.py")
