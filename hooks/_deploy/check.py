"""pre-deploy-check: every gate of every declared service, once, on the whole repository."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._config import FILE_GATES, GUARD_GATES, Config, ServiceConfig
from .gates import GateResult
from .history import History


def pre_deploy_check(root: Path, config: Config, names: Sequence[str] = ()) -> list[GateResult]:
    """The file-level gates the services name (all of them by default), git state and the push guards
    (on what the deploy ships), once; then each service's health, and for AWS providers credentials
    and the live configuration's environment."""
    from . import gates as g
    from .protocol import AWS_PROVIDERS, pick_service

    services: list[ServiceConfig] = [pick_service(config, n) for n in names] or list(config.services)
    files: list[str] = []
    for service in services:
        own = service.gates if service.gates is not None else FILE_GATES
        files += [x for x in own if x in FILE_GATES and x not in files]
    if not services:
        files = list(FILE_GATES)
    results = g.run_file_gates(root, files, config.path)
    results.append(g.check_git_state(root))
    guards: list[str] = []
    for gates in [s.gates for s in services] or [None]:
        own = gates if gates is not None else config.guard_gates()
        guards += [x for x in own if x in GUARD_GATES and x not in guards]
    store: History | None = _store(root, config) if guards else None
    results += g.run_guard_gates(root, config, guards, store=store, services=services)
    for service in services:
        label = f" ({service.name})" if len(services) > 1 else ""
        if service.health is not None:
            if store is None:
                store = _store(root, config)
            ever = store is not None and store.last_succeeded(service.name) is not None
            results.append(_named(g.check_health(service, deploying=False, ever_deployed=ever), label))
        if service.provider in AWS_PROVIDERS:
            results.append(_named(g.check_aws_credentials(service), label))
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
