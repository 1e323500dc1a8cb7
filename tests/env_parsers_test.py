"""The parsers env-vars adds to hooks._deployment.files: what each deployment file sets, and where."""

from __future__ import annotations

import pytest

from hooks._deployment.files import (
    EnvEntry,
    apprunner_env,
    compose_env,
    compose_env_files,
    dockerfile_env_entries,
    dotenv_entries,
    env_references,
    is_reference,
    load_json,
    load_yaml,
    parse_dockerfile,
    sniff_kind,
    taskdef_env,
)

APPRUNNER = """\
version: 1.0
runtime: python311
build:
  commands:
    build: [pip install -r requirements.txt]
  env:
    - name: PIP_INDEX_URL
      value: https://pypi.org/simple
run:
  command: uvicorn app.main:app --port $PORT
  network:
    port: 8000
    env: APP_PORT
  env:
    - name: DEBUG
      value: false
    - name: WORKERS
      value: 2
  secrets:
    - name: DB_PASSWORD
      value-from: arn:aws:secretsmanager:eu-central-1:123456789012:secret:db
"""


def test_apprunner_env_secrets_network_and_build_env() -> None:
    entries = apprunner_env(load_yaml(APPRUNNER, "apprunner.yaml"))
    assert entries == [
        EnvEntry("DEBUG", 15, "false", "run.env", value_line=16),
        EnvEntry("WORKERS", 17, "2", "run.env", value_line=18),
        EnvEntry("DB_PASSWORD", 20, None, "run.secrets", value_line=21, reference=True),
        EnvEntry("APP_PORT", 13, None, "run.network.env", reference=True),
        EnvEntry("PIP_INDEX_URL", 7, "https://pypi.org/simple", "build.env", value_line=8, runtime=False),
    ]


def test_apprunner_without_run_section_sets_nothing() -> None:
    assert apprunner_env(load_yaml("version: 1.0\nruntime: python3\n", "apprunner.yaml")) == []
    assert apprunner_env(load_yaml("run:\n  env: [oops, {value: 1}]\n", "apprunner.yaml")) == []


def test_task_definition_environment_and_secrets_of_every_container() -> None:
    text = (
        '{"taskDefinition": {"family": "api", "containerDefinitions": [\n'
        '  {"name": "app", "environment": [{"name": "LOG_LEVEL", "value": "info"}],\n'
        '   "secrets": [{"name": "API_TOKEN", "valueFrom": "arn:aws:ssm:eu-central-1:1:parameter/t"}]},\n'
        '  {"name": "sidecar", "environment": [{"name": "MODE", "value": "${MODE}"}]}\n'
        "]}}\n"
    )
    assert taskdef_env(load_json(text)) == [
        EnvEntry("LOG_LEVEL", 2, "info", "containerDefinitions[app].environment", value_line=2),
        EnvEntry("API_TOKEN", 3, None, "containerDefinitions[app].secrets", value_line=3, reference=True),
        EnvEntry(
            "MODE", 4, "${MODE}", "containerDefinitions[sidecar].environment", value_line=4, reference=True
        ),
    ]
    assert taskdef_env(load_json('{"family": "x"}')) == []


def test_compose_environment_as_list_and_mapping_and_env_files() -> None:
    doc = load_yaml(
        "services:\n"
        "  web:\n"
        "    environment:\n"
        "      - DEBUG=1\n"
        "      - API_KEY\n"
        "      - DB_URL=${DB_URL:-postgresql://localhost/app}\n"
        "      - =nameless\n"
        "    env_file: [.env.web, {path: config/extra.env, required: false}]\n"
        "  db:\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: secret\n"
        "      POSTGRES_DB:\n"
        "    env_file: db.env\n",
        "docker-compose.yml",
    )
    assert compose_env(doc) == [
        EnvEntry("DEBUG", 4, "1", "environment", scope="web"),
        EnvEntry("API_KEY", 5, None, "environment", reference=True, scope="web"),
        EnvEntry(
            "DB_URL", 6, "${DB_URL:-postgresql://localhost/app}", "environment", reference=True, scope="web"
        ),
        EnvEntry("POSTGRES_PASSWORD", 11, "secret", "environment", scope="db"),
        EnvEntry("POSTGRES_DB", 12, None, "environment", reference=True, scope="db"),
    ]
    assert compose_env_files(doc) == [(".env.web", 8), ("config/extra.env", 8), ("db.env", 13)]


def test_dockerfile_env_reaches_runtime_only_from_the_final_stage_and_its_parents() -> None:
    text = (
        "FROM python:3.11 AS base\n"
        "ENV APP_HOME=/app\n"
        "FROM base AS build\n"
        "ARG PIP_TOKEN\n"
        "ENV BUILD_ONLY=1\n"
        "FROM base\n"
        "ENV A=1 B=$PIP_TOKEN\n"
        "ENV LEGACY value with spaces\n"
    )
    assert dockerfile_env_entries(parse_dockerfile(text)) == [
        EnvEntry("APP_HOME", 2, "/app", "ENV"),
        EnvEntry("PIP_TOKEN", 4, None, "ARG", runtime=False),
        EnvEntry("BUILD_ONLY", 5, "1", "ENV", runtime=False),
        EnvEntry("A", 7, "1", "ENV"),
        EnvEntry("B", 7, "$PIP_TOKEN", "ENV", reference=True),
        EnvEntry("LEGACY", 8, "value with spaces", "ENV"),
    ]


def test_dotenv_entries_and_references() -> None:
    assert dotenv_entries("# c\nexport A=1\nB='x y'\n") == [
        EnvEntry("A", 2, "1", "dotenv"),
        EnvEntry("B", 3, "x y", "dotenv"),
    ]
    assert env_references("gunicorn -b :${PORT:-8000} -w $WORKERS '$$' ${X}") == {"PORT", "WORKERS", "X"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("${DB_PASSWORD}", True, id="braces"),
        pytest.param("$DB_PASSWORD", True, id="bare"),
        pytest.param("{{resolve:secretsmanager:db:SecretString:password}}", True, id="cloudformation"),
        pytest.param("hunter2", False, id="plain"),
        pytest.param("pa$$word1", False, id="escaped-dollar"),
    ],
)
def test_is_reference(value: str, expected: bool) -> None:
    assert is_reference(value) is expected


def test_a_bare_dollar_is_literal_where_the_platform_does_not_interpolate() -> None:
    # App Runner and ECS pass values as written: `pa$word` is a password, `${X}` a CI template
    assert is_reference("pa$word", bare=False) is False
    assert is_reference("${DB_PASSWORD}", bare=False) is True


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        pytest.param("apprunner.yaml", "", "apprunner", id="by-name"),
        pytest.param("deploy/prod.json", '{"containerDefinitions": []}', "taskdef", id="json-taskdef"),
        pytest.param("deploy/other.json", '{"a": 1}', None, id="json-other"),
        pytest.param("deploy/svc.yaml", "version: 1.0\nrun:\n  env: []\n", "apprunner", id="yaml-run"),
        pytest.param("deploy/stack.yaml", "services:\n  web: {}\n", "compose", id="yaml-services"),
        pytest.param("deploy/prod.vars", "# c\nA=1\n", "dotenv", id="assignments"),
        pytest.param("notes.txt", "hello\n", None, id="nothing"),
    ],
)
def test_sniff_kind(path: str, text: str, kind: str | None) -> None:
    assert sniff_kind(path, text) == kind
