"""pre-deploy-check: every gate of every declared service, once, on the whole repository."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._config import FILE_GATES, Config, ServiceConfig
from .gates import GateResult
from .history import History


def pre_deploy_check(root: Path, config: Config, names: Sequence[str] = ()) -> list[GateResult]:
    """File-level gates and git state once; health, credentials and live env per service."""
    from . import gates as g
    from .protocol import AWS_PROVIDERS, default_gates, pick_service

    services: list[ServiceConfig] = [pick_service(config, n) for n in names] or list(config.services)
    wanted: list[str] = []
    for service in services:
        for gate in service.gates if service.gates is not None else default_gates(service):
            if gate not in wanted:
                wanted.append(gate)
    if not services:
        wanted = [*FILE_GATES, "git-state"]
    results = g.run_file_gates(root, [x for x in wanted if x in FILE_GATES], config.path)
    if "git-state" in wanted:
        results.append(g.check_git_state(root))
    store: History | None = None
    for service in services:
        own = service.gates if service.gates is not None else default_gates(service)
        label = f" ({service.name})" if len(services) > 1 else ""
        if "health" in own:
            if store is None:
                store = _store(root, config)
            ever = store is not None and store.last_succeeded(service.name) is not None
            results.append(_named(g.check_health(service, deploying=False, ever_deployed=ever), label))
        if service.provider in AWS_PROVIDERS and "aws-credentials" in own:
            results.append(_named(g.check_aws_credentials(service), label))
        if service.provider in AWS_PROVIDERS and "live-env" in own:
            from .providers import make_provider

            def live(service: ServiceConfig = service) -> frozenset[str] | None:
                return make_provider(service, root).live_env()

            results.append(_named(g.check_live_env(root, config, live, frozenset({"PORT"})), label))
    return results


def _named(result: GateResult, label: str) -> GateResult:
    from dataclasses import replace

    return replace(result, gate=result.gate + label) if label else result


def _store(root: Path, config: Config) -> History | None:
    from .history import HistoryError, open_history

    try:
        return open_history(root, config.history)
    except HistoryError:
        return None
