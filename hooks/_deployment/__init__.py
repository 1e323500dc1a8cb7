"""The deployment world: the one reader of each deployment format (files), the one command analyser
(commands), the repository's deployment for deploy-config's cross-file checks (model) and the
deployment of each service (service). Ask a service by name, or the service a file belongs to:

    from hooks._deployment import service_named, service_of, services
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._source import RunContext
    from .service import Service


def services(context: RunContext) -> list[Service]:
    """Every service of the repository, computed once per run."""
    from .service import services as compute

    return compute(context)


def service_of(context: RunContext, path: str) -> Service | None:
    """The service a repository file belongs to, or None when no one service does."""
    from .service import service_of as compute

    return compute(context, path)


def service_named(context: RunContext, name: str) -> Service | None:
    """The configured service of that name (`.ava-safety.yaml` `services:`)."""
    from .service import service_named as compute

    return compute(context, name)
