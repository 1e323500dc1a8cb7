"""Gates: the checks a deploy must pass, and pre-deploy-check's table.

File-level gates are the file-level hooks on the whole repository (`run_file_gates`, the one place
that calls the hook runner). The others look at the world: git state, the running service's
health, AWS credentials, and the live configuration's environment against what the code requires.
Each returns a `GateResult`: verdict pass | warn | block | skip | error, its time and key figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._config import Config, ServiceConfig

VERDICTS = ("pass", "warn", "block", "skip", "error")
AWS_TIMEOUT_S = 5.0
SCORED = "constitutional-compliance"


@dataclass(frozen=True)
class GateResult:
    gate: str
    verdict: str  # one of VERDICTS
    seconds: float
    figure: str = ""  # the key figure: a score, a count of findings, a latency
    detail: tuple[str, ...] = ()  # lines to show under the table (findings, reasons)
    score: float | None = None  # constitutional-compliance's overall score
    risk: str | None = None  # rollback-risk's level (low ... critical)

    @property
    def blocks(self) -> bool:
        return self.verdict in ("block", "error")

    def to_dict(self) -> dict[str, Any]:
        data = {"gate": self.gate, "verdict": self.verdict, "seconds": round(self.seconds, 3),
                "figure": self.figure}  # fmt: skip
        if self.score is not None:
            data["score"] = self.score
        if self.risk is not None:
            data["risk"] = self.risk
        return data


def run_file_gates(root: Path, hooks: Sequence[str], config_path: Path | None) -> list[GateResult]:
    """The file-level hooks as gates on every tracked file, in this process and in ONE engine pass
    (`_hook.execute_many`: each file is read and parsed once for all of them). Every gate's time is
    that shared pass's time."""
    from .. import _hook
    from .._errors import ConfigErrors
    from .._report import crash_lines, finding_line

    if not hooks:
        return []
    started = time.perf_counter()
    requests = [
        _hook.HookRequest(hook, scope=_hook.AllFiles(), config=config_path, results=False, cwd=root)
        for hook in hooks
    ]
    try:
        outcomes = _hook.execute_many(requests)
    except ConfigErrors as exc:
        lines = tuple(str(p) for p in exc.problems)
        seconds = time.perf_counter() - started
        return [GateResult(hook, "error", seconds, "config error", lines) for hook in hooks]
    except Exception as exc:  # noqa: BLE001 - a crashed gate refuses the deploy, named
        detail = (f"internal error: {type(exc).__name__}: {exc}",)
        seconds = time.perf_counter() - started
        return [GateResult(hook, "error", seconds, "crashed", detail) for hook in hooks]
    results = []
    for hook in hooks:
        outcome = outcomes[hook]
        seconds = outcome.seconds
        if outcome.crashes:
            lines = tuple(crash_lines(outcome.crashes))
            results.append(GateResult(hook, "error", seconds, "internal error", lines[:20]))
            continue
        blocked = outcome.blocked
        errors = sum(1 for f in outcome.findings if f.severity == "error")
        warnings = len(outcome.findings) - errors
        shown = tuple(finding_line(f) for f in outcome.findings if blocked and f.severity == "error")
        score = None
        if outcome.scores is not None and outcome.scores.overall is not None:
            score = round(outcome.scores.overall, 1)
            figure = f"score {score:.1f}% (min {outcome.scores.min_score:g}%)"
            if blocked:
                shown = shown + tuple(
                    f"{p.name}: {p.score:.1f}% (min {p.min_score:g}%)" for p in outcome.scores.principles
                    if not p.passed
                )  # fmt: skip
        else:
            figure = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        verdict = "block" if blocked else "warn" if outcome.findings else "pass"
        results.append(GateResult(hook, verdict, seconds, figure, shown[:20], score))
    return results


def required_env_vars(root: Path, config: Config) -> dict[str, str]:
    """Variables the code reads without a default: name -> where (`path:line`).

    The env-vars extraction behind one function: when the per-service deployment model lands, this is
    where a service's own code is chosen."""
    from .. import _git
    from .._plugins.env_vars import repo_reads
    from .._source import RunContext

    context = RunContext(root=root, repo_files=frozenset(_git.tracked_files(root)), config=config)
    reads = repo_reads(context)
    out: dict[str, str] = {}
    for name, hits in sorted(reads.reads.items()):
        for path, read in hits:
            if read.required and read.name == name:
                out.setdefault(name, f"{path}:{read.line}" if read.line else path)
    return out


def repo_env_vars(root: Path, config: Config) -> frozenset[str] | None:
    """Variables the repository's deployment files set (None when it has none): the env-vars reader
    of deployment sources behind one function, like required_env_vars."""
    from .. import _git
    from .._plugins.env_vars import deployment
    from .._source import RunContext

    context = RunContext(root=root, repo_files=frozenset(_git.tracked_files(root)), config=config)
    found = deployment(context)
    if not found.sources:
        return None
    return frozenset(found.provided) | frozenset(found.outside)


def check_git_state(root: Path) -> GateResult:
    from .. import _git

    started = time.perf_counter()
    try:
        dirty = _git.worktree_dirty(root)
        behind = _git.behind_upstream(root)
    except _git.GitError as exc:
        return GateResult("git-state", "error", time.perf_counter() - started, "git failed", (str(exc),))
    seconds = time.perf_counter() - started
    detail = []
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" (+{len(dirty) - 5} more)" if len(dirty) > 5 else "")
        detail.append(f"uncommitted changes: {shown}; commit or stash them, a deploy ships commits")
    if behind is not None and behind[1] > 0:
        detail.append(f"the branch is {behind[1]} commit(s) behind {behind[0]}: pull first")
    if detail:
        figure = f"{len(dirty)} changed" + (f", {behind[1]} behind" if behind and behind[1] else "")
        return GateResult("git-state", "block", seconds, figure, tuple(detail))
    upstream = f"up to date with {behind[0]}" if behind else "no upstream"
    return GateResult("git-state", "pass", seconds, f"clean, {upstream}")


def check_health(service: ServiceConfig, *, deploying: bool, ever_deployed: bool) -> GateResult:
    """The running service answers its health URL (status and time; the version is not judged here).

    Before a deploy an unhealthy service is a warning: the deploy may be what fixes it."""
    from .health import probe

    if service.health is None:
        return GateResult("health", "skip", 0.0, "no health URL configured")
    health = service.health
    result = probe(health.url, status=health.status, max_ms=health.max_ms,
                   timeout_s=min(health.request_timeout_s, 10.0))  # fmt: skip
    seconds = result.ms / 1000
    if result.ok:
        running = f", version {result.version}" if result.version else ""
        return GateResult("health", "pass", seconds, f"{result.status} in {result.ms:.0f} ms{running}")
    detail = tuple(f"{service.name}: {f}" for f in result.failures)
    if result.status is None and not ever_deployed:
        return GateResult("health", "skip", seconds, "not answering (never deployed)", detail)
    return GateResult("health", "warn" if deploying else "block", seconds, "unhealthy", detail)


def check_aws_credentials(service: ServiceConfig) -> GateResult:
    from .providers.aws_common import caller_identity

    started = time.perf_counter()
    verdict, figure, detail = caller_identity(service.region, timeout_s=AWS_TIMEOUT_S)
    return GateResult("aws-credentials", verdict, time.perf_counter() - started, figure, detail)


def check_live_env(
    root: Path,
    config: Config,
    live: Callable[[], frozenset[str] | None],
    platform: frozenset[str] = frozenset(),
) -> GateResult:
    """Variables the code requires that the configuration this deploy runs with lacks."""
    started = time.perf_counter()
    try:
        names = live()
    except Exception as exc:  # noqa: BLE001 - the platform could not be asked: said, not fatal
        return GateResult("live-env", "skip", time.perf_counter() - started, "cannot describe the service",
                          (f"{type(exc).__name__}: {exc}",))  # fmt: skip
    if names is None:
        return GateResult("live-env", "skip", time.perf_counter() - started, "provider cannot describe it")
    required = required_env_vars(root, config)
    missing = {n: where for n, where in required.items() if n not in names and n not in platform}
    seconds = time.perf_counter() - started
    if missing:
        detail = tuple(
            f"{name} is required by {where} but the live service's configuration does not set it"
            for name, where in sorted(missing.items())
        )
        return GateResult("live-env", "block", seconds, f"{len(missing)} missing of {len(required)}", detail)
    declared = repo_env_vars(root, config)
    console_only = sorted(names - declared) if declared is not None else []
    if console_only:  # kept by this deploy, but a deploy from the repository's files would drop them
        detail = tuple(
            f"{name} is set on the live service but in no deployment file of the repository: "
            "add it (or to env.provided) before a deploy from those files drops it"
            for name in console_only
        )
        return GateResult("live-env", "warn", seconds, f"{len(console_only)} set only live", detail)
    return GateResult("live-env", "pass", seconds, f"{len(required)} required, all set")


def summarize(results: Sequence[GateResult]) -> Mapping[str, Any]:
    score = next((r.score for r in results if r.score is not None), None)
    return {"blocked": [r.gate for r in results if r.blocks], "score": score}


# --- the push guards as gates (working-systems, rollback-risk, db-connection) ----------------------


def guard_log(root: Path, hook: str) -> Any:
    """The live log of a guard's smoke commands: .git/ava-safety/logs/<hook>-<stamp>.log."""
    import os

    from .. import _git
    from .livelog import LiveLog

    stamp = time.strftime("%Y%m%d-%H%M%S")
    return LiveLog(_git.state_dir(root) / "logs" / f"{hook}-{stamp}-{os.getpid()}.log")


def recent_rollbacks(root: Path, config: Config, *, limit: int = 200) -> list[Any]:
    """The rollbacks of the deploy history (newest `limit` events), for rollback-risk; [] when there
    is no history (a developer's clone that never deployed: nothing is created for asking)."""
    from datetime import datetime

    from .. import _git
    from .._guards.risk import Rollback
    from .history import HistoryError, open_history

    try:
        if config.history == "sqlite" and not (_git.state_dir(root) / "history.sqlite3").exists():
            return []
        store = open_history(root, config.history)
    except (HistoryError, _git.GitError, OSError):
        return []
    import sqlite3
    import sys

    # a store that cannot be read (locked, corrupt, a database gone) costs the factor, not the push;
    # anything else is a bug, and a crash is exit 2
    psycopg = sys.modules.get("psycopg")  # imported by the store when the history is PostgreSQL
    unreadable: tuple[type[BaseException], ...] = (HistoryError, OSError, sqlite3.Error)
    if psycopg is not None:
        unreadable += (psycopg.Error,)
    try:
        events = store.events(None, limit=limit)
    except unreadable:
        return []
    finally:
        store.close()
    out = []
    for event in events:
        moment = event.finished_at or event.started_at
        if event.kind != "rollback" or not moment:
            continue
        try:
            at = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            continue
        out.append(Rollback(event.service, at, event.version))
    return out


GUARD_FIGURES = {"working-systems": "systems", "rollback-risk": "risk", "db-connection": "databases"}


def guard_change(root: Path, config: Config, store: Any, services: Sequence[ServiceConfig]) -> Any:
    """What a deploy would ship: the commits since the last successful deploy of these services (the
    oldest such commit here), else the push range or the branch against its base."""
    from .. import _git
    from .._guards.change import decide_change

    bases = []
    for service in services:
        last = store.last_succeeded(service.name) if store is not None else None
        if last is not None and last.commit and _git.rev_commit(root, last.commit) is not None:
            bases.append(last)
    if bases:
        oldest = min(bases, key=lambda e: e.id or 0)
        change = decide_change(root, from_ref=oldest.commit, to_ref="HEAD")
        change.description = f"since the last deploy of {oldest.service} ({oldest.version})"
        return change
    return decide_change(root)


def run_guard_gates(
    root: Path, config: Config, guards: Sequence[str], *, store: Any = None,
    services: Sequence[ServiceConfig] = (),
) -> list[GateResult]:  # fmt: skip
    """The push guards as gates: one GateResult each (smoke commands are the pre-push hook's)."""
    from .._errors import ConfigErrors
    from .._guards import runner
    from .._report import finding_line

    results: list[GateResult] = []
    change = None
    for guard in guards:
        started = time.perf_counter()
        try:
            if guard == "db-connection":
                run = runner.db_connection(root, config)
            else:
                if change is None:
                    change = guard_change(root, config, store, services)
                if guard == "working-systems":
                    run = runner.working_systems(root, config, change, smoke=False, defer=False)
                else:
                    rollbacks = recent_rollbacks(root, config)
                    run = runner.rollback_risk(root, config, change, now=runner.clock(), rollbacks=rollbacks)
        except ConfigErrors as exc:
            lines = tuple(str(p) for p in exc.problems)
            results.append(GateResult(guard, "error", time.perf_counter() - started, "config error", lines))
            continue
        except Exception as exc:  # noqa: BLE001 - a crashed gate refuses the deploy, named
            crash = (f"internal error: {type(exc).__name__}: {exc}",)
            results.append(GateResult(guard, "error", time.perf_counter() - started, "crashed", crash))
            continue
        seconds = time.perf_counter() - started
        shown = tuple(finding_line(f) for f in run.findings)
        figure = _guard_figure(guard, run.extra)
        verdict = "block" if run.blocked else "warn" if run.findings else "pass"
        if guard == "db-connection" and not run.extra.get("databases"):
            verdict, figure = "skip", "no database configured"
        detail = shown + tuple(line for line in run.report if line.strip().startswith("what to do"))
        results.append(GateResult(guard, verdict, seconds, figure, detail[:20], risk=_risk_level(run.extra)))
    return results


def _risk_level(extra: Mapping[str, Any]) -> str | None:
    risk = extra.get("risk")
    return str(risk["level"]) if isinstance(risk, Mapping) and risk.get("level") else None


def _guard_figure(guard: str, extra: Mapping[str, Any]) -> str:
    if guard == "working-systems":
        systems = extra.get("systems") or []
        touched = [s for s in systems if s.get("touched")]
        acked = [s for s in touched if s.get("acknowledged")]
        return f"{len(touched)} of {len(systems)} systems touched, {len(acked)} acknowledged"
    if guard == "rollback-risk":
        risk = extra.get("risk") or {}
        return f"risk {str(risk.get('level', '?')).upper()} ({risk.get('score', '?')}/100)"
    databases = extra.get("databases") or []
    up = [d for d in databases if d.get("ok")]
    slowest = max((d["latency_ms"] for d in up if d.get("latency_ms") is not None), default=None)
    return f"{len(up)}/{len(databases)} reachable" + (f", {slowest:g} ms" if slowest is not None else "")
