"""The deployment-file parsers deploy-config adds to hooks._deployment.files: images, shell, workflows."""

from __future__ import annotations

import pytest

from hooks._deployment.files import (
    UNRESOLVED,
    expand,
    load_yaml,
    parse_image,
    shell_commands,
    workflow_steps,
    workflow_triggers,
)


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
