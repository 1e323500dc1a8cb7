"""The `ecs` provider: Amazon ECS through boto3.

A deploy registers (or reuses) a task definition revision of the service's family whose container
image is pinned by digest, points the service at it with `update_service`, and waits until the
service is stable, reading the deployment's rollout state (the deployment circuit breaker's
outcome) rather than assuming it. A rollback points the service at the previous stable revision,
and refuses one whose image is a mutable tag such as `:latest`: that is not a rollback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..._config import ServiceConfig
from ..livelog import LiveLog
from . import Outcome, ProviderError, Target
from .aws_common import client, error_code, is_mutable_tag, is_pinned, pin

FIRST_PAUSE_S = 3.0
MAX_PAUSE_S = 15.0
# what register_task_definition accepts of what describe_task_definition returns
REGISTER_KEYS = (
    "family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
    "placementConstraints", "requiresCompatibilities", "cpu", "memory", "pidMode", "ipcMode",
    "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage", "runtimePlatform",
)  # fmt: skip


class EcsProvider:
    name = "ecs"

    def __init__(
        self,
        service: ServiceConfig,
        root: Path,
        clients: Mapping[str, Any] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not service.cluster:
            raise ProviderError(
                f"service {service.name}: the ecs provider needs 'cluster' in .ava-safety.yaml"
            )
        self.service = service
        self.root = root
        self.cluster = service.cluster
        self.ecs_service = service.ecs_service or service.name
        self._clients = dict(clients or {})
        self.sleep = sleep
        self.clock = clock

    def _client(self, name: str) -> Any:
        if name not in self._clients:
            self._clients[name] = client(name, self.service.region)
        return self._clients[name]

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client("ecs"), method)(**kwargs)
        except Exception as exc:
            raise ProviderError(f"ECS {method}: {error_code(exc) or exc}") from None

    def describe(self) -> dict[str, Any]:
        found = self._call("describe_services", cluster=self.cluster, services=[self.ecs_service])
        services = found.get("services") or []
        if not services or services[0].get("status") == "INACTIVE":
            raise ProviderError(f"no active ECS service {self.ecs_service!r} in cluster {self.cluster!r}")
        return dict(services[0])

    def task_definition(self, arn: str) -> dict[str, Any]:
        return dict(self._call("describe_task_definition", taskDefinition=arn)["taskDefinition"])

    def _container(self, taskdef: Mapping[str, Any]) -> dict[str, Any]:
        containers = taskdef.get("containerDefinitions", [])
        wanted = self.service.container
        for container in containers:
            if wanted is None and len(containers) == 1 or container.get("name") == wanted:
                return dict(container)
        names = ", ".join(c.get("name", "?") for c in containers)
        raise ProviderError(
            f"task definition {taskdef.get('family')}: name the container to deploy in 'container:' ({names})"
        )

    # --- the Provider interface ---------------------------------------------------------------

    def refuse(self, target: Target, *, rollback: bool) -> str | None:
        if rollback:
            arn = target.provider_ref or self._previous_stable()
            if not arn:
                return f"no earlier task definition revision of {self.ecs_service} to roll back to"
            image = self._container(self.task_definition(arn)).get("image", "")
            if is_mutable_tag(image):
                return (
                    f"task definition {arn.rsplit('/', 1)[-1]} runs {image}, a mutable tag: that is not a "
                    "rollback (it runs whatever was pushed last); roll back to a revision pinned by digest"
                )
            return None
        if not target.image:
            return f"no image for {target.version}: set 'image:' of {self.service.name} (repo:{{version}})"
        if is_mutable_tag(target.image):
            return f"{target.image} is a mutable tag: deploy a version tag or a digest"
        return None

    def deploy(self, target: Target, log: LiveLog) -> Outcome:
        try:
            image = target.image if is_pinned(target.image) else pin(target.image, self._client("ecr"))
            current = self.describe()
            arn = self._revision_with(current["taskDefinition"], image, log)
        except ProviderError as exc:
            return Outcome(False, detail=str(exc))
        return self._point(arn, log, current)

    def rollback(self, target: Target, log: LiveLog) -> Outcome:
        try:
            arn = target.provider_ref or self._previous_stable()
            if not arn:
                return Outcome(False, detail=f"no earlier task definition revision of {self.ecs_service}")
            return self._point(arn, log, self.describe())
        except ProviderError as exc:
            return Outcome(False, detail=str(exc))

    def _revision_with(self, current_arn: str, image: str, log: LiveLog) -> str:
        """The current revision when it already runs `image`, else a new revision that does."""
        taskdef = self.task_definition(current_arn)
        container = self._container(taskdef)
        if container.get("image") == image:
            log.write(f"{current_arn} already runs {image}: reused")
            return current_arn
        spec = {k: taskdef[k] for k in REGISTER_KEYS if taskdef.get(k) not in (None, [], {})}
        spec["containerDefinitions"] = [
            {**c, "image": image} if c.get("name") == container.get("name") else c
            for c in taskdef["containerDefinitions"]
        ]
        registered = self._call("register_task_definition", **spec)["taskDefinition"]
        log.write(f"registered {registered['taskDefinitionArn']} with {image}")
        return str(registered["taskDefinitionArn"])

    def _point(self, arn: str, log: LiveLog, current: Mapping[str, Any]) -> Outcome:
        notes: tuple[str, ...] = ()
        breaker = current.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker", {})
        if not breaker.get("enable"):
            notes = ("the service has no deployment circuit breaker: ECS retries failing tasks until the "
                     "health verification gives up",)  # fmt: skip
        log.write(
            f"update_service {self.cluster}/{self.ecs_service}: {arn} (was {current.get('taskDefinition')})"
        )
        self._call("update_service", cluster=self.cluster, service=self.ecs_service, taskDefinition=arn)
        return Outcome(True, ref=arn, notes=notes, operation=arn)

    def _previous_stable(self) -> str | None:
        """The newest revision of the family older than the running one whose image is pinned."""
        current = self.describe()["taskDefinition"]
        family = self.task_definition(current)["family"]
        arns = self._call("list_task_definitions", familyPrefix=family, status="ACTIVE", sort="DESC")
        older = sorted(
            (a for a in arns.get("taskDefinitionArns", []) if _revision(a) < _revision(current)),
            key=_revision, reverse=True,
        )  # fmt: skip
        for arn in older[:10]:
            if not is_mutable_tag(self._container(self.task_definition(arn)).get("image", "")):
                return str(arn)
        return older[0] if older else None

    def wait(self, outcome: Outcome, log: LiveLog) -> Outcome:
        if not outcome.ok:
            return outcome
        deadline = self.clock() + self.service.timeout_s
        pause = FIRST_PAUSE_S
        state = "IN_PROGRESS"
        while self.clock() < deadline:
            try:
                service = self.describe()
            except ProviderError as exc:
                log.write(str(exc))
                self.sleep(pause)
                continue
            mine = [d for d in service.get("deployments", []) if d.get("taskDefinition") == outcome.ref]
            primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
            deployment = mine[0] if mine else primary
            running_ours = service.get("taskDefinition") == outcome.ref
            state = str((deployment or {}).get("rolloutState", "IN_PROGRESS"))
            revision = str(service.get("taskDefinition")).rsplit("/", 1)[-1]
            log.write(
                f"service {self.ecs_service}: {state} (running {service.get('runningCount')}/"
                f"{service.get('desiredCount')}, task definition {revision})"
            )
            if state == "FAILED" or not running_ours:
                reason = (deployment or {}).get("rolloutStateReason", "")
                rolled = not running_ours
                detail = "the deployment circuit breaker " + (
                    "rolled the service back to the previous revision"
                    if rolled
                    else "marked the deployment FAILED"
                )
                return Outcome(False, outcome.ref, f"{detail}: {reason}".rstrip(": "),
                               platform_rolled_back=rolled, notes=outcome.notes)  # fmt: skip
            if state == "COMPLETED" and service.get("runningCount", 0) >= service.get("desiredCount", 0):
                return outcome
            self.sleep(pause)
            pause = min(pause * 1.5, MAX_PAUSE_S)
        detail = f"the service was not stable after {self.service.timeout_s:g}s (rollout {state})"
        return Outcome(False, outcome.ref, detail, notes=outcome.notes)

    def running(self, log: LiveLog) -> str | None:
        """The task definition revision the service runs (what the history records as provider_ref)."""
        return str(self.describe().get("taskDefinition", "")) or None

    def live_env(self) -> frozenset[str] | None:
        container = self._container(self.task_definition(self.describe()["taskDefinition"]))
        names = {e.get("name") for e in container.get("environment", [])}
        names |= {s.get("name") for s in container.get("secrets", [])}
        return frozenset(n for n in names if n)


def _revision(arn: str) -> int:
    tail = arn.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
