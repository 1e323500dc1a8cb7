"""The push guards as hooks and as gates: decide the change, run a guard, findings, report, record.

    from hooks._guards import runner
    run = runner.working_systems(root, config, change, smoke=True)
    run = runner.rollback_risk(root, config, change, now=runner.clock(), rollbacks=[...])
    run = runner.db_connection(root, config)
    run.code, run.findings, run.report (text lines), run.extra (the results' JSON extras)

Each guard's hits meet their rules (rules/generic/<hook>.yaml and the repo's own rule files): the
rule gives the severity and the message, `disable` drops it. A finding of severity error blocks
(`--strict`: any finding). Acknowledged touches are not findings; the report says who acknowledged
what. The deploy history and the live log are the caller's (hooks._deploy and the hook mains), handed
in as functions: nothing here opens them. `main_for_guard` is the command line of all three.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import _git
from .._config import Config, DatabaseConfig, load_config
from .._engine import Finding
from .._mask import mask
from .._rules import Rule, RuleSet, load_rules
from .change import ACK_ENV, ACK_TRAILER, Change, ChangeError, decide_change
from .hits import Hit
from .smoke import LogSink

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
RollbacksFn = Callable[[Path, Config], Sequence[Any]]  # -> risk.Rollback list
OpenLog = Callable[[Path, str], LogSink | None]  # (root, hook) -> a live log


@dataclass
class GuardRun:
    hook: str
    findings: list[Finding]
    rules: list[Rule]
    report: list[str] = field(default_factory=list)  # text after the findings
    extra: dict[str, Any] = field(default_factory=dict)  # the results' JSON extras
    change: Change | None = None
    seconds: float = 0.0
    strict: bool = False

    @property
    def blocked(self) -> bool:
        return any(f.severity == "error" or self.strict for f in self.findings)

    @property
    def code(self) -> int:
        return EXIT_BLOCKED if self.blocked else EXIT_OK


def guard_rules(hook: str, config: Config) -> RuleSet:
    """The guard's bundled rules (the generic pack always: a guard without its rules would pass
    everything) and the repo's own rule files."""
    own = config.rule_files()
    root = config.root
    display = {p: _shown(p, root) for p in own}
    return load_rules(
        hook=hook,
        packs=sorted({*config.packs, "generic"}),
        extra_files=own,
        extra_display=display,
        packs_from=(config.display, config.packs_line),
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def findings_of(hits: Sequence[Hit], ruleset: RuleSet, config: Config) -> list[Finding]:
    rules = ruleset.by_id()
    out = []
    for hit in hits:
        rule = rules.get(hit.rule)
        if rule is None or rule.id in config.disable:
            continue
        values = {"path": hit.path, **hit.values}
        out.append(
            Finding(
                hit.path,
                hit.line,
                hit.col,
                rule.id,
                mask(rule.render(values)),
                rule.severity,
                "",
                rule.principle,
                rule.blocking,
            )
        )
    return sorted(set(out))


def clock() -> datetime:
    from .risk import clock as risk_clock

    return risk_clock()


# --- working-systems --------------------------------------------------------------------------------


def commit_msg_hook_installed(root: Path) -> bool:
    """Whether git runs pre-commit at commit-msg here (then the trailer of the message being written
    is checked there, and the pre-commit stage need not insist on AVA_SAFETY_ACK)."""
    try:
        script = _git.hooks_dir(root) / "commit-msg"
        return script.is_file() and "pre-commit" in script.read_text(encoding="utf-8", errors="replace")
    except (OSError, _git.GitError):
        return False


def working_systems(
    root: Path,
    config: Config,
    change: Change,
    *,
    smoke: bool,
    open_log: OpenLog | None = None,
    strict: bool = False,
    defer: bool | None = None,
) -> GuardRun:
    from .pyfacts import FactsStore
    from .systems import ACK_RULES, evaluate

    started = time.perf_counter()
    ruleset = guard_rules("working-systems", config)
    store = FactsStore.load(root)
    result = evaluate(
        change,
        config,
        store,
        smoke=smoke,
        log=(lambda: open_log(root, "working-systems")) if open_log else None,
    )
    store.save()
    if defer is None:
        defer = change.mode == "pre-commit" and commit_msg_hook_installed(root)
    waiting = [h for h in result.unacknowledged() if defer]
    hits = [h for h in result.hits if h.rule not in ACK_RULES or result.ack_for(h.system, h.route) is None]
    hits = [h for h in hits if h not in waiting]
    run = GuardRun(
        "working-systems", findings_of(hits, ruleset, config), ruleset.rules, change=change, strict=strict
    )
    lines = run.report
    touched = result.touched()
    if touched:
        lines.append(f"working-systems: {change.description} touches {', '.join(touched)}")
    for system in touched:
        ack = result.ack_for(system)
        if ack is not None:
            lines.append(f"  {system}: acknowledged in {ack.where}: {ack.reason or '(no reason given)'}")
    for outcome in result.smoke:
        verdict = "ok" if outcome.ok else outcome.problem
        lines.append(f"  smoke {outcome.system}: {outcome.shown}: {verdict} in {outcome.seconds:.1f}s")
    lines += [f"  {note}" for note in result.notes]
    if change.mode == "commit-msg" and result.touches:
        lines += _record_env_ack(root, change, result.acks, touched)
    needing = sorted({h.route or h.system.split(",")[0] for h in result.unacknowledged()} - {""})
    if waiting:
        lines.append(
            f"working-systems: {', '.join(needing)} touched: acknowledge in the commit message "
            f"({ACK_TRAILER}: <name> — <why>); the commit-msg hook checks it"
        )
    elif needing and run.blocked:
        lines += how_to_acknowledge(change, needing)
    run.extra = {
        "change": {
            "mode": change.mode,
            "description": change.description,
            "files": len(change.files),
            "base": change.base,
            "head": change.head,
        },
        "systems": [
            {
                "name": s.name,
                "touched": s.name in touched,
                "acknowledged": result.ack_for(s.name) is not None,
                "files": sorted({t.path for t in result.touches if t.system == s.name}),
                "chains": {t.path: t.how for t in result.touches if t.system == s.name},
            }
            for s in config.working_systems
        ],
        "smoke": [
            {
                "system": o.system,
                "command": o.shown,
                "ok": o.ok,
                "seconds": round(o.seconds, 2),
                "problem": o.problem,
            }
            for o in result.smoke
        ],
        "routes": None if result.routes is None else len(result.routes),
        "cache": {"hits": result.facts_hits, "misses": result.facts_misses},
    }
    run.seconds = time.perf_counter() - started
    return run


def how_to_acknowledge(change: Change, names: Sequence[str]) -> list[str]:
    """Exactly how to let this change through, for the stage it is at."""
    first = names[0]
    trailer = f'"{ACK_TRAILER}: {first} — <why this change is safe>"'
    lines = [
        f"working-systems: BLOCKED: {', '.join(names)} changed without an acknowledgement. To acknowledge:"
    ]
    if change.mode == "pre-push":
        lines += [
            "  add a trailer to a commit of this push, then push again:",
            f"    git commit --amend --no-edit --trailer {trailer}",
            '  (or a commit of its own: git commit --allow-empty -m "Acknowledge the change" '
            f"--trailer {trailer})",
        ]
    elif change.mode == "commit-msg":
        lines += [
            f"  add this line to the commit message: {ACK_TRAILER}: {first} — <why this change is safe>",
            f'  (or commit with {ACK_ENV}="{first} — <why>" git commit ...)',
        ]
    else:
        lines += [
            f'  commit with {ACK_ENV}="{first} — <why this change is safe>" git commit ...',
            f"  (or install the commit-msg hook, `pre-commit install --hook-type commit-msg`, and write the "
            f"trailer {trailer} into the message)",
        ]
    if len(names) > 1:
        lines.append(f"  one trailer may name several: {ACK_TRAILER}: {', '.join(names)} — <why>")
    return lines


def _record_env_ack(root: Path, change: Change, acks: Sequence[Any], touched: Sequence[str]) -> list[str]:
    """At commit-msg, an AVA_SAFETY_ACK acknowledgement goes into the message as a trailer, so the
    push that carries this commit carries the acknowledgement too."""
    in_message = [a for a in acks if a.where == "the commit message"]
    from_env = [a for a in acks if a.where == ACK_ENV]
    message_file = change.message_file
    if not from_env or message_file is None:
        return []
    lines = []
    for system in touched:
        if any(a.covers(system) for a in in_message):
            continue
        ack = next((a for a in from_env if a.covers(system)), None)
        if ack is None:
            continue
        reason = ack.reason or f"acknowledged with {ACK_ENV} by {_git.actor(root) or 'the committer'}"
        try:
            _git.add_trailer(root, Path(message_file), f"{ACK_TRAILER}: {system} — {reason}")
            lines.append(f"  {system}: {ACK_ENV} recorded in the commit message as a {ACK_TRAILER} trailer")
        except (_git.GitError, OSError) as exc:
            lines.append(f"  {system}: could not add the trailer to the commit message: {exc}")
    return lines


# --- rollback-risk ---------------------------------------------------------------------------------------


def rollback_risk(
    root: Path,
    config: Config,
    change: Change,
    *,
    now: datetime,
    rollbacks: Sequence[Any] = (),
    strict: bool = False,
) -> GuardRun:
    from .pyfacts import FactsStore
    from .risk import assess, hits
    from .systems import evaluate

    started = time.perf_counter()
    ruleset = guard_rules("rollback-risk", config)
    touched: list[str] = []
    if config.working_systems and not change.is_empty:
        store = FactsStore.load(root)
        touched = evaluate(change, config, store).touched()
        store.save()
    assessment = assess(change, config, now=now, rollbacks=rollbacks, touched_systems=touched)
    run = GuardRun(
        "rollback-risk",
        findings_of(hits(assessment, change), ruleset, config),
        ruleset.rules,
        change=change,
        strict=strict,
    )
    run.report = risk_table(assessment, change)
    run.extra = {
        "risk": assessment.to_dict(),
        "change": {"mode": change.mode, "description": change.description, "files": len(change.files)},
    }
    run.seconds = time.perf_counter() - started
    return run


def risk_table(assessment: Any, change: Change) -> list[str]:
    lines = [f"rollback-risk: {change.description}, {len(change.files)} file(s)"]
    if assessment.docs_only:
        lines.append("  documentation only")
    if assessment.factors:
        width = max(len(f.name) for f in assessment.factors)
        lines.append(f"  {'factor':<{width}}  points  evidence")
        for factor in sorted(assessment.factors, key=lambda f: -f.points):
            shown = list(factor.evidence[:3]) + (
                [f"(+{len(factor.evidence) - 3} more)"] if len(factor.evidence) > 3 else []
            )
            lines.append(f"  {factor.name:<{width}}  {factor.points:6g}  {shown[0]}")
            lines += [f"  {'':<{width}}  {'':6}  {item}" for item in shown[1:]]
    verdict = f"rollback risk: {assessment.level.upper()} ({assessment.score}/100)"
    if assessment.block_at in ("low", "medium", "high", "critical"):
        verdict += f", blocks at {assessment.block_at.upper()}"
    if assessment.ack is not None and assessment.at_block_level:
        verdict += f"; acknowledged in {assessment.ack.where}: {assessment.ack.reason}"
    lines.append(verdict)
    return lines


# --- db-connection ----------------------------------------------------------------------------------------


def databases_of(config: Config, environ: dict[str, str] | None = None) -> list[DatabaseConfig]:
    """The configured databases; with none configured, the default settings when the environment has
    them (DATABASE_URL, or DB_HOST and its parts)."""
    if config.databases:
        return list(config.databases)
    env = os.environ if environ is None else environ
    default = DatabaseConfig()
    if env.get(default.url_env) or env.get(default.part("host")):
        return [default]
    return []


def db_connection(
    root: Path, config: Config, *, strict: bool = False, environ: dict[str, str] | None = None
) -> GuardRun:
    from .database import check, hits, settings_of

    started = time.perf_counter()
    ruleset = guard_rules("db-connection", config)
    databases = databases_of(config, environ)
    results = [check(d, settings_of(d, root, environ=environ, config_path=config.display)) for d in databases]
    run = GuardRun(
        "db-connection",
        findings_of(hits(results, databases, config.display), ruleset, config),
        ruleset.rules,
        strict=strict,
    )
    if not databases:
        run.report.append(
            "db-connection: no database configured (database: in .ava-safety.yaml) and no "
            "DATABASE_URL or DB_HOST in the environment: nothing to check"
        )
    for result in results:
        if result.ok:
            extras = [
                f"server {result.server_version}",
                f"SELECT 1 in {result.latency_ms:g} ms",
                f"connected in {result.connect_ms:g} ms",
            ] + list(result.checked)
            run.report.append(f"db-connection: {result.name} ({result.target}): ok; {', '.join(extras)}")
        elif result.skipped:
            run.report.append(
                f"db-connection: {result.name} ({result.target}): skipped, unreachable from here "
                f"(policy: skip): {result.message}"
            )
        else:
            run.report.append(f"db-connection: {result.name} ({result.target}): FAILED: {result.message}")
            run.report.append(f"  what to do: {result.hint}")
    run.extra = {"databases": [r.to_dict() for r in results]}
    run.seconds = time.perf_counter() - started
    return run


# --- recording and the command line ---------------------------------------------------------------------


def record(root: Path, run: GuardRun) -> None:
    from .._hook import write_results
    from .._report import as_json

    data = as_json(run.hook, run.findings, None, extra=run.extra)
    data.update(
        {
            "exit_code": run.code,
            "files": len(run.change.files) if run.change is not None else 0,
            "scope": run.change.description if run.change is not None else "the configured databases",
            "seconds": round(run.seconds, 3),
        }
    )
    write_results(root, run.hook, data)


def _message_file(root: Path, names: Sequence[str], explicit: Path | None) -> Path | None:
    """The commit message a commit-msg stage passes (a file inside the git directory)."""
    if explicit is not None:
        return explicit
    if len(names) != 1:
        return None
    candidate = Path(names[0])
    try:
        inside = candidate.resolve().is_relative_to(_git.git_dir(root).resolve())
    except (OSError, _git.GitError):
        return None
    return candidate if inside and candidate.is_file() else None


def main_for_guard(
    hook: str,
    argv: Sequence[str] | None,
    *,
    description: str,
    rollbacks: RollbacksFn | None = None,
    open_log: OpenLog | None = None,
) -> int:
    """A guard's command line: parse, decide the change, run, print, record; the exit code."""
    import argparse

    from .._hook import failure_code
    from .._report import FORMATS, emit

    parser = argparse.ArgumentParser(prog=hook, description=description)
    parser.add_argument("filenames", nargs="*", help=argparse.SUPPRESS)  # pre-commit's; the guard decides
    parser.add_argument("--from-ref", help="judge the change from this ref (default: pre-push's range)")
    parser.add_argument("--to-ref", help="to this ref (default HEAD)")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    parser.add_argument("--strict", action="store_true", help="warnings block too")
    parser.add_argument("--no-results", action="store_true", help="do not write .git/ava-safety/results")
    if hook == "working-systems":
        parser.add_argument(
            "--commit-msg", type=Path, metavar="FILE", help="check the trailer of this message"
        )
        smoke = parser.add_mutually_exclusive_group()
        smoke.add_argument(
            "--smoke", action="store_true", default=None, help="run the touched systems' smoke commands"
        )
        smoke.add_argument(
            "--no-smoke", dest="smoke", action="store_false", help="do not run them (pre-push does)"
        )
    args = parser.parse_args(argv)
    debug = bool(os.environ.get("AVA_SAFETY_DEBUG"))
    try:
        root = _git.repo_root(Path.cwd())
        config = load_config(root, args.config)
        if hook == "db-connection":
            run = db_connection(root, config, strict=args.strict)
        else:
            message = _message_file(root, args.filenames, getattr(args, "commit_msg", None))
            change = decide_change(root, from_ref=args.from_ref, to_ref=args.to_ref, message_file=message)
            if hook == "working-systems":
                smoke_on = args.smoke if args.smoke is not None else change.mode == "pre-push"
                run = working_systems(
                    root, config, change, smoke=smoke_on, open_log=open_log, strict=args.strict
                )
            else:
                found = list(rollbacks(root, config)) if rollbacks is not None else []
                run = rollback_risk(root, config, change, now=clock(), rollbacks=found, strict=args.strict)
        if args.format == "text":
            table_first = hook == "rollback-risk"  # the factors, then what they add up to
            for line in run.report if table_first else []:
                print(mask(line))
            emit("text", hook, run.findings, run.rules, None)
            for line in [] if table_first else run.report:
                print(mask(line))
        elif args.format == "json":
            import json

            from .._report import as_json

            print(json.dumps(as_json(hook, run.findings, None, extra=run.extra), indent=2))
        else:
            emit(args.format, hook, run.findings, run.rules, None)
        if not args.no_results:
            record(root, run)
        return run.code
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the crash policy, failure_code
        from .database import DriverMissing

        return failure_code(hook, exc, debug=debug, refusals=(ChangeError, DriverMissing))
