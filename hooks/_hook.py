"""What every file-level hook does: decide the file set, load config and rules, run, report, record.

The library API, for callers that run hooks in this process (deploy, pre-deploy-check):

    from hooks._hook import AllFiles, HookRequest, execute, execute_many

    outcome = execute(HookRequest("syntax-imports", scope=AllFiles()))
    outcomes = execute_many([HookRequest(hook, scope=AllFiles()) for hook in GATES])
    if any(o.code for o in outcomes.values()): ...

`execute_many` runs several hooks on ONE file set in one pass: the scope is decided once, the config
loaded once, and each file read, decoded and parsed once for all of them (one RunContext); each hook
still gets exactly the findings, crashes, scores and exit code it would get alone. `Outcome.code` is
the hook's exit code: 0 clean, 1 blocked, 2 a check crashed (`Outcome.crashes` says which). Config,
usage, git and baseline problems raise `ConfigErrors`, `UsageError`, `_git.GitError` or
`BaselineError`, which `main_for` turns into exit 2. Nothing here prints except `main_for`.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _engine, _git
from ._config import Config, load_config
from ._errors import ConfigErrors, ConfigProblem, stdout_closed
from ._report import FORMATS, as_json, crash_lines, emit, internal_error_line, printable
from ._rules import RuleSet, declared_ids, declared_principles, load_rules
from ._score import Scores, Verdict, gate, score

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
SCORING_HOOKS = frozenset({"constitutional-compliance"})  # also gated by their scores
MAX_JOBS = 256  # `--jobs`: more processes than this is a typo, not a machine


# --- the request -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedFiles:
    """These files (relative to the request's cwd); each must exist."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class AllFiles:
    """Every tracked file."""


@dataclass(frozen=True)
class RefRange:
    """The files changed between two refs (`from_ref...to_ref`), as pre-push sees a push."""

    from_ref: str
    to_ref: str = "HEAD"


@dataclass(frozen=True)
class Staged:
    """The staged files; every tracked file when nothing is staged (a hook run by hand)."""


FileScope = NamedFiles | AllFiles | RefRange | Staged


@dataclass(frozen=True)
class HookRequest:
    """One hook run, as its command line would ask for it (see `main_for` for the flags).

    `scoring`: None for the hook's own behaviour (constitutional-compliance is scored, and its
    score gate blocks too; every hook blocks on an error finding, see `_score.Verdict`).
    `results`: write `.git/ava-safety/results/<hook>.json`.
    `cwd`: where relative names (files, config, baseline) and the repository are looked up (None:
    the current directory).
    """

    hook: str
    scope: FileScope = Staged()
    config: Path | None = None
    baseline: Path | None = None
    strict: bool = False
    jobs: int | None = None
    results: bool = True
    scoring: bool | None = None
    cwd: Path | None = None

    @property
    def scores(self) -> bool:
        return self.hook in SCORING_HOOKS if self.scoring is None else self.scoring

    def path(self, name: Path) -> Path:
        """A path the request names, relative to its cwd."""
        return name if name.is_absolute() or self.cwd is None else self.cwd / name


# --- the file set ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A request's file set, decided: where the repository is and which of its files to check.

    `index`: the paths whose contents are read from the git index, not the work tree (a commit
    checks what it commits; files a sparse checkout leaves out), with their index entries."""

    root: Path
    paths: list[str]
    repo_files: frozenset[str]
    description: str
    in_git: bool
    index: Mapping[str, _git.IndexEntry] = field(default_factory=dict)


class UsageError(Exception):
    pass


def decide_scope(scope: FileScope, cwd: Path | None = None) -> Scope:
    cwd = cwd or Path.cwd()
    named = scope.paths if isinstance(scope, NamedFiles) else ()
    _check_named(named, cwd)
    try:
        root = _git.repo_root(cwd)
    except _git.GitError as exc:
        if not named:
            raise UsageError(f"{exc}; outside a git repository, pass the files to check") from None
        paths = [p for f in named for p in _files_outside_git(Path(f), cwd)]
        return Scope(cwd, paths, frozenset(paths), f"{len(paths)} named files", False)
    tracked_list, sparse = _git.tracked_and_sparse(root)
    tracked = frozenset(tracked_list)
    if isinstance(scope, NamedFiles):
        paths = []
        for name in named:
            rel = _named_relative(Path(name), cwd, root)
            if os.path.isdir(cwd / name) and not os.path.islink(cwd / name):
                # a directory means the tracked files under it
                prefix = "" if rel == "." else rel.rstrip("/") + "/"
                paths.extend(t for t in tracked_list if t.startswith(prefix))
            else:
                paths.append(rel)
        paths = list(dict.fromkeys(paths))
        return Scope(root, paths, tracked | frozenset(paths), f"{len(paths)} named files", True, index=sparse)
    if isinstance(scope, AllFiles):
        description = "all tracked files"
        if sparse:
            description += f" ({len(sparse)} outside the sparse checkout, read from the index)"
        return Scope(root, sorted(tracked), tracked, description, True, index=sparse)
    if isinstance(scope, RefRange):
        paths = _git.changed_between(root, scope.from_ref, scope.to_ref)
        description = f"files changed in {scope.from_ref[:12]}...{scope.to_ref[:12]}"
        return Scope(root, paths, tracked, description, True, index=sparse)
    staged = _git.staged_files(root)
    if staged:
        # what the commit takes is the index: a staged file edited or deleted since `git add` is
        # read from there (under pre-commit, which stashes unstaged changes, there are none)
        index = {**sparse, **_git.unstaged_changes(root)}
        return Scope(root, staged, tracked | frozenset(staged), "staged files", True, index=index)
    return Scope(root, sorted(tracked), tracked, "all tracked files (nothing staged)", True, index=sparse)


def _check_named(named: Sequence[str], cwd: Path) -> None:
    missing = [f for f in named if not os.path.lexists(cwd / f)]  # a dangling link is there
    if missing:
        # a typo must not pass as "clean" (pre-commit itself never names a file that is gone)
        raise UsageError(f"no such file: {', '.join(missing)}")
    for name in named:
        try:
            os.stat(cwd / name)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UsageError(f"{name}: a symlink loop; remove the link or name another file") from None
            if exc.errno == errno.ENAMETOOLONG:
                raise UsageError(f"{name[:80]}...: a name too long for the file system") from None


def _named_relative(path: Path, cwd: Path, root: Path) -> str:
    """A named file's repo-relative path: its directory resolved (`..`, a linked directory, the
    cwd), the name itself kept, so that a named symlink is the link, as git tracks it."""
    full = path if path.is_absolute() else cwd / path
    if full.name in ("", ".", ".."):
        full = Path(os.path.realpath(full))
    real_root = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(full.parent)) / full.name
    if resolved == real_root:
        return "."
    try:
        return resolved.relative_to(real_root).as_posix()
    except ValueError:
        return full.as_posix()  # a file outside the repository, named on purpose: checked as named


def _files_outside_git(path: Path, cwd: Path) -> list[str]:
    """Outside a repository, a named directory means the files under it (not following links)."""
    full = cwd / path
    if not full.is_dir() or full.is_symlink():
        return [path.as_posix()]
    found: list[str] = []
    for parent, dirs, files in os.walk(full):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        found.extend((Path(parent) / f).relative_to(cwd).as_posix() for f in sorted(files))
    return found


def manifest_filters(hooks: Sequence[str]) -> dict[str, Callable[[str], bool]]:
    """Each hook considers exactly the files its .pre-commit-hooks.yaml entry would give it, whatever
    the scope (hooks._manifest: the one table, which a test holds the manifest to)."""
    from ._manifest import admits

    found = {hook: admits(hook) for hook in hooks}
    return {hook: wanted for hook, wanted in found.items() if wanted is not None}


def _relative(path: Path, cwd: Path, root: Path) -> str:
    full = path if path.is_absolute() else cwd / path
    try:
        # realpath, not resolve(): a symlink loop must not raise (RuntimeError) here
        return Path(os.path.realpath(full)).relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return path.as_posix()


# --- running -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    hook: str
    code: int  # EXIT_ERROR when a check crashed, else EXIT_BLOCKED when `blocked`, else EXIT_OK
    blocked: bool  # the findings (or the score) block, whatever crashed
    findings: list[_engine.Finding]
    crashes: list[_engine.Crash]
    ruleset: RuleSet
    scores: Scores | None
    scope: Scope
    config: Config
    seconds: float  # the whole call (shared by every hook of one execute_many)
    verdict: Verdict = Verdict(0, 0)  # why it blocks (`blocked` is `verdict.blocked`)
    checked: int = 0  # files of the scope checked (after exclusions and vendored files)
    skipped: int = 0  # files of the scope skipped as vendored or generated


def execute(request: HookRequest) -> Outcome:
    """Run one hook; see the module docstring."""
    return execute_many([request])[request.hook]


def execute_many(requests: Sequence[HookRequest]) -> dict[str, Outcome]:
    """Run several hooks on one file set in one pass; one Outcome per hook id.

    The requests must agree on what decides the file set and the run (scope, config, cwd, jobs)
    and name each hook once; they may differ in baseline, strict, results and scoring.
    """
    if not requests:
        return {}
    first = requests[0]
    shared = (first.scope, first.config, first.cwd, first.jobs)
    if any((r.scope, r.config, r.cwd, r.jobs) != shared for r in requests):
        raise ValueError("execute_many: every request must have the same scope, config, cwd and jobs")
    if first.jobs is not None and not 1 <= first.jobs <= MAX_JOBS:
        raise UsageError(f"jobs must be a number of processes from 1 to {MAX_JOBS}, not {first.jobs}")
    hooks = [r.hook for r in requests]
    if len(set(hooks)) != len(hooks):
        raise ValueError(f"execute_many: a hook is requested twice ({', '.join(hooks)})")
    started = time.perf_counter()
    scope = decide_scope(first.scope, first.cwd)
    config = load_config(scope.root, None if first.config is None else first.path(first.config))
    extra = config.rule_files()
    display = {p: _relative(p, scope.root, scope.root) for p in extra}
    unknown = sorted(config.disable - declared_ids(extra)) if config.disable else []
    if unknown:
        raise ConfigErrors(
            [
                ConfigProblem(config.display, config.disable_line, f"'disable': unknown rule id {rid}")
                for rid in unknown
            ]
        )
    if config.principles:
        misspelt = config.principle_problems(declared_principles(config.packs, extra))
        if misspelt:
            raise ConfigErrors(misspelt)
    rulesets = {
        r.hook: load_rules(
            hook=r.hook,
            packs=config.packs,
            extra_files=extra,
            extra_display=display,
            packs_from=(config.display, config.packs_line),
        )
        for r in requests
    }
    if extra:
        # a rule of the repo's own whose fail example its check cannot flag passes everything it is
        # written for: a configuration error (run once per content of each rule file)
        from ._examples import verify_own_rule_files

        cache = _git.state_dir(scope.root) / "cache" if scope.in_git else None
        own = [rule for rs in rulesets.values() for rule in rs.rules]
        verify_own_rule_files(
            list({r.id: r for r in own}.values()), {display.get(p, str(p)): p for p in extra}, cache
        )
    active = {hook: [r for r in rs.rules if r.id not in config.disable] for hook, rs in rulesets.items()}
    paths = [p for p in scope.paths if not config.exclude(p)]
    filters = manifest_filters(hooks)
    if all(hook in filters for hook in hooks):  # only what some hook's manifest entry would give it:
        # the vendored split then judges 104 Python files, not 7,833 tracked paths
        paths = [p for p in paths if any(filters[hook](p) for hook in hooks)]
    paths, skipped = _skip_vendored(scope, paths, config)
    allow = {name: p.allow for name, p in config.principles.items() if p.allow}
    results = _engine.run_many(
        scope.root, paths, active, repo_files=scope.repo_files, jobs=first.jobs, allow=allow, config=config,
        admits=filters, index=scope.index,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    outcomes = {}
    for request in requests:
        result = results[request.hook]
        findings = result.findings
        if request.baseline is not None:
            from . import _baseline

            accepted = _baseline.load(request.path(request.baseline))
            findings = _baseline.filter_new(findings, accepted)
            for cov in result.coverage.values():
                cov.violating.clear()
            for f in findings:
                if f.rule in result.coverage:
                    result.coverage[f.rule].violating.add(f.path)
        ruleset = rulesets[request.hook]
        scores = score(ruleset, active[request.hook], result.coverage, config) if request.scores else None
        outcome = Outcome(
            request.hook, EXIT_OK, False, findings, result.crashes, ruleset, scores, scope, config, seconds,
            checked=len(paths), skipped=len(skipped),
        )  # fmt: skip
        outcome.verdict = verdict(outcome, strict=request.strict)
        outcome.blocked = outcome.verdict.blocked
        outcome.code = EXIT_ERROR if result.crashes else EXIT_BLOCKED if outcome.blocked else EXIT_OK
        if request.results:
            record(outcome)
        outcomes[request.hook] = outcome
    return outcomes


def _skip_vendored(scope: Scope, paths: list[str], config: Config) -> tuple[list[str], list[str]]:
    """The scope's files without the vendored and generated ones (hooks._vendored), which stay in
    `repo_files`: the code they vendor is still imported, their stylesheets' properties still used."""
    from . import _vendored

    split = _vendored.split(
        scope.root, paths, scope.repo_files, include=config.include_vendored, in_git=scope.in_git
    )
    return split.checked, split.skipped


def verdict(outcome: Outcome, *, strict: bool) -> Verdict:
    """Errors always block; warnings through the score gate, or every one under `strict`."""
    return gate([(f.severity, f.blocking) for f in outcome.findings], outcome.scores, strict=strict)


def blocked(outcome: Outcome, *, strict: bool) -> bool:
    return verdict(outcome, strict=strict).blocked


def record(outcome: Outcome) -> None:
    """Results for the dashboard under .git/ava-safety/results (never a tracked file).

    A results file that cannot be written costs the dashboard a row, never the hook's verdict.
    """
    if not outcome.scope.in_git:
        return
    data: dict[str, Any] = as_json(
        outcome.hook,
        outcome.findings,
        outcome.scores,
        crashes=outcome.crashes,
        verdict=outcome.verdict,
        skipped=outcome.skipped,
    )
    data.update(
        {
            "exit_code": outcome.code,
            "files": len(outcome.scope.paths),
            "scope": outcome.scope.description,
            "seconds": round(outcome.seconds, 3),
        }
    )
    write_results(outcome.scope.root, outcome.hook, data)


def write_results(root: Path, hook: str, data: dict[str, Any]) -> None:
    """`.git/ava-safety/results/<hook>.json`, written whole (a reader never sees half a file), with
    `finished_at`; a scored run also appends to `<hook>.scores.jsonl`. Never raises."""
    try:
        target = _git.state_dir(root) / "results" / f"{hook}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {**data, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)
        if "score" in data:
            append_score(target.parent / f"{hook}.scores.jsonl", data)
    except (OSError, _git.GitError) as exc:
        print(f"ava-safety: could not record results: {exc}", file=sys.stderr)


# --- the command line ----------------------------------------------------------------------------------


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
        "--jobs", type=jobs_count, default=None, help=f"processes for large file sets, 1 to {MAX_JOBS} "
        "(default: cores)",
    )  # fmt: skip
    parser.add_argument(
        "--force", action="store_true", help="with --write-baseline: overwrite the file even if git tracks it"
    )
    parser.add_argument("--no-results", action="store_true", help="do not write .git/ava-safety/results")


def jobs_count(text: str) -> int:
    """`--jobs`: a process count the machine can start (argparse makes a bad one exit 2)."""
    import argparse

    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= jobs <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"{jobs} is not a number of processes from 1 to {MAX_JOBS}")
    return jobs


def request_from(hook: str, args: argparse.Namespace, *, scoring: bool) -> HookRequest:
    """The request a command line makes. With no files and no range, pre-push's range (from
    pre-commit's environment) when there is one, else the staged files."""
    scope: FileScope
    if args.filenames:
        scope = NamedFiles(tuple(args.filenames))
    elif args.all_files:
        scope = AllFiles()
    elif args.from_ref:
        scope = RefRange(args.from_ref, args.to_ref or "HEAD")
    else:
        pushed = _git.push_range_from_env()
        scope = RefRange(*pushed) if pushed is not None else Staged()
    return HookRequest(
        hook,
        scope=scope,
        config=args.config,
        baseline=args.baseline,
        strict=args.strict,
        jobs=args.jobs,
        results=not args.no_results and args.write_baseline is None,
        scoring=scoring,
    )


def dash_files(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """`argv` with each file whose name starts with `-` written as `./-x.py`.

    pre-commit passes file names after the hook's own arguments, with no `--` between: a file
    named `-x.py` would be taken for an option (and the hook would exit 2 on every commit that
    touches it). An argument that is none of the parser's options but names a file or directory
    here is a file. After `--` argparse already takes everything as a file."""
    known = set(parser._option_string_actions)  # argparse has no public way to ask
    out: list[str] = []
    for position, arg in enumerate(argv):
        if arg == "--":
            return out + list(argv[position:])
        name = arg.split("=", 1)[0]
        if arg.startswith("-") and arg != "-" and name not in known and os.path.lexists(arg):
            arg = os.path.join(".", arg)
        out.append(arg)
    return out


SCORES_KEEP = 500  # runs kept in <hook>.scores.jsonl: the dashboard's trend


def append_score(path: Path, data: dict[str, Any]) -> None:
    """One line per scored run (time, overall, per principle), the newest SCORES_KEEP kept."""
    score = data["score"]
    line = {
        "finished_at": data["finished_at"],
        "overall": score["overall"],
        "passed": score["passed"],
        "principles": {p["name"]: p["score"] for p in score["principles"]},
        "exit_code": data["exit_code"],
        "files": data["files"],
        "scope": data["scope"],
    }
    with open(path, "a", encoding="utf-8") as out:  # one short append: whole lines even when racing
        out.write(json.dumps(line) + "\n")
    if path.stat().st_size > SCORES_KEEP * 600:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[-SCORES_KEEP:]
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.replace(path)


def _nothing(outcome: Outcome) -> str:
    """Why a run had no file to check: its scope, and how many of its files the config excluded."""
    excluded = len(outcome.scope.paths) - outcome.checked - outcome.skipped
    return outcome.scope.description + (f"; {excluded} excluded by the config" if excluded > 0 else "")


def _tracked_target(target: Path, scope: Scope) -> str | None:
    """The repo path of `target` when git tracks it (a file a hook must not silently overwrite)."""
    if not scope.in_git:
        return None
    relative = _relative(target, Path.cwd(), scope.root)
    return relative if relative in _git.tracked_files(scope.root) else None


def main_for(hook: str, argv: Sequence[str] | None, *, scoring: bool, description: str) -> int:
    """A hook's command line: parse, run, print (findings to stdout, problems to stderr), exit code.

    Exit codes: 0 clean, 1 blocked, 2 a usage, config or internal error (a check that crashed, or
    anything unexpected, never shown as a traceback unless AVA_SAFETY_DEBUG is set), 130 interrupted.
    """
    import argparse

    parser = argparse.ArgumentParser(prog=hook, description=description)
    add_common_arguments(parser)
    args = parser.parse_args(dash_files(parser, sys.argv[1:] if argv is None else argv))
    debug = bool(os.environ.get("AVA_SAFETY_DEBUG"))
    try:
        outcome = execute(request_from(hook, args, scoring=scoring))
        if args.write_baseline is not None:
            from . import _baseline

            tracked = _tracked_target(args.write_baseline, outcome.scope)
            if tracked is not None and not args.force:
                print(printable(f"{hook}: {args.write_baseline} is tracked by git ({tracked}); "
                                "--force overwrites it"), file=sys.stderr)  # fmt: skip
                return EXIT_ERROR
            count = _baseline.write(args.write_baseline, outcome.findings)
            print(f"{hook}: wrote {count} finding(s) to {args.write_baseline}", file=sys.stderr)
            for line in crash_lines(outcome.crashes, debug=debug):
                print(line, file=sys.stderr)
            return EXIT_ERROR if outcome.crashes else EXIT_OK
        emit(
            args.format,
            hook,
            outcome.findings,
            outcome.ruleset.rules,
            outcome.scores,
            verdict=outcome.verdict,
            files=outcome.checked,
            skipped=outcome.skipped,
            nothing=_nothing(outcome),
            crashes=outcome.crashes,
        )
        for line in crash_lines(outcome.crashes, debug=debug):
            print(line, file=sys.stderr)
        return outcome.code
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the crash policy, failure_code
        from ._baseline import BaselineError

        return failure_code(hook, exc, debug=debug, refusals=(BaselineError,))


def failure_code(
    hook: str, exc: BaseException, *, debug: bool, refusals: tuple[type[BaseException], ...] = ()
) -> int:
    """The crash policy at every hook's main, printed on stderr: a configuration problem, a usage or
    git error, or one of `refusals` (errors a hook raises to refuse its input) is exit 2 with what to
    do; a closed stdout ends quietly; Ctrl-C is 130; anything else is an internal error, exit 2 (one
    line, the traceback with AVA_SAFETY_DEBUG), never 1 ("blocked") or 0 ("clean")."""
    if isinstance(exc, ConfigErrors):
        for problem in exc.problems:
            print(printable(str(problem)), file=sys.stderr)  # a file name must not forge a line
        print(f"{hook}: fix the configuration above (exit 2)", file=sys.stderr)
        return EXIT_ERROR
    if isinstance(exc, (UsageError, _git.GitError, *refusals)):
        print(printable(f"{hook}: {exc}"), file=sys.stderr)
        return EXIT_ERROR
    if isinstance(exc, BrokenPipeError):
        return stdout_closed()
    if isinstance(exc, KeyboardInterrupt):
        print(f"{hook}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(internal_error_line(hook, exc, debug=debug), file=sys.stderr)
    return EXIT_ERROR
