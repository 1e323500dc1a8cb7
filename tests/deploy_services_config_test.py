"""`services:` (mapping and list forms) and `history:` in .ava-safety.yaml: read, and every error at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks._config import HealthConfig, NotifyConfig, load_config
from hooks._errors import ConfigErrors

FULL = """\
history: postgresql://deploy@db.internal/ops
services:
  web:
    provider: command
    deploy: [./scripts/deploy.sh, "{version}", "{commit}"]
    rollback: [./scripts/deploy.sh, "{version}", "{commit}"]
    current: [./scripts/current.sh]
    gates: [syntax-imports, env-vars, deploy-config]
    health:
      url: http://127.0.0.1:8080/health
      expect: {status: 200, json: {version: "{version}", ready: true}, max_ms: 1000}
      passes: 3
      timeout_s: 60
    notify: [{webhook: "https://hooks.example.invalid/T000/B000"}]
    tag: push
  api:
    provider: apprunner
    region: eu-central-1
    service_arn: arn:aws:apprunner:eu-central-1:123456789012:service/api/abc
    image: 123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:{version}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / ".ava-safety.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigErrors) as caught:
        load_config(tmp_path)
    return [str(p) for p in caught.value.problems]


def test_the_mapping_form_reads_every_key(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(FULL, encoding="utf-8")
    config = load_config(tmp_path)
    assert config.history == "postgresql://deploy@db.internal/ops"
    web, api = config.services
    assert (web.name, web.provider, web.tag, web.line_of("gates")) == ("web", "command", "push", 8)
    assert web.deploy == ("./scripts/deploy.sh", "{version}", "{commit}")
    assert web.current == ("./scripts/current.sh",)
    assert web.gates == ("syntax-imports", "env-vars", "deploy-config")
    assert web.health == HealthConfig(
        url="http://127.0.0.1:8080/health", status=200, json=(("version", "{version}"), ("ready", "true")),
        max_ms=1000.0, passes=3, timeout_s=60.0,
    )  # fmt: skip
    assert web.notify == (NotifyConfig("https://hooks.example.invalid/T000/B000"),)
    assert (api.provider, api.region, api.gates, api.health) == ("apprunner", "eu-central-1", None, None)
    assert config.service("api") is api and config.service("nope") is None


def test_the_list_form_still_works(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(
        "services:\n  - name: api\n    provider: ecs\n    cluster: farm\n    files: [deploy/*.json]\n",
        encoding="utf-8",
    )
    (svc,) = load_config(tmp_path).services
    assert (svc.name, svc.provider, svc.cluster, svc.files, svc.line) == (
        "api",
        "ecs",
        "farm",
        ("deploy/*.json",),
        2,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("history: mysql://x\n", [
            ".ava-safety.yaml:1: 'history' must be 'sqlite' or a PostgreSQL URL such as "
            "postgresql://deploy@db.internal/ops"], id="history-kind"),
        pytest.param("history: postgresql://deploy:s3cret@db/ops\n", [
            ".ava-safety.yaml:1: 'history': do not write the password into the URL; set PGPASSWORD or use "
            "~/.pgpass"], id="history-password"),
        pytest.param("services: 3\n", [
            ".ava-safety.yaml:1: 'services' must map each service name to its settings: "
            "{web: {provider: command}}"], id="services-type"),
        pytest.param("services:\n  web:\n    provider: comand\n    deploi: [x]\n", [
            ".ava-safety.yaml:3: service 'web': 'provider' must be one of apprunner, ecs, command",
            ".ava-safety.yaml:4: service 'web': unknown key 'deploi' (did you mean 'deploy'?)"], id="typos"),
        pytest.param("services:\n  web:\n    provider: command\n    deploy: ./deploy.sh {version}\n", [
            ".ava-safety.yaml:4: service 'web': 'deploy' must be an argv list such as "
            "[./deploy.sh, \"{version}\"], never a shell string"], id="shell-string"),
        pytest.param("services:\n  web:\n    provider: command\n    deploy: [x, '{versoin}']\n", [
            ".ava-safety.yaml:4: service 'web': 'deploy': unknown placeholder {versoin} "
            "(did you mean 'version'?)"], id="placeholder"),
        pytest.param("services:\n  web:\n    provider: ecs\n    deploy: [x]\n    region: europe\n", [
            ".ava-safety.yaml:4: service 'web': 'deploy' is for the command provider; ecs deploys by itself",
            ".ava-safety.yaml:5: service 'web': 'region' 'europe' is not an AWS region such as eu-central-1",
        ], id="aws-keys"),
        pytest.param("services:\n  web:\n    gates: [syntax-import, health]\n", [
            ".ava-safety.yaml:3: service 'web': 'gates': unknown gate 'syntax-import' "
            "(did you mean 'syntax-imports'?)"], id="gate"),
        pytest.param(
            "services:\n  web:\n    health:\n      url: localhost:8080\n", [
                ".ava-safety.yaml:4: service 'web': health: 'url' must be an http:// or https:// URL such as "
                "http://127.0.0.1:8080/health"], id="health-url"),
        pytest.param(
            "services:\n  web:\n    health:\n      url: http://x/h\n      pases: 3\n      timeout_s: 0\n"
            "      expect: {status: 99, max_ms: fast, jsn: {}}\n", [
                ".ava-safety.yaml:5: service 'web': health: unknown key 'pases' (did you mean 'passes'?)",
                ".ava-safety.yaml:6: service 'web': health: 'timeout_s' must be a number from 1 to 3600",
                ".ava-safety.yaml:7: service 'web': health: expect: 'max_ms' must be a number of "
                "milliseconds",
                ".ava-safety.yaml:7: service 'web': health: expect: 'status' must be an HTTP status code "
                "such as 200",
                ".ava-safety.yaml:7: service 'web': health: expect: unknown key 'jsn' (did you mean 'json'?)",
            ], id="health-keys"),
        pytest.param("services:\n  web:\n    notify: [{webhook: x, format: teams, events: [boom]}]\n", [
            ".ava-safety.yaml:3: service 'web': notify: 'webhook' must be an http:// or https:// URL",
        ], id="notify-url"),
        pytest.param("services:\n  web:\n    notify:\n      - {webhook: 'http://h/x', format: teams,"
                     " events: [boom]}\n", [
            ".ava-safety.yaml:4: service 'web': notify: 'format' must be one of slack, json",
            ".ava-safety.yaml:4: service 'web': notify: 'events': unknown event 'boom' (one of failed, "
            "auto_rollback, rollback, succeeded)",
        ], id="notify-keys"),
        pytest.param("services:\n  web:\n    tag: remote\n    auto_rollback: maybe\n    timeout_s: -1\n", [
            ".ava-safety.yaml:3: service 'web': 'tag' must be one of local, push, none "
            "(deploy/<service>/<n> tags)",
            ".ava-safety.yaml:4: service 'web': 'auto_rollback' must be true or false",
            ".ava-safety.yaml:5: service 'web': 'timeout_s' must be a number of seconds from 1 to 86400",
        ], id="scalars"),
        pytest.param("services:\n  - provider: command\n  - name: a\n  - name: a\n", [
            ".ava-safety.yaml:2: service: 'name' is required",
            ".ava-safety.yaml:4: service 'a' is declared twice",
        ], id="list-names"),
        pytest.param("services:\n  web:\n    name: web\n", [
            ".ava-safety.yaml:3: service 'web': 'name' is its key already"], id="name-in-mapping"),
    ],
)  # fmt: skip
def test_service_errors_name_the_line_and_the_fix(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert _problems(tmp_path, text) == sorted(expected)
