"""What every file-level hook does: decide the file set, load config and rules, run, report, record."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _engine, _git
from ._config import Config, load_config
from ._errors import ConfigErrors, ConfigProblem, stdout_closed
from ._report import FORMATS, as_json, emit
from ._rules import RuleSet, load_rules
from ._score import Scores, score

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filenames", nargs="*", help="files to check (default: decided from git)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--all-files", action="store_true", help="check every tracked file")
    scope.add_argument("--from-ref", help="check files changed since this ref (with --to-ref)")
    parser.add_argument("--to-ref", help="end of the range for --from-ref (default HEAD)")
    parser.add_argument(
        "--config", type=Path, help="config file (default: .ava-safety.yaml at the repo root)"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    parser.add_argument("--baseline", type=Path, help="report only findings not recorded in this baseline")
    parser.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="record current findings and exit 0"
    )
    parser.add_argument("--strict", action="store_true", help="warnings block too")
    parser.add_argument(
        "--jobs", type=int, default=None, help="processes for large file sets (default: cores)"
    )
    parser.add_argument("--no-results", action="store_true", help="do not write .git/ava-safety/results")


@dataclass
class Scope:
    root: Path
    paths: list[str]
    repo_files: frozenset[str]
    description: str
    in_git: bool


class UsageError(Exception):
    pass


def decide_scope(args: argparse.Namespace) -> Scope:
    cwd = Path.cwd()
    missing = [f for f in args.filenames if not os.path.lexists(cwd / f)]  # a dangling link is there
    if missing:
        # a typo must not pass as "clean" (pre-commit itself never names a file that is gone)
        raise UsageError(f"no such file: {', '.join(missing)}")
    try:
        root = _git.repo_root(cwd)
    except _git.GitError as exc:
        if not args.filenames:
            raise UsageError(f"{exc}; outside a git repository, pass the files to check") from None
        paths = [Path(f).as_posix() for f in args.filenames]
        return Scope(cwd, paths, frozenset(paths), f"{len(paths)} named files", False)
    tracked = frozenset(_git.tracked_files(root))
    if args.filenames:
        paths = [_relative(Path(f), cwd, root) for f in args.filenames]
        return Scope(root, paths, tracked | frozenset(paths), f"{len(paths)} named files", True)
    if args.all_files:
        return Scope(root, sorted(tracked), tracked, "all tracked files", True)
    refs = (args.from_ref, args.to_ref or "HEAD") if args.from_ref else _git.push_range_from_env()
    if refs is not None:
        paths = _git.changed_between(root, refs[0], refs[1])
        return Scope(root, paths, tracked, f"files changed in {refs[0][:12]}...{refs[1][:12]}", True)
    staged = _git.staged_files(root)
    if staged:
        return Scope(root, staged, tracked | frozenset(staged), "staged files", True)
    return Scope(root, sorted(tracked), tracked, "all tracked files (nothing staged)", True)


def _relative(path: Path, cwd: Path, root: Path) -> str:
    full = path if path.is_absolute() else cwd / path
    try:
        return full.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class Outcome:
    findings: list[_engine.Finding]
    crashes: list[_engine.Crash]
    ruleset: RuleSet
    scores: Scores | None
    scope: Scope
    config: Config
    seconds: float


def execute(hook: str, args: argparse.Namespace, *, scoring: bool) -> Outcome:
    started = time.perf_counter()
    scope = decide_scope(args)
    config = load_config(scope.root, args.config)
    extra = config.rule_files()
    display = {p: _relative(p, scope.root, scope.root) for p in extra}
    ruleset = load_rules(
        hook=hook,
        packs=config.packs,
        extra_files=extra,
        extra_display=display,
        packs_from=(config.display, config.packs_line),
    )
    unknown = sorted(config.disable - _declared_ids(extra)) if config.disable else []
    if unknown:
        raise ConfigErrors(
            [
                ConfigProblem(config.display, config.disable_line, f"'disable': unknown rule id {rid}")
                for rid in unknown
            ]
        )
    rules = [r for r in ruleset.rules if r.id not in config.disable]
    paths = [p for p in scope.paths if not config.exclude(p)]
    allow = {name: p.allow for name, p in config.principles.items() if p.allow}
    result = _engine.run(
        scope.root, paths, rules, repo_files=scope.repo_files, jobs=args.jobs, allow=allow, config=config
    )
    findings = result.findings
    if args.baseline is not None:
        from . import _baseline

        accepted = _baseline.load(args.baseline)
        findings = _baseline.filter_new(findings, accepted)
        for cov in result.coverage.values():
            cov.violating.clear()
        for f in findings:
            if f.rule in result.coverage:
                result.coverage[f.rule].violating.add(f.path)
    scores = score(ruleset, rules, result.coverage, config) if scoring else None
    return Outcome(findings, result.crashes, ruleset, scores, scope, config, time.perf_counter() - started)


def _declared_ids(own_files: Sequence[Path]) -> set[str]:
    """Rule ids of every bundled pack (any hook) and of the repo's files, read cheaply (no compiling)."""
    import re

    from ._rules import bundled_packs, pack_files

    paths = [p for pack in bundled_packs() for p in pack_files(pack)] + list(own_files)
    ids: set[str] = set()
    for path in paths:
        text = path.read_text("utf-8", errors="replace")
        ids.update(re.findall(r"^\s*-?\s*id:\s*([A-Z]{2,4}[0-9]{3})\b", text, re.M))
    return ids


def blocked(outcome: Outcome, *, strict: bool) -> bool:
    if outcome.scores is not None:
        if not outcome.scores.passed or any(f.blocking for f in outcome.findings):
            return True
        return strict and bool(outcome.findings)
    return any(f.severity == "error" or strict for f in outcome.findings)


def record(hook: str, outcome: Outcome, code: int) -> None:
    """Results for the dashboard under .git/ava-safety/results (never a tracked file)."""
    if not outcome.scope.in_git:
        return
    try:
        target = _git.state_dir(outcome.scope.root) / "results" / f"{hook}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = as_json(hook, outcome.findings, outcome.scores)
        data.update(
            {
                "exit_code": code,
                "files": len(outcome.scope.paths),
                "scope": outcome.scope.description,
                "seconds": round(outcome.seconds, 3),
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        )
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)
    except (OSError, _git.GitError) as exc:
        print(f"ava-safety: could not record results: {exc}", file=sys.stderr)


def main_for(hook: str, argv: Sequence[str] | None, *, scoring: bool, description: str) -> int:
    parser = argparse.ArgumentParser(prog=hook, description=description)
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    try:
        outcome = execute(hook, args, scoring=scoring)
        if args.write_baseline is not None:
            from . import _baseline

            count = _baseline.write(args.write_baseline, outcome.findings)
            print(f"{hook}: wrote {count} finding(s) to {args.write_baseline}", file=sys.stderr)
            return EXIT_OK
        code = EXIT_BLOCKED if blocked(outcome, strict=args.strict) else EXIT_OK
        if outcome.crashes:
            code = EXIT_ERROR
        emit(
            args.format,
            hook,
            outcome.findings,
            outcome.ruleset.rules,
            outcome.scores,
            blocked=code == EXIT_BLOCKED,
        )
        if args.format == "text" and not outcome.scope.paths:
            print(f"{hook}: no files to check ({outcome.scope.description})")
        for crash in outcome.crashes:
            print(f"{crash.path}: internal error in {crash.rule}: {crash.error}", file=sys.stderr)
        if not args.no_results:
            record(hook, outcome, code)
        return code
    except ConfigErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{hook}: fix the configuration above (exit 2)", file=sys.stderr)
        return EXIT_ERROR
    except (UsageError, _git.GitError) as exc:
        print(f"{hook}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return stdout_closed()
    except Exception as exc:  # noqa: BLE001 - the baseline's and file system's errors, named
        from ._baseline import BaselineError

        if isinstance(exc, BaselineError):
            print(f"{hook}: {exc}", file=sys.stderr)
            return EXIT_ERROR
        raise
    except KeyboardInterrupt:
        print(f"{hook}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
