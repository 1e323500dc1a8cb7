"""Providers: how a service is deployed and rolled back on its platform.

`command` runs argv templates (any platform a script reaches); `apprunner` and `ecs` call AWS
through boto3 (the `aws` extra), imported only in providers/aws*.py and only when used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..._config import ServiceConfig
from ..livelog import LiveLog


class ProviderError(Exception):
    """The provider cannot act as configured (a message the user can act on)."""


@dataclass(frozen=True)
class Target:
    """What to put live: a version of the service, its commit, and the platform's reference of it."""

    service: str
    version: str
    commit: str
    image: str = ""  # image reference, filled from the service's `image` template
    provider_ref: str = ""  # recorded when this version last went live (digest, task definition ARN)

    def values(self) -> dict[str, str]:
        return {"service": self.service, "version": self.version, "commit": self.commit, "image": self.image}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    ref: str = ""  # the provider's reference of what is now live, for the history
    detail: str = ""  # why it failed, in one line
    platform_rolled_back: bool = False  # the platform undid the deploy itself
    notes: tuple[str, ...] = ()
    operation: str = ""  # the platform's id of the operation to wait for


class Provider(Protocol):
    name: str

    def refuse(self, target: Target, *, rollback: bool) -> str | None:
        """Why this target must not be deployed (a mutable image tag as a rollback target), or None."""

    def deploy(self, target: Target, log: LiveLog) -> Outcome: ...

    def rollback(self, target: Target, log: LiveLog) -> Outcome: ...

    def wait(self, outcome: Outcome, log: LiveLog) -> Outcome:
        """Wait for the platform to finish what deploy/rollback started."""

    def running(self, log: LiveLog) -> str | None:
        """What runs now as the platform says (a version, an image, a task definition), or None."""

    def live_env(self) -> frozenset[str] | None:
        """Names of the variables and secrets the live service is configured with, or None."""


def make_provider(service: ServiceConfig, root: Path, env: Mapping[str, str] | None = None) -> Provider:
    if service.provider == "command":
        from .command import CommandProvider

        return CommandProvider(service, root, env)
    if service.provider == "apprunner":
        from .aws_apprunner import AppRunnerProvider

        return AppRunnerProvider(service, root)
    if service.provider == "ecs":
        from .aws_ecs import EcsProvider

        return EcsProvider(service, root)
    raise ProviderError(f"service {service.name}: unknown provider {service.provider!r}")
