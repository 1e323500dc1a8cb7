"""Rule examples run through the production engine: the test suite, `ava-safety rules --test` and
the loader (for a repo's own rule files, once per change of the file) all call this.

Each example is a small repository of its own in a temporary directory: the example's file under a
path the rule's `files` accept, any extra `files` (`untracked:<path>` on disk only), and the
example's own `.ava-safety.yaml` if it brings one. A `pass` example must give no finding of the
rule; a `fail` example at least one, and one at `line`/`col` with `message` when it gives them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._errors import ConfigErrors, ConfigProblem
from ._rules import Example, Rule
from ._source import parse_python

# where an example without a `path` is checked: the first of these the rule's `files` accept
CANDIDATE_PATHS = (
    "app/example.py",
    "example.py",
    "templates/example.html",
    "static/example.css",
    "example.js",
    "Dockerfile",
    "apprunner.yaml",
    ".env.example",
    "requirements.txt",
)
UNTRACKED = "untracked:"
CACHE_VERSION = "1"  # bump when what a cached "examples hold" means changes


@dataclass(frozen=True)
class ExampleFailure:
    """One example its rule does not hold on, placed at the example in the rule file."""

    rule: Rule
    example: Example
    problem: str
    crashed: bool = False  # the check raised: an internal error, not a wrong rule

    def __str__(self) -> str:
        return f"{self.rule.source}:{self.example.line}: {self.rule.id}: {self.problem}"


def example_path(rule: Rule, example: Example) -> str | None:
    if example.path:
        return example.path
    return next((c for c in CANDIDATE_PATHS if rule.applies_to(c)), None)


def run_example(
    rule: Rule, example: Example, workdir: Path, *, catch_crash: bool = False
) -> ExampleFailure | None:
    """Check one example in `workdir` (an empty directory, left empty again); None when the rule
    holds on it.

    A check that raises is a bug of ours, not of the rule: it propagates, unless `catch_crash`
    turns it into a failure marked `crashed` (for a report of every example).
    """
    from . import _engine
    from ._config import load_config

    def fail(problem: str, crashed: bool = False) -> ExampleFailure:
        return ExampleFailure(rule, example, problem, crashed)

    path = example_path(rule, example)
    if path is None:
        return fail("the rule's 'files' accept none of the usual example names: give the example a 'path'")
    if rule.checker.shape == "tree" and path.endswith((".py", ".pyi")):
        # an example that does not parse would pass trivially (the engine skips the file: AS005)
        _tree, error = parse_python(example.code, path)
        if error is not None:
            return fail(f"the example is not valid Python: {error[2]} (its line {error[0]})")
    tracked: set[str] = set()
    written: list[Path] = []
    try:
        if example.before:  # a change: the base commit first (its files are cleaned up below too)
            tracked |= _base_commit(workdir, path, example, written)
        for name, text in {path: example.code, **example.files}.items():
            untracked = name.startswith(UNTRACKED)
            name = name.removeprefix(UNTRACKED)
            if not untracked:
                tracked.add(name)
            _write(workdir, name, text, written)
        if example.tags:  # a repository with these tags on one commit of the example's files
            _tagged_repo(workdir, sorted(tracked), example.tags)
        if example.before:
            tracked = _stage_change(workdir, path, example, tracked)
        try:
            config = load_config(workdir)
        except ConfigErrors as exc:
            return fail(f"the example's own configuration is wrong: {exc.problems[0]}")
        try:
            result = _engine.run(
                workdir, [path], [rule], repo_files=frozenset(tracked), jobs=1, config=config
            )
        except Exception as exc:  # noqa: BLE001 - reported with the rule and example it happened on
            if not catch_crash:
                raise
            return fail(f"internal error in {rule.id}: {type(exc).__name__}: {exc}", crashed=True)
    finally:
        # the next example starts from an empty directory (a new one per example costs more:
        # directories are the slow part of a file system)
        if example.tags or example.before:
            shutil.rmtree(workdir / ".git", ignore_errors=True)
        for made in reversed(written):
            if made.is_dir():
                made.rmdir()
            else:
                made.unlink(missing_ok=True)
    if result.crashes:  # the engine isolates a check that raises (the crash policy): report it as such
        crash = result.crashes[0]
        return fail(f"internal error in {crash.rule}: {crash.error}", crashed=True)
    hits = [f for f in result.findings if f.rule == rule.id]
    if not example.expect_fail:
        if hits:
            first = hits[0]
            return fail(f"pass example is flagged: {first.line}:{first.col}: {first.message}")
        return None
    if not hits:
        return fail("fail example is not flagged")
    if example.at_line is None and example.at_col is None and example.message is None:
        return None
    if any(
        (example.at_line is None or f.line == example.at_line)
        and (example.at_col is None or f.col == example.at_col)
        and (example.message is None or f.message == example.message)
        for f in hits
    ):
        return None
    wanted = f"{example.at_line or '?'}:{example.at_col or '?'}"
    if example.message is not None:
        wanted += f": {example.message}"
    got = "; ".join(f"{f.line}:{f.col}: {f.message}" for f in hits)
    return fail(f"fail example is flagged, but not as expected: wanted {wanted}, got {got}")


def _write(workdir: Path, name: str, text: str, written: list[Path]) -> None:
    """An example's file, and the folders it needs, each noted in `written` (removed afterwards)."""
    target = workdir / name
    missing = [d for d in reversed(target.parents) if d.is_relative_to(workdir) and not d.exists()]
    for folder in missing:
        folder.mkdir()
        written.append(folder)
    target.write_text(text, encoding="utf-8")
    written.append(target)


def _base_commit(workdir: Path, path: str, example: Example, written: list[Path]) -> set[str]:
    """The files before the change (`files`, then `before` over them), committed; their names."""
    base = {n: t for n, t in example.files.items() if not n.startswith(UNTRACKED)}
    base.update(example.before)
    for name, text in base.items():
        _write(workdir, name, text, written)
    _git_steps(
        workdir,
        [["init", "-q"], ["add", "--", *sorted(base)], ["commit", "-q", "--no-verify", "-m", "before"]],
    )
    return set(base)


def _stage_change(workdir: Path, path: str, example: Example, tracked: set[str]) -> set[str]:
    """The example's file written over the base (already done), `before`-only files deleted, all staged."""
    gone = [n for n in example.before if n != path and n not in example.files]
    for name in gone:
        (workdir / name).unlink(missing_ok=True)
    _git_steps(workdir, [["add", "-A", "--", *sorted(tracked | {path})]])
    return (tracked | {path}) - set(gone)


def _git_steps(workdir: Path, steps: list[list[str]]) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "example",
        "GIT_AUTHOR_EMAIL": "example@example.invalid",
        "GIT_COMMITTER_NAME": "example",
        "GIT_COMMITTER_EMAIL": "example@example.invalid",
    }
    for args in steps:
        subprocess.run(["git", *args], cwd=workdir, env=env, capture_output=True, check=True, timeout=30)


def _tagged_repo(workdir: Path, tracked: Sequence[str], tags: Iterable[str]) -> None:
    steps = [["init", "-q"], ["add", "--", *tracked], ["commit", "-q", "--no-verify", "-m", "example"]]
    _git_steps(workdir, steps + [["tag", tag] for tag in tags])


def check_examples(
    rules: Iterable[Rule], *, catch_crash: bool = False, fail_only: bool = False
) -> list[ExampleFailure]:
    """Every example of these rules (`fail_only`: the fail examples), each in a fresh directory."""
    failures: list[ExampleFailure] = []
    with tempfile.TemporaryDirectory(prefix="ava-safety-examples-") as tmp:
        for rule in rules:
            for example in rule.examples:
                if fail_only and not example.expect_fail:
                    continue
                failure = run_example(rule, example, Path(tmp), catch_crash=catch_crash)
                if failure is not None:
                    failures.append(failure)
    return failures


def verify_own_rule_files(rules: Sequence[Rule], files: dict[str, Path], cache_dir: Path | None) -> None:
    """The loader's cheap form: the FAIL examples of the repo's own rule files (a rule that cannot
    flag what it is written for is the mistake that silently passes everything), run once per
    content of each file (the result is kept under `cache_dir`); one that is not flagged is a
    configuration error. `ava-safety rules --test` runs the pass examples too.

    `files` maps a rule file's display name (its rules' `source`) to its path.
    """
    from . import __version__

    failures: list[ExampleFailure] = []
    for shown, path in sorted(files.items()):
        own = [r for r in rules if r.source == shown]
        if not own:
            continue
        marker = None
        if cache_dir is not None:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digest = None
            if digest is not None:
                marker = cache_dir / "examples" / f"{digest}-{__version__}-{CACHE_VERSION}.ok"
                if marker.is_file():
                    continue
        # a check that crashes on its example crashes on the files too, where the crash policy
        # reports it (exit 2): only a fail example the check does not flag is the rule file's fault
        found = [f for f in check_examples(own, fail_only=True) if not f.crashed]
        failures += found
        if not found and marker is not None:
            _touch(marker)
    if failures:
        raise ConfigErrors(
            ConfigProblem(
                f.rule.source, f.example.line, f"{f.rule.id}: {f.problem}; run ava-safety rules --test"
            )
            for f in failures
        )


def _touch(marker: Path) -> None:
    """Best effort: a cache that cannot be written costs time on the next run, nothing else."""
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
        tmp.write_text("", encoding="utf-8")
        tmp.replace(marker)
    except OSError:
        pass
