"""The deploy and rollback protocol (DESIGN §5).

deploy:   lock -> gates (recorded) -> record `started` (change description, rollback detection) ->
          provider -> platform -> health (N consecutive passes) -> `succeeded` + tag deploy/<svc>/<n>
          or `failed` -> automatic rollback to the last stable version (verified, recorded, notified)
rollback: lock -> plan (target: the last `succeeded` before the current one, or --to; the
          deploy/<svc>/* tags when the store is empty) -> provider -> platform -> health -> record

The rollback target is chosen in hooks._deploy.plan.

Every phase is written to the store as it starts, so a process that dies mid-way leaves a truthful
`started` row that the next run (holding the lock) turns into `interrupted`. SIGINT, SIGTERM and
SIGHUP end a run as `interrupted` at once. For fault-injection tests, AVA_SAFETY_FAULT_STOP_AT=<phase>
makes the process stop itself (SIGSTOP) as that phase starts.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import _git
from .._config import FILE_GATES, GUARD_GATES, Config, ServiceConfig
from .history import Event, History, LockBusy, now_iso, open_history
from .livelog import LiveLog
from .notify import Notifier
from .plan import DeployError, Plan, plan_rollback
from .providers import Provider, ProviderError, Target, make_provider

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
FAULT_ENV = "AVA_SAFETY_FAULT_STOP_AT"
AWS_PROVIDERS = ("apprunner", "ecs")


class Interrupted(BaseException):
    """SIGTERM or SIGHUP: end the run as `interrupted`, like Ctrl-C."""


def install_signal_handlers() -> None:
    def handler(signum: int, _frame: Any) -> None:
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


@dataclass
class Run:
    """What a deploy or rollback did, for the hook's main to report."""

    code: int
    service: str
    kind: str
    event: Event | None = None
    lines: list[str] = field(default_factory=list)  # the summary
    rollback: Event | None = None  # the automatic rollback after a failed deploy


def pick_service(config: Config, name: str | None) -> ServiceConfig:
    if not config.services:
        raise DeployError(f"no services in {config.display}: declare one under 'services:' to deploy it")
    if name is None:
        if len(config.services) == 1:
            return config.services[0]
        names = ", ".join(s.name for s in config.services)
        raise DeployError(f"several services are declared ({names}): name the one to act on")
    service = config.service(name)
    if service is None:
        names = ", ".join(s.name for s in config.services)
        raise DeployError(f"no service {name!r} in {config.display} (declared: {names})")
    return service


def default_gates(service: ServiceConfig, config: Config | None = None) -> tuple[str, ...]:
    """pre-deploy-check's set: every file-level hook, git state, the push guards the config gives
    something to do, health, credentials, live env."""
    gates = [*FILE_GATES, "git-state", *(config.guard_gates() if config is not None else ()), "health"]
    if service.provider in AWS_PROVIDERS:
        gates += ["aws-credentials", "live-env"]
    return tuple(gates)


def run_gates(
    root: Path,
    config: Config,
    service: ServiceConfig,
    gates: Sequence[str],
    *,
    deploying: bool,
    store: History | None,
    provider: Callable[[], Provider] | None = None,
) -> list[Any]:
    from . import gates as g

    files = [x for x in gates if x in FILE_GATES]
    results = g.run_file_gates(root, files, config.path) if files else []
    guards = [x for x in gates if x in GUARD_GATES]
    if guards:
        results += g.run_guard_gates(root, config, guards, store=store, services=[service])
    for gate in gates:
        if gate == "git-state":
            results.append(g.check_git_state(root))
        elif gate == "health":
            ever = store is not None and store.last_succeeded(service.name) is not None
            results.append(g.check_health(service, deploying=deploying, ever_deployed=ever))
        elif gate == "aws-credentials" and service.provider in AWS_PROVIDERS:
            results.append(g.check_aws_credentials(service))
        elif gate == "live-env" and service.provider in AWS_PROVIDERS and provider is not None:
            results.append(g.check_live_env(root, config, _live_env(provider), frozenset({"PORT"})))
    order = {name: i for i, name in enumerate(gates)}
    return sorted(results, key=lambda r: order.get(r.gate, len(order)))


def _live_env(provider: Callable[[], Provider]) -> Callable[[], frozenset[str] | None]:
    return lambda: provider().live_env()


class _Session:
    """One deploy or rollback: its store, log, provider, notifier and the event being written."""

    def __init__(
        self, root: Path, config: Config, service: ServiceConfig, kind: str, echo: Callable[[str], None],
        store: History | None = None,
    ) -> None:  # fmt: skip
        self.root = root
        self.config = config
        self.service = service
        self.kind = kind
        self.echo = echo
        state = _git.state_dir(root)
        self.store = store or open_history(root, config.history, state_dir=state)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.log = LiveLog(state / "logs" / f"{service.name}-{stamp}-{kind}-{os.getpid()}.log", echo)
        self.notifier = Notifier(service.notify)
        self._provider: Provider | None = None
        self.event: Event | None = None
        self.first_phase = 0  # index in the log's phases where the current event's began
        self.prefix = ""  # "rollback." for the phases of an automatic rollback
        self.progress: Callable[[str], None] = lambda _line: None

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            self._provider = make_provider(self.service, self.root)
        return self._provider

    @contextmanager
    def phase(self, name: str) -> Iterator[Any]:
        if self.event is not None and self.event.id is not None:
            self.event = self.store.update(self.event.id, phase=name, durations=self.durations())
        if os.environ.get(FAULT_ENV) == self.prefix + name:
            os.kill(os.getpid(), signal.SIGSTOP)
        with self.log.phase(self.prefix + name) as record:
            yield record
        mark = {"ok": "ok", "failed": "FAILED", "skipped": "skipped"}.get(record.result, record.result)
        self.progress(f"  {self.prefix + name:<17} {record.seconds:6.2f}s  {mark}")

    def durations(self) -> dict[str, float]:
        return {k.removeprefix(self.prefix): v for k, v in self.log.durations(self.first_phase).items()}

    def update(self, **changes: Any) -> Event:
        assert self.event is not None and self.event.id is not None
        self.event = self.store.update(self.event.id, **changes)
        return self.event

    def finish(self, status: str, **changes: Any) -> Event:
        return self.update(status=status, finished_at=now_iso(), durations=self.durations(), **changes)

    def close(self) -> None:
        for sent in self.notifier.finish():
            self.log.write(f"notify {sent.target}: {'sent' if sent.ok else 'FAILED'} ({sent.detail})")
        self.log.close()


def _new_event(session: _Session, kind: str, version: str, commit: str, **extra: Any) -> Event:
    return Event(
        service=session.service.name, kind=kind, status="started", version=version, commit=commit,
        actor=_git.actor(session.root), provider=session.service.provider,
        log_path=str(session.log.path or ""), host=socket.gethostname(), pid=os.getpid(),
        started_at=now_iso(), **extra,
    )  # fmt: skip


def _target(service: ServiceConfig, version: str, commit: str, provider_ref: str = "") -> Target:
    image = ""
    if service.image:
        from .health import fill

        image = fill(service.image, {"service": service.name, "version": version, "commit": commit})
    return Target(service.name, version, commit, image, provider_ref)


def _interrupted_notes(session: _Session, lock_notes: Sequence[str]) -> list[str]:
    notes = list(lock_notes)
    for old in session.store.mark_interrupted(session.service.name):
        notes.append(
            f"{old.kind} #{old.id} of {old.version} was interrupted during {old.phase or 'its start'} "
            f"(process {old.pid} on {old.host}); what it left running is checked by this run"
        )
    for note in notes:
        session.log.say(f"note: {note}")
    return notes


# --- deploy ---------------------------------------------------------------------------------------


def deploy(
    root: Path,
    config: Config,
    service_name: str | None,
    *,
    echo: Callable[[str], None],
    rev: str = "HEAD",
    version: str | None = None,
    skip_gates: bool = False,
    reason: str = "",
    lock_wait_s: float | None = None,
    store: History | None = None,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Deploy `rev` of the service; `echo` gets the story, `progress` the per-phase lines as they end."""
    service = pick_service(config, service_name)
    if skip_gates and not reason.strip():
        raise DeployError('--skip-gates needs --reason "why" (it is recorded with the deploy)')
    try:
        commit = _git.resolve(root, rev)
    except _git.GitError:
        raise DeployError(f"{rev!r} is not a commit of this repository") from None
    version = version or _git.version_of(root, commit)
    session = _Session(root, config, service, "deploy", echo, store)
    session.progress = progress or session.progress
    run = Run(EXIT_ERROR, service.name, "deploy")
    echo(f"deploy {service.name} {version} ({commit[:12]}) with {service.provider}")
    echo(f"  live log: tail -f {session.log.path}")
    try:
        with session.phase("lock"):
            lock = session.store.lock(
                service.name, wait_s=service.lock_wait_s if lock_wait_s is None else lock_wait_s
            )
            lock_notes = lock.__enter__()
        try:
            return _deploy_locked(session, run, commit, version, skip_gates, reason, lock_notes)
        finally:
            lock.__exit__(None, None, None)
    except LockBusy as exc:
        session.log.say(f"deploy refused: {exc}")
        run.code = EXIT_BLOCKED
        return run
    except (KeyboardInterrupt, Interrupted) as exc:
        _mark_interrupted(session, run, exc)
        return run
    except Exception as exc:
        _mark_failed(session, exc)  # the history tells the truth, then the caller reports it (exit 2)
        raise
    finally:
        run.lines = session.log.summary()
        session.close()


def _mark_failed(session: _Session, exc: Exception) -> None:
    """A refusal or a crash after the event was recorded: it ends `failed`, not `started`."""
    event = session.event
    if event is None or event.id is None or event.status != "started":
        return
    known = isinstance(exc, (DeployError, ProviderError))
    error = str(exc) if known else f"internal error: {type(exc).__name__}: {exc}"
    session.log.say(f"{session.kind} FAILED: {error}")
    session.event = session.store.get(event.id) or event
    if session.event.status == "started":
        session.finish("failed", error=error)


def _mark_interrupted(session: _Session, run: Run, exc: BaseException) -> None:
    why = "Ctrl-C" if isinstance(exc, KeyboardInterrupt) else f"{exc} received"
    session.log.say(f"interrupted ({why})")
    if session.event is not None and session.event.id is not None:
        phase = session.event.phase
        run.event = session.finish("interrupted", error=f"interrupted during {phase} ({why})")
    run.code = EXIT_INTERRUPTED


def _deploy_locked(
    session: _Session,
    run: Run,
    commit: str,
    version: str,
    skip_gates: bool,
    reason: str,
    lock_notes: list[str],
) -> Run:
    service, root, store = session.service, session.root, session.store
    notes = _interrupted_notes(session, lock_notes)
    info = _git.commit_info(root, commit)
    session.event = store.record(
        _new_event(
            session,
            "deploy",
            version,
            commit,
            author=info.author,
            phase="gates",
            reason=reason,
            notes=tuple(notes),
        )  # fmt: skip
    )
    run.event = session.event
    gate_ids = service.gates if service.gates is not None else default_gates(service, session.config)
    with session.phase("gates") as record:
        if skip_gates:
            record.result = "skipped"
            session.log.say(f"gates skipped: {reason}")
            results = []
        else:
            results = run_gates(root, session.config, service, gate_ids, deploying=True, store=store,
                                provider=lambda: session.provider)  # fmt: skip
        for r in results:
            session.log.write(f"gate {r.gate}: {r.verdict} ({r.figure}) in {r.seconds:.2f}s")
            for line in r.detail:
                session.log.write(f"  {line}")
        blocking = [r for r in results if r.blocks]
        if blocking:
            record.result = "failed"
    score = next((r.score for r in results if r.score is not None), None)
    risk = next((r.risk for r in results if getattr(r, "risk", None)), None)
    session.update(gates=[r.to_dict() for r in results], compliance_score=score, risk_level=risk)
    if blocking:
        for r in blocking:
            session.echo(f"  gate {r.gate}: {r.verdict.upper()} ({r.figure})")
            for line in r.detail[:10]:
                session.echo(f"    {line}")
        crashed = any(r.verdict == "error" for r in blocking)
        names = ", ".join(r.gate for r in blocking)
        run.event = session.finish("blocked", error=f"gates refused the deploy: {names}")
        run.code = EXIT_ERROR if crashed else EXIT_BLOCKED
        return run
    with session.phase("prepare"):
        last_ok = store.last_succeeded(service.name)
        subjects = _git.subjects_between(root, last_ok.commit if last_ok else None, commit)
        notes += _detect(session, commit, last_ok)
        session.update(change_description="\n".join(subjects), notes=tuple(notes))
        target = _target(service, version, commit)
        refusal = session.provider.refuse(target, rollback=False)
        if refusal:
            raise DeployError(refusal)
    with session.phase("provider") as record:
        outcome = session.provider.deploy(target, session.log)
        if not outcome.ok:
            record.result = "failed"
    if outcome.ok:
        with session.phase("platform") as record:
            outcome = session.provider.wait(outcome, session.log)
            if not outcome.ok:
                record.result = "failed"
    session.update(provider_ref=outcome.ref, notes=tuple(notes) + outcome.notes)
    verification = None
    if outcome.ok:
        verification = _verify(session, target)
        if not verification.ok:
            outcome = replace(outcome, ok=False, detail=f"health: {verification.reason}")
    if outcome.ok:
        with session.phase("finish"):
            run.event = session.finish("succeeded")
            _tag(session, commit, version, "deploy", outcome.ref)
        run.event = session.update(durations=session.durations())
        session.log.say(f"deployed {service.name} {version}")
        session.notifier.send(
            "succeeded", f"{service.name} {version} deployed ({commit[:12]})", _facts(run.event)
        )
        run.code = EXIT_OK
        return run
    failed = session.finish("failed", error=outcome.detail)
    run.event = failed
    session.log.say(f"deploy of {service.name} {version} FAILED: {outcome.detail}")
    if outcome.platform_rolled_back:
        session.log.say("the platform rolled the deploy back itself")
    session.notifier.send(
        "failed", f"deploy of {service.name} {version} failed: {outcome.detail}", _facts(failed)
    )
    run.code = EXIT_BLOCKED
    if not service.auto_rollback:
        session.log.say("auto_rollback is off: the service is left as it is")
        return run
    try:
        plan = plan_rollback(store, service, root)
    except DeployError as exc:
        session.log.say(f"no automatic rollback: {exc}")
        return run
    session.log.say(f"automatic rollback: {plan.describe()}")
    rolled = _rollback_locked(
        session, plan, reason=f"automatic: deploy #{failed.id} failed ({outcome.detail})"
    )
    run.rollback = rolled
    if rolled.status == "succeeded":
        session.notifier.send(
            "auto_rollback",
            f"{service.name}: deploy of {version} failed ({outcome.detail}); rolled back to {plan.version}",
            _facts(rolled),
        )
    else:
        session.notifier.send(
            "failed",
            f"{service.name}: automatic rollback to {plan.version} FAILED: {rolled.error}",
            _facts(rolled),
        )
    return run


def _detect(session: _Session, commit: str, last_ok: Event | None) -> list[str]:
    """Rollback detection before a deploy: going back in history, and drift (deployed outside us)."""
    notes = []
    if last_ok is not None and _git.is_ancestor(session.root, commit, last_ok.commit):
        notes.append(
            f"rollback by deploy: {commit[:12]} is an ancestor of the deployed {last_ok.commit[:12]} "
            f"({last_ok.version})"
        )
    if last_ok is not None:
        running = _running_version(session)
        if running and running not in (last_ok.version, last_ok.provider_ref) and not _same(running, last_ok):
            notes.append(
                f"drift: {running} is running but the last recorded deploy is {last_ok.version}: "
                "someone deployed outside ava-safety"
            )
    for note in notes:
        session.log.say(f"note: {note}")
    return notes


def _same(running: str, event: Event) -> bool:
    from .health import same_value

    return same_value(running, event.version) or (bool(event.commit) and same_value(running, event.commit))


def _running_version(session: _Session) -> str | None:
    try:
        running = session.provider.running(session.log)
    except Exception as exc:  # noqa: BLE001 - drift detection is advisory
        session.log.write(f"cannot ask what runs: {exc}")
        running = None
    if running:
        return running
    if session.service.health is not None:
        from .health import probe

        result = probe(
            session.service.health.url, timeout_s=min(3.0, session.service.health.request_timeout_s)
        )
        return result.version
    return None


def _verify(session: _Session, target: Target) -> Any:
    from .health import verify

    health = session.service.health
    with session.phase("health") as record:
        if health is None:
            record.result = "skipped"
            session.log.say("no health check configured: the deploy is trusted as the provider reported it")
            from .health import Verification

            return Verification(True, 0, 0, 0, 0.0, None, "no health check configured")

        def on_probe(p: Any, streak: int) -> None:
            state = "pass" if p.ok else "fail: " + "; ".join(p.failures)
            session.log.write(f"health {p.url}: {p.status} {p.ms:.0f} ms, {state} ({streak}/{health.passes})")

        verification = verify(health, target.values(), on_probe=on_probe)
        if not verification.ok:
            record.result = "failed"
    session.update(health=verification.to_dict())
    return verification


def _tag(session: _Session, commit: str, version: str, kind: str, ref: str) -> None:
    mode = session.service.tag
    if mode == "none" or not commit:
        return
    assert session.event is not None
    fields = {"kind": kind, "version": version, "event": str(session.event.id), "provider_ref": ref}
    try:
        name = _git.create_deploy_tag(session.root, session.service.name, commit, fields)
        session.log.write(f"tagged {name}")
        if mode == "push":
            _git.push_tag(session.root, name)
            session.log.write(f"pushed {name}")
    except _git.GitError as exc:
        session.log.say(f"warning: could not tag the deploy: {exc}")


def _facts(event: Event | None) -> dict[str, Any]:
    if event is None:
        return {}
    keys = ("id", "service", "kind", "status", "version", "commit", "error", "rollback_from", "log_path")
    return {k: getattr(event, k) for k in keys}


# --- rollback -------------------------------------------------------------------------------------


def rollback(
    root: Path,
    config: Config,
    service_name: str | None,
    *,
    echo: Callable[[str], None],
    to: str | None = None,
    dry_run: bool = False,
    reason: str = "",
    lock_wait_s: float | None = None,
    store: History | None = None,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Roll the service back (see plan_rollback); `dry_run` only prints the plan."""
    service = pick_service(config, service_name)
    run = Run(EXIT_ERROR, service.name, "rollback")
    if dry_run:
        own = store or open_history(root, config.history)
        plan = plan_rollback(own, service, root, to)
        target = _target(service, plan.version, plan.commit, plan.provider_ref)
        echo(f"plan: {plan.describe()}")
        echo(f"  provider: {service.provider}" + (f", image {target.image}" if target.image else ""))
        if service.health is not None:
            echo(f"  then verify {service.health.url}: {service.health.passes} consecutive passes "
                 f"within {service.health.timeout_s:g}s")  # fmt: skip
        echo("dry run: nothing was changed")
        run.code = EXIT_OK
        return run
    session = _Session(root, config, service, "rollback", echo, store)
    session.progress = progress or session.progress
    echo(f"rollback {service.name} — live log: tail -f {session.log.path}")
    try:
        with session.phase("lock"):
            lock = session.store.lock(
                service.name, wait_s=service.lock_wait_s if lock_wait_s is None else lock_wait_s
            )
            lock_notes = lock.__enter__()
        try:
            notes = _interrupted_notes(session, lock_notes)
            with session.phase("plan"):
                plan = plan_rollback(session.store, service, root, to)
            session.log.say(plan.describe())
            event = _rollback_locked(session, plan, reason=reason or "emergency rollback", notes=notes)
            run.event = event
            run.code = EXIT_OK if event.status == "succeeded" else EXIT_BLOCKED
            if event.status == "succeeded":
                session.notifier.send(
                    "rollback",
                    f"{service.name} rolled back from {plan.from_version or '?'} to {plan.version}",
                    _facts(event),
                )
            else:
                session.notifier.send(
                    "failed",
                    f"{service.name}: rollback to {plan.version} FAILED: {event.error}",
                    _facts(event),
                )
            return run
        finally:
            lock.__exit__(None, None, None)
    except LockBusy as exc:
        session.log.say(f"rollback refused: {exc}")
        run.code = EXIT_BLOCKED
        return run
    except (KeyboardInterrupt, Interrupted) as exc:
        _mark_interrupted(session, run, exc)
        return run
    except Exception as exc:
        _mark_failed(session, exc)  # the history tells the truth, then the caller reports it (exit 2)
        raise
    finally:
        run.lines = session.log.summary()
        session.close()


def _rollback_locked(session: _Session, plan: Plan, *, reason: str, notes: Sequence[str] = ()) -> Event:
    """Roll back with the lock held: record, provider, platform, health, record; returns the event.

    Inside a failed deploy's session the rollback is a second event: the deploy's is set aside and
    restored (re-read, since the rollback marks it `rolled_back`) at the end."""
    outer, outer_first = session.event, session.first_phase
    if outer is not None:  # an automatic rollback: its own phases only
        session.prefix = "rollback."
        session.first_phase = len(session.log.phases)
    session.event = session.store.record(
        _new_event(
            session,
            "rollback",
            plan.version,
            plan.commit,
            phase="provider",
            reason=reason,
            notes=tuple(notes),
            rollback_from=plan.from_event.id if plan.from_event else None,
            provider_ref=plan.provider_ref,
        )  # fmt: skip
    )
    try:
        return _rollback_steps(session, plan, notes)
    finally:
        session.prefix, session.first_phase = "", outer_first
        if outer is not None and outer.id is not None:
            session.event = session.store.get(outer.id) or outer


def _rollback_steps(session: _Session, plan: Plan, notes: Sequence[str]) -> Event:
    service = session.service
    if plan.commit:
        try:
            session.update(author=_git.commit_info(session.root, plan.commit).author)
        except _git.GitError:
            pass  # a commit of another clone: the rollback does not need it
    target = _target(service, plan.version, plan.commit, plan.provider_ref)
    refusal = session.provider.refuse(target, rollback=True)
    if refusal:
        session.log.say(f"rollback refused: {refusal}")
        return session.finish("failed", error=refusal)
    with session.phase("provider") as record:
        outcome = session.provider.rollback(target, session.log)
        if not outcome.ok:
            record.result = "failed"
    if outcome.ok:
        with session.phase("platform") as record:
            outcome = session.provider.wait(outcome, session.log)
            if not outcome.ok:
                record.result = "failed"
    session.update(provider_ref=outcome.ref or plan.provider_ref, notes=tuple(notes) + outcome.notes)
    if outcome.ok:
        verification = _verify(session, target)
        if not verification.ok:
            outcome = replace(outcome, ok=False, detail=f"health: {verification.reason}")
    if not outcome.ok:
        session.log.say(f"rollback of {service.name} to {plan.version} FAILED: {outcome.detail}")
        return session.finish("failed", error=outcome.detail)
    with session.phase("finish"):
        event = session.finish("succeeded")
        if plan.from_event is not None and plan.from_event.id is not None:
            if plan.from_event.status in ("succeeded", "failed"):  # `interrupted` stays as it was
                session.store.update(plan.from_event.id, status="rolled_back")
        _tag(session, plan.commit, plan.version, "rollback", event.provider_ref)
    event = session.update(durations=session.durations())
    session.log.say(f"rolled {service.name} back to {plan.version}")
    return event


__all__ = [
    "DeployError", "Interrupted", "Plan", "ProviderError", "Run", "deploy", "install_signal_handlers",
    "plan_rollback", "rollback", "run_gates", "default_gates", "pick_service",
]  # fmt: skip
