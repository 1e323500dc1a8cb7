"""The AWS providers: App Runner with botocore's Stubber and recorded responses, ECS with moto."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from hooks._config import ServiceConfig  # noqa: E402
from hooks._deploy.livelog import LiveLog  # noqa: E402
from hooks._deploy.providers import Outcome, Target  # noqa: E402
from hooks._deploy.providers.aws_apprunner import AppRunnerProvider  # noqa: E402
from hooks._deploy.providers.aws_common import is_mutable_tag, pin, split_image  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "aws"
ARN = "arn:aws:apprunner:eu-central-1:123456789012:service/farm-api/8fe1e10304f84fd2b0df550fe98a71fa"
REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/farm-api"
NEW = REPO + "@sha256:" + "2" * 64
OP = "5b0c4e3b-d4f5-46b2-a5e6-c7b1d2e3f401"


def recorded(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


def describe(status: str = "RUNNING", *, auto: bool = False) -> dict[str, Any]:
    data = recorded("apprunner-describe-image-service.json")
    data.pop("OperationId")
    data["Service"]["Status"] = status
    data["Service"]["SourceConfiguration"]["AutoDeploymentsEnabled"] = auto
    return data


def operations(*statuses: str) -> dict[str, Any]:
    data = recorded("apprunner-list-operations.json")
    data["OperationSummaryList"][0]["Status"] = statuses[0]
    return data


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")


@pytest.fixture
def apprunner() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("apprunner", region_name="eu-central-1", config=Config(retries={"max_attempts": 1}))
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def provider(client: Any, fake: FakeTime, timeout_s: float = 600, **clients: Any) -> AppRunnerProvider:
    service = ServiceConfig(name="farm-api", provider="apprunner", region="eu-central-1", service_arn=ARN,
                            image=REPO + ":{version}", timeout_s=timeout_s)  # fmt: skip
    return AppRunnerProvider(
        service, Path("."), {"apprunner": client, **clients}, sleep=fake.sleep, clock=fake.clock
    )


def expected_update(image: str) -> dict[str, Any]:
    source = copy.deepcopy(describe()["Service"]["SourceConfiguration"])
    source["ImageRepository"]["ImageIdentifier"] = image
    return {"ServiceArn": ARN, "SourceConfiguration": source}


def test_an_image_deploy_carries_the_full_image_configuration_and_waits(
    apprunner: tuple[Any, Stubber], tmp_path: Path
) -> None:
    client, stub = apprunner
    fake = FakeTime()
    stub.add_response("describe_service", describe(), {"ServiceArn": ARN})
    update = recorded("apprunner-describe-image-service.json")
    stub.add_response(
        "update_service", {"Service": update["Service"], "OperationId": OP}, expected_update(NEW)
    )
    stub.add_response("list_operations", operations("IN_PROGRESS"), {"ServiceArn": ARN, "MaxResults": 20})
    stub.add_response("list_operations", operations("SUCCEEDED"), {"ServiceArn": ARN, "MaxResults": 20})
    stub.add_response("describe_service", describe(), {"ServiceArn": ARN})
    p = provider(client, fake)
    log = LiveLog(tmp_path / "log")
    started = p.deploy(Target("farm-api", "v2", "c" * 40, NEW), log)
    assert started == Outcome(True, ref=NEW, operation=OP)
    assert p.wait(started, log) == started
    assert fake.pauses == [2.0]
    log.close()
    text = (tmp_path / "log").read_text()
    assert f"operation {OP}: IN_PROGRESS" in text and f"operation {OP}: SUCCEEDED" in text


def test_a_failed_operation_fails_the_deploy(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    stub.add_response("list_operations", operations("FAILED"), {"ServiceArn": ARN, "MaxResults": 20})
    outcome = provider(client, FakeTime()).wait(Outcome(True, NEW, operation=OP), LiveLog(None))
    assert outcome == Outcome(False, NEW, "App Runner reports the operation FAILED")


def test_a_platform_rollback_is_a_failed_deploy(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    for status in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCEEDED"):
        stub.add_response("list_operations", operations(status), {"ServiceArn": ARN, "MaxResults": 20})
    outcome = provider(client, FakeTime()).wait(Outcome(True, NEW, operation=OP), LiveLog(None))
    assert not outcome.ok and outcome.platform_rolled_back
    assert outcome.detail == "App Runner rolled the deploy back itself (ROLLBACK_SUCCEEDED)"


def test_throttling_is_backed_off_and_retried(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    fake = FakeTime()
    stub.add_response("describe_service", describe(), {"ServiceArn": ARN})
    stub.add_client_error("update_service", "ThrottlingException", "Rate exceeded", 400)
    stub.add_client_error("update_service", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response(
        "update_service", {"Service": describe()["Service"], "OperationId": OP}, expected_update(NEW)
    )
    outcome = provider(client, fake).deploy(Target("farm-api", "v2", "", NEW), LiveLog(None))
    assert outcome.ok and outcome.operation == OP
    assert fake.pauses == [2.0, 4.0]


def test_an_operation_in_progress_is_waited_out_then_deployed(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    fake = FakeTime()
    stub.add_response("describe_service", describe("OPERATION_IN_PROGRESS"), {"ServiceArn": ARN})
    stub.add_response("describe_service", describe("OPERATION_IN_PROGRESS"), {"ServiceArn": ARN})
    stub.add_response("describe_service", describe(), {"ServiceArn": ARN})
    stub.add_response(
        "update_service", {"Service": describe()["Service"], "OperationId": OP}, expected_update(NEW)
    )
    outcome = provider(client, fake).deploy(Target("farm-api", "v2", "", NEW), LiveLog(None))
    assert outcome.ok and fake.pauses == [2.0, 3.0]


def test_a_service_stuck_in_progress_changes_nothing(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    fake = FakeTime()
    for _ in range(3):  # at 0, 2 and 5 seconds
        stub.add_response("describe_service", describe("OPERATION_IN_PROGRESS"), {"ServiceArn": ARN})
    outcome = provider(client, fake, timeout_s=5).deploy(Target("farm-api", "v2", "", NEW), LiveLog(None))
    assert outcome == Outcome(
        False, detail="the service stayed OPERATION_IN_PROGRESS for 5s; nothing changed"
    )


def test_an_operation_still_running_at_the_limit_fails(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    for _ in range(3):
        stub.add_response("list_operations", operations("IN_PROGRESS"), {"ServiceArn": ARN, "MaxResults": 20})
    outcome = provider(client, FakeTime(), timeout_s=6).wait(Outcome(True, NEW, operation=OP), LiveLog(None))
    assert outcome.detail == "the operation was still IN_PROGRESS after 6s"


def test_a_rollback_warns_when_automatic_deployments_would_undo_it(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    stub.add_response("describe_service", describe(auto=True), {"ServiceArn": ARN})
    expected = expected_update(NEW)
    expected["SourceConfiguration"]["AutoDeploymentsEnabled"] = True
    stub.add_response("update_service", {"Service": describe()["Service"], "OperationId": OP}, expected)
    outcome = provider(client, FakeTime()).rollback(
        Target("farm-api", "v1", "", "", provider_ref=NEW), LiveLog(None)
    )
    assert outcome.ok
    assert outcome.notes[0].startswith("automatic deployments are on for this service: the next push")


def test_a_tag_is_pinned_by_its_ecr_digest(apprunner: tuple[Any, Stubber]) -> None:
    ecr = boto3.client("ecr", region_name="eu-central-1")
    with Stubber(ecr) as stub:
        stub.add_response(
            "describe_images",
            {
                "imageDetails": [
                    {
                        "registryId": "123456789012",
                        "repositoryName": "farm-api",
                        "imageDigest": "sha256:" + "2" * 64,
                        "imageTags": ["v2"],
                    }
                ]
            },  # fmt: skip
            {"registryId": "123456789012", "repositoryName": "farm-api", "imageIds": [{"imageTag": "v2"}]},
        )
        assert pin(REPO + ":v2", ecr) == NEW


def test_the_live_environment_and_mutable_rollback_targets(apprunner: tuple[Any, Stubber]) -> None:
    client, stub = apprunner
    stub.add_response("describe_service", describe(), {"ServiceArn": ARN})
    p = provider(client, FakeTime())
    assert p.live_env() == frozenset({"WEATHER_URL", "LOG_LEVEL", "DATABASE_URL"})
    refusal = p.refuse(Target("farm-api", "v1", "", "", provider_ref=REPO + ":latest"), rollback=True)
    assert refusal == f"{REPO}:latest is a mutable tag: it runs what was pushed last, not v1"
    assert p.refuse(Target("farm-api", "v1", "", "", provider_ref=NEW), rollback=True) is None


@pytest.mark.parametrize(
    ("image", "parts", "mutable"),
    [
        pytest.param(
            REPO + ":v2",
            ("123456789012.dkr.ecr.eu-central-1.amazonaws.com", "farm-api", "v2"),
            False,
            id="ecr-tag",
        ),  # fmt: skip
        pytest.param("nginx", ("", "nginx", ""), True, id="untagged"),
        pytest.param("localhost:5000/app:latest", ("localhost:5000", "app", "latest"), True, id="latest"),
        pytest.param(
            NEW, ("123456789012.dkr.ecr.eu-central-1.amazonaws.com", "farm-api", ""), False, id="digest"
        ),
    ],
)
def test_image_references(image: str, parts: tuple[str, str, str], mutable: bool) -> None:
    assert split_image(image) == parts
    assert is_mutable_tag(image) is mutable


# --- ECS (moto) -------------------------------------------------------------------------------------

ECS_REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/farm-worker"


@pytest.fixture
def ecs_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A moto ECR repository with images v1 and v2, a cluster and a service running v1 by digest."""
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # moto's tasks reach RUNNING at once
    with moto.mock_aws():
        ecr = boto3.client("ecr", region_name="eu-central-1")
        ecs = boto3.client("ecs", region_name="eu-central-1")
        ecr.create_repository(repositoryName="farm-worker")
        digests = {}
        for i, tag in enumerate(("v1", "v2", "latest")):
            layer = {"digest": "sha256:" + str(i) * 64, "size": 10 + i,
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"}  # fmt: skip
            manifest = json.dumps({
                "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": f"sha256:{tag}", "size": 1}, "layers": [layer],
            })  # fmt: skip
            image = ecr.put_image(repositoryName="farm-worker", imageManifest=manifest, imageTag=tag)["image"]
            digests[tag] = f"{ECS_REPO}@{image['imageId']['imageDigest']}"
        ecs.create_cluster(clusterName="farm")
        first = ecs.register_task_definition(
            family="farm-worker", executionRoleArn="arn:aws:iam::123456789012:role/exec",
            containerDefinitions=[{
                "name": "worker", "image": digests["v1"], "memory": 512,
                "environment": [{"name": "WEATHER_URL", "value": "https://w.example"}],
                "secrets": [{"name": "DATABASE_URL", "valueFrom": "arn:aws:secretsmanager:x:1:s:db"}],
            }],
        )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
        ecs.create_service(
            cluster="farm", serviceName="farm-worker", taskDefinition=first, desiredCount=1,
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        )  # fmt: skip
        yield {**digests, "first": first}


def ecs_provider(**kw: Any) -> Any:
    from hooks._deploy.providers.aws_ecs import EcsProvider

    service = ServiceConfig(name="farm-worker", provider="ecs", region="eu-central-1", cluster="farm",
                            container="worker", image=ECS_REPO + ":{version}", timeout_s=60)  # fmt: skip
    fake = FakeTime()
    return EcsProvider(service, Path("."), sleep=fake.sleep, clock=fake.clock, **kw)


def test_ecs_deploys_a_revision_pinned_by_digest_and_rolls_back(
    ecs_world: dict[str, str], tmp_path: Path
) -> None:
    p = ecs_provider()
    log = LiveLog(tmp_path / "log")
    started = p.deploy(Target("farm-worker", "v2", "", ECS_REPO + ":v2"), log)
    assert started.ok, started.detail
    assert started.ref.endswith("task-definition/farm-worker:2")
    assert p.wait(started, log).ok
    assert p.running(log) == started.ref
    assert p.live_env() == frozenset({"WEATHER_URL", "DATABASE_URL"})
    again = p.deploy(Target("farm-worker", "v2", "", ECS_REPO + ":v2"), log)
    assert again.ref == started.ref  # the revision that already runs the digest is reused
    back = p.rollback(Target("farm-worker", "v1", ""), log)  # no history: the previous stable revision
    assert back.ok and back.ref == ecs_world["first"]
    assert p.wait(back, log).ok and p.running(log) == ecs_world["first"]
    log.close()
    assert (
        "registered arn:aws:ecs:eu-central-1:123456789012:task-definition/farm-worker:2"
        in (tmp_path / "log").read_text()
    )


def test_ecs_refuses_a_mutable_tag_as_a_rollback_target(ecs_world: dict[str, str]) -> None:
    ecs = boto3.client("ecs", region_name="eu-central-1")
    latest = ecs.register_task_definition(
        family="farm-worker",
        containerDefinitions=[{"name": "worker", "image": ECS_REPO + ":latest", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    p = ecs_provider()
    refusal = p.refuse(Target("farm-worker", "v0", "", provider_ref=latest), rollback=True)
    assert refusal is not None and refusal.startswith(
        f"task definition farm-worker:2 runs {ECS_REPO}:latest, a"
    )
    assert "that is not a rollback" in refusal
    assert p.refuse(Target("farm-worker", "v9", "", ECS_REPO + ":latest"), rollback=False) == (
        f"{ECS_REPO}:latest is a mutable tag: deploy a version tag or a digest"
    )


def test_ecs_reads_the_circuit_breaker_outcome(tmp_path: Path) -> None:
    ecs = boto3.client("ecs", region_name="eu-central-1", config=Config(retries={"max_attempts": 1}))
    new = "arn:aws:ecs:eu-central-1:123456789012:task-definition/farm-worker:7"
    old = "arn:aws:ecs:eu-central-1:123456789012:task-definition/farm-worker:6"

    def answer(task_definition: str, state: str) -> dict[str, Any]:
        return {"services": [{
            "serviceName": "farm-worker", "status": "ACTIVE", "taskDefinition": task_definition,
            "desiredCount": 2, "runningCount": 2,
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": new,
                             "rolloutState": state,
                             "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start."}],
        }], "failures": []}  # fmt: skip

    expected = {"cluster": "farm", "services": ["farm-worker"]}
    with Stubber(ecs) as stub:
        stub.add_response("describe_services", answer(new, "IN_PROGRESS"), expected)
        stub.add_response("describe_services", answer(old, "FAILED"), expected)
        outcome = ecs_provider(clients={"ecs": ecs}).wait(Outcome(True, new, operation=new), LiveLog(None))
    assert not outcome.ok and outcome.platform_rolled_back
    assert outcome.detail == (
        "the deployment circuit breaker rolled the service back to the previous revision: "
        "ECS deployment circuit breaker: tasks failed to start."
    )


def test_ecs_deploy_gates_and_rollback_through_the_protocol(
    ecs_world: dict[str, str], tmp_path: Path
) -> None:
    from hooks._config import load_config
    from hooks._deploy import protocol

    from .conftest import git, make_repo

    config = (
        "services:\n  worker:\n    provider: ecs\n    region: eu-central-1\n    cluster: farm\n"
        f"    container: worker\n    ecs_service: farm-worker\n    image: '{ECS_REPO}:{{version}}'\n"
        "    gates: [aws-credentials, live-env]\n    timeout_s: 60\n"
    )
    settings = 'import os\n\nDATABASE_URL = os.environ["DATABASE_URL"]\n'
    repo = make_repo(tmp_path / "svc", {".ava-safety.yaml": config, "settings.py": settings})
    git(repo, "tag", "v1")
    lines: list[str] = []
    first = protocol.deploy(repo, load_config(repo), None, echo=lines.append)
    assert first.code == 0, lines
    assert first.event is not None and first.event.provider_ref == ecs_world["first"]  # reused
    assert [(g["gate"], g["verdict"]) for g in first.event.gates] == [
        ("aws-credentials", "pass"),
        ("live-env", "pass"),
    ]

    (repo / "settings.py").write_text(settings + 'API_KEY = os.environ["FARM_API_KEY"]\n', encoding="utf-8")
    git(repo, "commit", "-qam", "read a new key")
    git(repo, "tag", "v2")
    blocked = protocol.deploy(repo, load_config(repo), None, echo=lines.append)
    assert blocked.code == 1
    assert (
        "    FARM_API_KEY is required by settings.py:4 but the live service's configuration does not set it"
        in lines
    )

    (repo / "settings.py").write_text(settings + "# the key stays in the console\n", encoding="utf-8")
    git(repo, "commit", "-qam", "no new key")
    git(repo, "tag", "-f", "v2")
    second = protocol.deploy(repo, load_config(repo), None, echo=lines.append)
    assert second.code == 0, lines
    assert second.event is not None and second.event.provider_ref.endswith("farm-worker:2")
    back = protocol.rollback(repo, load_config(repo), None, echo=lines.append)
    assert back.code == 0, lines
    assert back.event is not None and back.event.provider_ref == ecs_world["first"]
    assert ecs_provider().running(LiveLog(None)) == ecs_world["first"]


def test_a_code_service_deploys_a_commit_by_pushing_its_branch(
    apprunner: tuple[Any, Stubber], tmp_path: Path
) -> None:
    from .conftest import git, make_repo

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = make_repo(tmp_path / "svc", {"app.py": "print('v1')\n"})
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app.py").write_text("print('v2')\n", encoding="utf-8")
    git(repo, "commit", "-qam", "v2")
    second = git(repo, "rev-parse", "HEAD").strip()
    code = describe()
    code["Service"]["SourceConfiguration"] = {
        "CodeRepository": {
            "RepositoryUrl": "https://github.com/farm/api",
            "SourceCodeVersion": {"Type": "BRANCH", "Value": "production"},
            "CodeConfiguration": {"ConfigurationSource": "REPOSITORY"},
        },
        "AutoDeploymentsEnabled": False,
    }
    client, stub = apprunner
    for _ in range(2):
        stub.add_response("describe_service", code, {"ServiceArn": ARN})
        stub.add_response("start_deployment", {"OperationId": OP}, {"ServiceArn": ARN})
    service = ServiceConfig(name="farm-api", provider="apprunner", region="eu-central-1", service_arn=ARN)
    fake = FakeTime()
    p = AppRunnerProvider(service, repo, {"apprunner": client}, sleep=fake.sleep, clock=fake.clock)
    deployed = p.deploy(Target("farm-api", "v2", second), LiveLog(None))
    assert deployed == Outcome(True, ref=second, operation=OP)
    assert git(remote, "rev-parse", "production").strip() == second
    back = p.rollback(Target("farm-api", "v1", first), LiveLog(None))  # an older commit: a forced push
    assert back.ok and git(remote, "rev-parse", "production").strip() == first
    assert p.refuse(Target("farm-api", "v1", first), rollback=True) is None
