"""The `apprunner` provider: AWS App Runner through boto3.

Image services deploy and roll back with `update_service` to an image pinned by digest, carrying
the full image configuration (port, variables, secrets, start command) read from `describe_service`
just before, so nothing set in the console is dropped. Code services deploy a commit: it is pushed
to the service's deployment branch and deployed (`start_deployment` unless automatic deployments do
it). The operation is polled with `list_operations`/`describe_service` and a growing pause:
OPERATION_IN_PROGRESS is waited out, never failed; any ROLLBACK_* status means App Runner undid the
deploy itself, so it failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..._config import ServiceConfig
from ..livelog import LiveLog
from . import Outcome, ProviderError, Target
from .aws_common import THROTTLING, client, error_code, is_mutable_tag, is_pinned, pin

FIRST_PAUSE_S = 2.0
MAX_PAUSE_S = 15.0
BUSY = "OPERATION_IN_PROGRESS"
DONE_OK = "SUCCEEDED"
PLATFORM_ROLLBACK = ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED")


class AppRunnerProvider:
    name = "apprunner"

    def __init__(
        self,
        service: ServiceConfig,
        root: Path,
        clients: Mapping[str, Any] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.root = root
        self._clients = dict(clients or {})
        self.sleep = sleep
        self.clock = clock
        self._arn = service.service_arn

    def _client(self, name: str) -> Any:
        if name not in self._clients:
            self._clients[name] = client(name, self.service.region)
        return self._clients[name]

    @property
    def arn(self) -> str:
        if self._arn is None:
            self._arn = self._find_arn()
        return self._arn

    def _find_arn(self) -> str:
        wanted = self.service.ecs_service or self.service.name
        token: str | None = None
        while True:
            page = self._client("apprunner").list_services(**({"NextToken": token} if token else {}))
            for summary in page.get("ServiceSummaryList", []):
                if summary.get("ServiceName") == wanted:
                    return str(summary["ServiceArn"])
            token = page.get("NextToken")
            if not token:
                raise ProviderError(
                    f"no App Runner service named {wanted!r} in "
                    f"{self.service.region or 'the default region'}: set service_arn in .ava-safety.yaml"
                )

    def describe(self) -> dict[str, Any]:
        return dict(self._call("describe_service", ServiceArn=self.arn)["Service"])

    def _call(self, method: str, **kwargs: Any) -> Any:
        """An App Runner call, throttling backed off and retried (botocore retries first)."""
        pause = FIRST_PAUSE_S
        for attempt in range(6):
            try:
                return getattr(self._client("apprunner"), method)(**kwargs)
            except Exception as exc:
                if error_code(exc) not in THROTTLING or attempt == 5:
                    raise ProviderError(f"App Runner {method}: {error_code(exc) or exc}") from None
                self.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
        raise AssertionError("unreachable")

    # --- the Provider interface ---------------------------------------------------------------

    def refuse(self, target: Target, *, rollback: bool) -> str | None:
        image = target.provider_ref if rollback and target.provider_ref else target.image
        if self.service.image is None and not target.provider_ref:
            return None  # a code service: it deploys commits
        if not image:
            return f"no image for {target.version}: set 'image:' of {self.service.name} (repo:{{version}})"
        if rollback and is_mutable_tag(image):
            return f"{image} is a mutable tag: it runs what was pushed last, not {target.version}"
        return None

    def deploy(self, target: Target, log: LiveLog) -> Outcome:
        return self._put(target, log, rollback=False)

    def rollback(self, target: Target, log: LiveLog) -> Outcome:
        return self._put(target, log, rollback=True)

    def _put(self, target: Target, log: LiveLog, *, rollback: bool) -> Outcome:
        current = self._wait_idle(log)
        if current is None:
            return Outcome(
                False, detail=f"the service stayed {BUSY} for {self.service.timeout_s:g}s; nothing changed"
            )
        source = current.get("SourceConfiguration", {})
        notes: list[str] = []
        if source.get("AutoDeploymentsEnabled") and rollback:
            notes.append(
                "automatic deployments are on for this service: the next push to its image tag or branch "
                "deploys over this rollback; turn them off until the fix lands"
            )
            log.say("warning: " + notes[-1])
        if "ImageRepository" in source:
            return self._put_image(target, source, log, rollback, tuple(notes))
        if "CodeRepository" in source:
            return self._put_code(target, source, log, rollback, tuple(notes))
        return Outcome(False, detail="describe_service shows neither an image nor a code repository")

    def _put_image(
        self, target: Target, source: dict[str, Any], log: LiveLog, rollback: bool, notes: tuple[str, ...]
    ) -> Outcome:
        repo = source["ImageRepository"]
        wanted = target.provider_ref if rollback and target.provider_ref else target.image
        if not wanted:
            return Outcome(
                False, detail=f"no image recorded for {target.version}; set 'image:' of the service"
            )
        try:
            image = wanted if is_pinned(wanted) else pin(wanted, self._client("ecr"))
        except ProviderError as exc:
            return Outcome(False, detail=str(exc))
        new_source: dict[str, Any] = {
            "ImageRepository": {
                "ImageIdentifier": image,
                "ImageConfiguration": repo.get("ImageConfiguration", {}),  # everything set today, kept
                "ImageRepositoryType": repo.get("ImageRepositoryType", "ECR"),
            },
            "AutoDeploymentsEnabled": bool(source.get("AutoDeploymentsEnabled", False)),
        }
        if "AuthenticationConfiguration" in source:
            new_source["AuthenticationConfiguration"] = source["AuthenticationConfiguration"]
        log.write(f"update_service {self.arn}: image {image} (was {repo.get('ImageIdentifier')})")
        answer = self._call("update_service", ServiceArn=self.arn, SourceConfiguration=new_source)
        operation = str(answer.get("OperationId", ""))
        return Outcome(True, ref=image, notes=notes, operation=operation)

    def _put_code(
        self, target: Target, source: dict[str, Any], log: LiveLog, rollback: bool, notes: tuple[str, ...]
    ) -> Outcome:
        from ... import _git

        code = source["CodeRepository"]
        branch = code.get("SourceCodeVersion", {}).get("Value", "")
        if not target.commit or not branch:
            return Outcome(False, detail="a code service deploys a commit of its branch; none is known")
        remote = "origin"
        try:
            _git.push_commit(self.root, remote, target.commit, branch, force=rollback)
        except _git.GitError as exc:
            return Outcome(False, detail=f"cannot push {target.commit[:12]} to {remote}/{branch}: {exc}")
        log.write(f"pushed {target.commit[:12]} to {remote}/{branch}")
        if source.get("AutoDeploymentsEnabled"):
            operation = self._newest_operation()
        else:
            operation = str(self._call("start_deployment", ServiceArn=self.arn).get("OperationId", ""))
        return Outcome(True, ref=target.commit, notes=notes, operation=operation)

    def _newest_operation(self) -> str:
        ops = self._call("list_operations", ServiceArn=self.arn, MaxResults=5).get("OperationSummaryList", [])
        return str(ops[0]["Id"]) if ops else ""

    def _wait_idle(self, log: LiveLog) -> dict[str, Any] | None:
        """The service description once no operation runs on it (None after the time limit)."""
        deadline = self.clock() + self.service.timeout_s
        pause = FIRST_PAUSE_S
        while True:
            current = self.describe()
            if current.get("Status") != BUSY:
                return current
            if self.clock() >= deadline:
                return None
            log.say(f"App Runner: another operation is running on the service; waiting {pause:g}s")
            self.sleep(pause)
            pause = min(pause * 1.5, MAX_PAUSE_S)

    def wait(self, outcome: Outcome, log: LiveLog) -> Outcome:
        if not outcome.ok:
            return outcome
        deadline = self.clock() + self.service.timeout_s
        pause = FIRST_PAUSE_S
        status = "PENDING"
        while self.clock() < deadline:
            try:
                status = self._operation_status(outcome.operation)
            except ProviderError as exc:
                log.write(f"list_operations: {exc}")
                status = "UNKNOWN"
            log.write(f"operation {outcome.operation or '?'}: {status}")
            if status == DONE_OK:
                final = self.describe().get("Status")
                if final == "RUNNING":
                    return outcome
                status = f"SUCCEEDED but the service is {final}"
            if status == "FAILED":
                return Outcome(
                    False, outcome.ref, "App Runner reports the operation FAILED", notes=outcome.notes
                )
            if status in ("ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED"):
                return Outcome(False, outcome.ref, f"App Runner rolled the deploy back itself ({status})",
                               platform_rolled_back=True, notes=outcome.notes)  # fmt: skip
            self.sleep(pause)
            pause = min(pause * 1.5, MAX_PAUSE_S)
        detail = f"the operation was still {status} after {self.service.timeout_s:g}s"
        return Outcome(False, outcome.ref, detail, notes=outcome.notes)

    def _operation_status(self, operation: str) -> str:
        ops = self._call("list_operations", ServiceArn=self.arn, MaxResults=20).get(
            "OperationSummaryList", []
        )
        for op in ops:
            if not operation or op.get("Id") == operation:
                return str(op.get("Status", "UNKNOWN"))
        return "PENDING"

    def running(self, log: LiveLog) -> str | None:
        source = self.describe().get("SourceConfiguration", {})
        if "ImageRepository" in source:
            return str(source["ImageRepository"].get("ImageIdentifier", "")) or None
        return None

    def live_env(self) -> frozenset[str] | None:
        source = self.describe().get("SourceConfiguration", {})
        if "ImageRepository" in source:
            config = source["ImageRepository"].get("ImageConfiguration", {})
        else:
            code = source.get("CodeRepository", {}).get("CodeConfiguration", {})
            if code.get("ConfigurationSource") == "REPOSITORY":
                return None  # apprunner.yaml in the repository: env-vars checks that file
            config = code.get("CodeConfigurationValues", {})
        names = set(config.get("RuntimeEnvironmentVariables", {}) or {})
        names |= set(config.get("RuntimeEnvironmentSecrets", {}) or {})
        return frozenset(names)
