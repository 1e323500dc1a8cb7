"""Run rule sets over a file set: read and parse each file once, one tree walk per rule set.

Returns data only (findings, per-rule coverage for scoring, and the checks that crashed); `_report`
formats it. `run` checks one rule set; `run_many` checks several (one per hook) on one file set,
reading, decoding and parsing each file once for all of them, with one RunContext.

Order of a run: repo checkers first, once, in this process (their facts are then inherited by the
worker processes, and their findings join each file's own, so suppressions, AS002, coverage and
scoring treat them like any other); then every file (in worker processes for large sets); then the
tracked-set checkers.

Crash policy: each check runs isolated. A check that raises (one rule on one file, one repo or
tracked checker) becomes a `Crash` in the result, its partial output is dropped, the other checks
finish, and the hook exits 2. A suppression of a rule that crashed on the file is not reported as
unused. Exceptions outside a check (the engine itself) propagate to the hook main.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ._checks import Checker, RepoChecker, TreeChecker
from ._mask import mask
from ._read import Unread
from ._rules import Rule
from ._source import Match, RunContext, SourceFile

if TYPE_CHECKING:
    from ._config import Config
    from ._git import IndexEntry

PARALLEL_THRESHOLD = 200  # files: from this many, always shared out among processes
# Fewer files are shared out when they hold this much source: monitoring-dashboards' 104 files (1 MB)
# took 0.65 s in one process and 0.53 s in two; a commit's few files never pay for the start-up.
PARALLEL_MIN_FILES = 32
PARALLEL_MIN_BYTES = 512 * 1024
REPO = "."  # the path of a crash of a check that speaks of the repository, not of one file
# `# ava-safety: ignore[ID]` in Python, YAML, Dockerfiles; in templates and stylesheets the same
# words in their own comments: `<!-- ... -->`, `{# ... #}`, `/* ... */`, `// ...`
SUPPRESS_RX = re.compile(
    # `rest` (where `until=` is read) runs to the end of the line: the closers and spaces around it
    # as optional parts after a lazy `.*?` made it cubic on a long run of spaces
    r"(?P<open>#|<!--|\{#|/\*|//)\s*ava-safety:\s*ignore(?P<ids>\[[^\]]*\])?(?P<rest>.*)"
)
UNTIL_RX = re.compile(r"\buntil=(\d{4}-\d{2}-\d{2})\b")

# Findings about the run itself, not about a rule: stable ids, never reused.
META = {
    "AS001": (
        "suppression-without-rule-id",
        "suppression names no rule; write # ava-safety: ignore[RULE-ID] reason",
    ),
    "AS002": ("unused-suppression", "suppression of {rule} matches no finding; remove it"),
    "AS003": (
        "expired-suppression",
        "suppression of {rule} expired on {until}; fix the finding or extend it",
    ),
    "AS004": (
        "file-not-utf8",
        "not valid UTF-8 (first bad byte here); checked with replacement characters",
    ),
    "AS005": ("python-syntax-error", "cannot parse: {error}; Python rules skipped for this file"),
    "AS006": (
        "python-not-utf8",
        "encoded as {encoding}, not UTF-8: Python cannot import it; save it as UTF-8",
    ),
    "AS007": (
        "nul-byte",
        "NUL byte here: git and most tools take the file for binary; checked as text",
    ),
    "AS008": ("unreadable-file", "cannot read this file ({error}); it was not checked"),
    "AS009": ("file-too-large", "not checked: {size} (max_file_size in .ava-safety.yaml)"),
    "AS010": ("not-a-regular-file", "not checked: {kind}"),
}
# meta findings that are real defects, not notes about the run: they block like an error rule
META_ERRORS = frozenset({"AS006", "AS008"})
# why a file was not read, reported (the others are passed over: a binary file or a symlink is checked
# by its path alone, a file gone from the work tree is not there to check)
UNREAD_META = {"unreadable": "AS008", "too-large": "AS009", "special": "AS010"}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    rule: str
    message: str
    severity: str = "error"
    line_text: str = field(default="", compare=False)
    principle: str | None = field(default=None, compare=False)
    blocking: bool = field(default=False, compare=False)


@dataclass
class Coverage:
    """For one rule: how many files it checked and which of them violate it."""

    checked: int = 0
    violating: set[str] = field(default_factory=set)


@dataclass(frozen=True, order=True)
class Crash:
    """A check that raised instead of finishing: printed as `path: internal error in RULE: error`."""

    path: str  # the file it was checking; REPO (".") for a repo or tracked-set checker
    rule: str
    error: str  # `ExceptionType: message`, one line, secrets masked
    detail: str = field(default="", compare=False)  # the traceback (masked), shown with AVA_SAFETY_DEBUG


@dataclass
class RunResult:
    findings: list[Finding]
    coverage: dict[str, Coverage]
    files_checked: int
    crashes: list[Crash] = field(default_factory=list)


@dataclass
class Suppression:
    line: int  # the line it stands on
    targets: tuple[int, ...]  # lines whose findings it covers
    ids: tuple[str, ...]
    until: date | None
    used: set[str] = field(default_factory=set)


def _meta(source: SourceFile, line: int, col: int, code: str, **values: str) -> Finding:
    error = code in META_ERRORS
    return Finding(
        source.path,
        line,
        col,
        code,
        META[code][1].format(**values),
        "error" if error else "warning",
        source.line_text(line).strip(),
        blocking=error,
    )


def _reading_findings(source: SourceFile) -> list[Finding]:
    """What the reader noticed about a file's bytes: not UTF-8 (AS004), UTF-16/32 Python (AS006),
    a NUL byte (AS007)."""
    found = []
    if source.bad_byte is not None:
        found.append(_meta(source, *source.bad_byte, "AS004"))
    if source.wide and source.is_python:
        found.append(_meta(source, 1, 1, "AS006", encoding=source.encoding[:6].upper()))
    if source.nul is not None:
        found.append(_meta(source, *source.nul, "AS007"))
    return found


def _unread_finding(source: SourceFile, why: Unread) -> Finding | None:
    code = UNREAD_META.get(why.reason)
    if code is None:
        return None
    return _meta(source, 1, 1, code, error=why.detail, size=why.detail, kind=why.detail)


def _crash(path: str, rule: Rule, exc: BaseException) -> Crash:
    message = " ".join(str(exc).split())
    error = type(exc).__name__ + (f": {message}" if message else "")
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Crash(path, rule.id, mask(error[:500]), mask(detail))


def _needs_tree(checker: Checker) -> bool:
    """Whether the check is handed parsed Python (so a Python file that does not parse skips it)."""
    if checker.shape == "tree":
        return True
    return checker.shape != "tracked" and checker.needs_tree


def _reports_syntax(checker: Checker) -> bool:
    return checker.shape in ("file", "repo") and checker.reports_syntax_errors


def _skips_unparsed(checker: Checker) -> bool:
    """Whether a Python file that does not parse is skipped by this check (AS005 says why)."""
    if checker.shape in ("file", "repo"):
        return checker.needs_tree and not checker.reports_syntax_errors
    return _needs_tree(checker)


def _parse_suppressions(source: SourceFile, today: date) -> tuple[list[Suppression], list[Finding]]:
    sups: list[Suppression] = []
    meta: list[Finding] = []
    if "ava-safety:" not in source.text:
        return sups, meta
    for number, line in enumerate(source.lines, start=1):
        if "ava-safety:" not in line:
            continue
        m = SUPPRESS_RX.search(line)
        if m is None:
            continue
        col = m.start() + 1
        ids_text = m.group("ids")
        ids = tuple(i.strip() for i in ids_text[1:-1].split(",") if i.strip()) if ids_text else ()
        if not ids:
            meta.append(_meta(source, number, col, "AS001"))
            continue
        until = None
        u = UNTIL_RX.search(m.group("rest"))
        if u:
            try:
                until = date.fromisoformat(u.group(1))
            except ValueError:
                until = None
        comment_only = line[: m.start()].strip() in ("", "{#", "<!--", "/*")
        targets = (number, number + 1) if comment_only else (number,)
        sups.append(Suppression(number, targets, ids, until))
    return sups, meta


RepoHits = Mapping[str, Sequence[Match]]  # for one file: rule id -> what its repo checker found here


def check_source(
    source: SourceFile,
    rules: Sequence[Rule],
    coverage: dict[str, Coverage],
    today: date,
    allow: Mapping[str, tuple[str, ...]] | None = None,
    *,
    repo_hits: RepoHits | None = None,
    crashes: list[Crash] | None = None,
    crashed: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every rule that applies to this file, on one read and (for tree rules) one walk.

    Repo checkers among `rules` do not run here: `repo_hits` holds what they found in this file
    (`crashed`: the ones that raised). A check that raises here is appended to `crashes`.
    """
    failed: set[str] = set(crashed)
    crash_list: list[Crash] = crashes if crashes is not None else []
    raw: list[tuple[Rule, Match]] = []
    tree_rules: list[Rule] = []
    other_rules: list[Rule] = []  # file and repo checkers
    for rule in rules:
        coverage.setdefault(rule.id, Coverage()).checked += 1
        checker = rule.checker
        if checker.shape == "tracked" or rule.id in failed:
            continue
        try:
            admitted = checker.admits(source)
        except Exception as exc:  # noqa: BLE001 - the crash policy: isolate the check, report it
            crash_list.append(_crash(source.path, rule, exc))
            failed.add(rule.id)
            continue
        if not admitted:
            continue
        # a tree kind that also reads other files as plain text (`strings`: templates) does so there
        if checker.shape == "tree" and (source.is_python or not checker.reads_plain_text):
            tree_rules.append(rule)
        else:
            other_rules.append(rule)
    findings: list[Finding] = []
    wants_tree = bool(tree_rules) or (source.is_python and any(_needs_tree(r.checker) for r in other_rules))
    if wants_tree and source.tree is None:
        if not any(_reports_syntax(r.checker) for r in other_rules):
            findings.append(_syntax_finding(source))
    elif tree_rules:
        index = any(_needs_tree(r.checker) for r in other_rules)  # plugins ask source.nodes()
        raw.extend(_walk(source, tree_rules, index=index, crashes=crash_list, failed=failed))
    for rule in other_rules:
        checker = rule.checker
        if _skips_unparsed(checker) and source.is_python and source.tree is None:
            continue  # AS005 above says why
        if checker.shape == "repo":
            raw.extend((rule, m) for m in (repo_hits or {}).get(rule.id, ()))
        elif checker.shape in ("file", "tree"):
            try:
                found = checker.check_file(source) if checker.shape == "file" else checker.check_text(source)
                hits = list(found)
            except Exception as exc:  # noqa: BLE001 - the crash policy: isolate the check, report it
                crash_list.append(_crash(source.path, rule, exc))
                failed.add(rule.id)
                continue
            raw.extend((rule, m) for m in hits)
    if allow:
        raw = [(rule, m) for rule, m in raw if not _allowed(rule, m, allow)]
    return _finish(source, raw, findings, coverage, today, rules, failed)


def _syntax_finding(source: SourceFile) -> Finding:
    if not source.is_python:  # a tree rule whose `files` name a file that is not Python
        return _meta(source, 1, 1, "AS005", error="not a Python file (no .py name, no python shebang)")
    line, col, message = source.syntax_error or (1, 1, "unknown error")
    return _meta(source, line, col, "AS005", error=message)


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _walk(
    source: SourceFile, rules: list[Rule], *, index: bool, crashes: list[Crash], failed: set[str]
) -> list[tuple[Rule, Match]]:
    """One pass over the tree for every tree rule, dispatching on node type (and call name).

    A rule that raises is dropped from the rest of the walk, and its matches on this file with it.
    """
    dispatch: dict[type, list[tuple[Rule, TreeChecker]]] = {}
    by_call: dict[str, list[tuple[Rule, TreeChecker]]] = {}
    for rule in rules:
        checker = rule.checker
        assert checker.shape == "tree"
        for node_type in checker.node_types:
            if node_type is ast.Call and checker.call_names is not None:
                for name in checker.call_names:
                    by_call.setdefault(name, []).append((rule, checker))
            else:
                dispatch.setdefault(node_type, []).append((rule, checker))
    out: list[tuple[Rule, Match]] = []
    ancestors: list[ast.AST] = []
    iter_children = ast.iter_child_nodes
    node_index: dict[type[ast.AST], list[ast.AST]] | None = (
        {} if index and source.node_index is None else None
    )
    call_type = ast.Call
    dead: set[str] = set()

    def visit(node: ast.AST) -> None:
        kind = type(node)
        if node_index is not None:
            node_index.setdefault(kind, []).append(node)
        handlers = dispatch.get(kind)
        if kind is call_type and by_call:
            named = by_call.get(_call_name(node))  # type: ignore[arg-type]
            if named:
                handlers = named + handlers if handlers else named
        if handlers:
            for rule, checker in handlers:
                if dead and rule.id in dead:
                    continue
                try:
                    m = checker.match_node(node, ancestors, source)
                except Exception as exc:  # noqa: BLE001 - the crash policy: isolate the check
                    crashes.append(_crash(source.path, rule, exc))
                    dead.add(rule.id)
                    continue
                if m is not None:
                    out.append((rule, m))
        ancestors.append(node)
        for child in iter_children(node):
            visit(child)
        ancestors.pop()

    if source.tree is not None:
        visit(source.tree)
    if node_index is not None:
        source.node_index = node_index
    if dead:
        failed.update(dead)
        out = [(rule, m) for rule, m in out if rule.id not in dead]
    return out


def _allowed(rule: Rule, m: Match, allow: Mapping[str, tuple[str, ...]]) -> bool:
    """A principle's allowance (`allow: [redis]`) drops a hit whose bound names are allowed."""
    names = allow.get(rule.principle or "")
    if not names:
        return False
    for value in m.values.values():
        for name in names:
            if value == name or value.startswith(name + "."):
                return True
    return False


def _finish(
    source: SourceFile,
    raw: list[tuple[Rule, Match]],
    findings: list[Finding],
    coverage: dict[str, Coverage],
    today: date,
    rules: Sequence[Rule],
    failed: set[str],
) -> list[Finding]:
    sups, meta = _parse_suppressions(source, today)
    findings.extend(meta)
    by_line: dict[int, list[Suppression]] = {}
    for sup in sups:
        for target in sup.targets:
            by_line.setdefault(target, []).append(sup)
    seen: set[tuple[str, int, int]] = set()
    stripped: dict[int, str] = {}  # one copy of a line however many findings stand on it
    for rule, m in sorted(raw, key=lambda item: item[0].id):
        key = (rule.id, m.line, m.col)
        if key in seen:
            continue
        seen.add(key)
        if _suppressed(rule, m.line, by_line, today):
            continue
        text = stripped.get(m.line)
        if text is None:
            text = stripped[m.line] = source.line_text(m.line).strip()
        values = {"path": source.path, "line_text": text, **m.values}
        findings.append(
            Finding(
                source.path, m.line, m.col, rule.id, mask(rule.render(values)), rule.severity,
                text, rule.principle, rule.blocking,
            )
        )  # fmt: skip
        coverage[rule.id].violating.add(source.path)
    if not sups:
        return findings
    # only rules that looked at this file count: not another file's (that made AS002 depend on the
    # order files were checked in), nor tree rules and plugins when the file does not parse, nor a
    # check that crashed on it
    ran = {r.id for r in rules} - failed
    if source.is_python and source.tree is None:
        ran = {r.id for r in rules if not _skips_unparsed(r.checker)} - failed
    for sup in sups:
        for rule_id in sup.ids:
            if rule_id not in ran:
                continue  # another hook's rule, or one this run did not load
            if sup.until is not None and sup.until < today:
                findings.append(
                    _meta(source, sup.line, 1, "AS003", rule=rule_id, until=sup.until.isoformat())
                )
            elif rule_id not in sup.used:
                findings.append(_meta(source, sup.line, 1, "AS002", rule=rule_id))
    return findings


def _suppressed(rule: Rule, line: int, by_line: dict[int, list[Suppression]], today: date) -> bool:
    for sup in by_line.get(line, ()):
        # a retired id that this rule replaced still names it (old suppressions keep working)
        if rule.id in sup.ids or any(old in sup.ids for old in rule.aliases):
            if sup.until is not None and sup.until < today:
                return False
            sup.used.add(rule.id)
            return True
    return False


# --- the whole run ------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One rule set's share of a run, settled in the parent before any file is checked."""

    rules: list[Rule]  # tree, file and repo rules: the per-file pass
    tracked: list[Rule]  # tracked-set rules: once, at the end
    repo_hits: dict[str, dict[str, list[Match]]] = field(default_factory=dict)  # path -> rule id -> hits
    repo_crashed: frozenset[str] = frozenset()
    given: frozenset[str] | None = None  # the files this set is given (its hook's manifest filter)


@dataclass
class _Part:
    """What checking some of the files found for one rule set."""

    findings: list[Finding] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    crashes: list[Crash] = field(default_factory=list)

    def merge(self, other: _Part) -> None:
        self.findings.extend(other.findings)
        self.crashes.extend(other.crashes)
        for rule_id, cov in other.coverage.items():
            mine = self.coverage.setdefault(rule_id, Coverage())
            mine.checked += cov.checked
            mine.violating |= cov.violating


_WORKER_STATE: tuple[RunContext, dict[str, _Plan], date, Mapping[str, tuple[str, ...]]] | None = None


def _reads_nothing(rule: Rule) -> bool:
    return rule.checker.shape == "file" and not rule.checker.reads_text


def _check_paths(
    context: RunContext,
    paths: Iterable[str],
    plans: Mapping[str, _Plan],
    today: date,
    allow: Mapping[str, tuple[str, ...]],
) -> dict[str, _Part]:
    parts = {name: _Part() for name in plans}
    for path in paths:
        # the run's table keeps the files other checks asked for, not every file checked
        held = path in context.files
        for name, plan in plans.items():
            if plan.given is not None and path not in plan.given:
                continue
            applicable = [r for r in plan.rules if r.applies_to(path)]
            if not applicable:
                continue
            part = parts[name]
            source = None if all(_reads_nothing(r) for r in applicable) else context.file(path)
            if source is None or source.via_link:
                # no text to check (binary, a symlink, unreadable, too large, gone): the rules that
                # decide by the path alone still see it (a tracked __pycache__/*.pyc is binary)
                stub = SourceFile(path, "", context=context)
                why = context.unread(path) if source is None else None
                unread = None if why is None else _unread_finding(stub, why)
                if unread is not None:
                    part.findings.append(unread)
                applicable = [r for r in applicable if _reads_nothing(r)]
                source = stub
            else:
                part.findings.extend(_reading_findings(source))
            if not applicable:
                continue
            part.findings.extend(
                check_source(
                    source, applicable, part.coverage, today, allow,
                    repo_hits=plan.repo_hits.get(path), crashes=part.crashes, crashed=plan.repo_crashed,
                )
            )  # fmt: skip
        checked = context.files.get(path) if held else context.files.pop(path, None)
        if checked is not None:
            checked.release()
    return parts


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it terminates the pool); no traceback per worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker(paths: list[str]) -> dict[str, _Part]:
    assert _WORKER_STATE is not None
    context, plans, today, allow = _WORKER_STATE
    return _check_paths(context, paths, plans, today, allow)


def _plan(
    context: RunContext,
    paths: Sequence[str],
    rules: Sequence[Rule],
    crashes: list[Crash],
    admits: Callable[[str], bool] | None = None,
) -> _Plan:
    """Sort the rules by shape, and run the repo checkers (once, here, before any file)."""
    plan = _Plan(
        rules=[r for r in rules if r.checker.shape != "tracked"],
        tracked=[r for r in rules if r.checker.shape == "tracked"],
    )
    if admits is not None:
        paths = [p for p in paths if admits(p)]
        plan.given = frozenset(paths)
    crashed: set[str] = set()
    for rule in plan.rules:
        checker = rule.checker
        if checker.shape != "repo":
            continue
        targets = [p for p in paths if rule.applies_to(p) and _admitted(context, checker, p)]
        if not targets:
            continue  # e.g. a commit of Python files no port or deployment fact is in: no repo model
        wanted = frozenset(targets)
        try:
            found = [(path, m) for path, m in checker.check_repo(context, targets) if path in wanted]
        except Exception as exc:  # noqa: BLE001 - the crash policy: isolate the check, report it
            crashes.append(_crash(REPO, rule, exc))
            crashed.add(rule.id)
            continue
        for path, m in found:
            plan.repo_hits.setdefault(path, {}).setdefault(rule.id, []).append(m)
    plan.repo_crashed = frozenset(crashed)
    return plan


def _admitted(context: RunContext, checker: RepoChecker, path: str) -> bool:
    """A repo checker's cheap per-file test (`admits`), as file checkers get it; a file that cannot
    be read is the checker's to judge."""
    source = context.file(path)
    return source is None or checker.admits(source)


def _check_tracked(rules: Sequence[Rule], repo: frozenset[str], part: _Part) -> None:
    for rule in rules:
        checker = rule.checker
        assert checker.shape == "tracked"
        cov = part.coverage.setdefault(rule.id, Coverage())
        cov.checked += 1
        try:
            found = list(checker.check_tracked(repo))
        except Exception as exc:  # noqa: BLE001 - the crash policy: isolate the check, report it
            part.crashes.append(_crash(REPO, rule, exc))
            continue
        for path, m in found:
            part.findings.append(
                Finding(path, m.line, m.col, rule.id, mask(rule.render({"path": path, **m.values})),
                        rule.severity, "", rule.principle, rule.blocking)
            )  # fmt: skip
            cov.violating.add(path)


def run(
    root: Path,
    paths: Sequence[str],
    rules: Sequence[Rule],
    *,
    repo_files: frozenset[str] | None = None,
    jobs: int | None = None,
    today: date | None = None,
    allow: Mapping[str, tuple[str, ...]] | None = None,
    config: Config | None = None,
) -> RunResult:
    """Check `paths` (repo-relative) under `root` with `rules`; see `run_many`."""
    return run_many(
        root, paths, {"": rules}, repo_files=repo_files, jobs=jobs, today=today, allow=allow, config=config
    )[""]


def _much_source(root: Path, paths: Sequence[str]) -> bool:
    """At least PARALLEL_MIN_FILES files holding PARALLEL_MIN_BYTES between them (sizes on disk; a
    file that cannot be stat'ed counts nothing)."""
    if len(paths) < PARALLEL_MIN_FILES:
        return False
    base, total = str(root), 0
    for path in paths:
        try:
            total += os.stat(os.path.join(base, path)).st_size
        except (OSError, ValueError):
            continue
        if total >= PARALLEL_MIN_BYTES:
            return True
    return False


def run_many(
    root: Path,
    paths: Sequence[str],
    rule_sets: Mapping[str, Sequence[Rule]],
    *,
    repo_files: frozenset[str] | None = None,
    jobs: int | None = None,
    today: date | None = None,
    allow: Mapping[str, tuple[str, ...]] | None = None,
    config: Config | None = None,
    admits: Mapping[str, Callable[[str], bool]] | None = None,
    index: Mapping[str, IndexEntry] | None = None,
) -> dict[str, RunResult]:
    """Check `paths` (repo-relative) under `root` with each rule set; one result per set's name.

    Every set is checked as if it ran alone (its own suppressions accounting, coverage, crashes),
    but each file is read, decoded and parsed once for all of them, and repo-wide facts are computed
    once (one RunContext). `repo_files`: the tracked paths (default: `paths`), which repo and
    tracked-set checkers see. `config`: the run's config (default: `.ava-safety.yaml` under `root`,
    or the defaults when there is none). `jobs`: processes for large file sets (default: cores).
    `admits`: per set, the files of `paths` it is given (a hook's manifest filter); default all.
    `index`: paths read from the git index instead of the work tree (see RunContext).
    """
    global _WORKER_STATE
    if config is None:
        from ._config import load_config

        config = load_config(root)
    today = today or date.today()
    repo = repo_files if repo_files is not None else frozenset(paths)
    context = RunContext(root, repo, config, index=index or {})
    paths = sorted(set(paths))
    context.preload(paths)  # one git process for every checked file read from the index
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    repo_crashes: dict[str, list[Crash]] = {name: [] for name in rule_sets}
    admits = admits or {}
    plans = {
        name: _plan(context, paths, rules, repo_crashes[name], admits.get(name))
        for name, rules in rule_sets.items()
    }
    if plans and all(plan.given is not None for plan in plans.values()):
        paths = sorted(set().union(*(plan.given or () for plan in plans.values())))
    parts = {name: _Part(crashes=repo_crashes[name]) for name in rule_sets}
    if jobs > 1 and (len(paths) >= PARALLEL_THRESHOLD or _much_source(root, paths)):
        _WORKER_STATE = (context, plans, today, allow or {})
        chunks = [paths[i :: jobs * 4] for i in range(jobs * 4)]
        try:
            # leaving the block terminates the workers: on Ctrl-C (or any error) they are killed, not
            # waited for, so an interrupted run stops at once (a pool that finished its queue first
            # took 24 s on 5,040 files)
            from multiprocessing import get_context  # only a run that forks pays for it

            with get_context("fork").Pool(jobs, initializer=_ignore_interrupts) as pool:
                for chunk_parts in pool.imap(_worker, chunks):
                    for name, part in chunk_parts.items():
                        parts[name].merge(part)
        finally:
            _WORKER_STATE = None
    else:
        for name, part in _check_paths(context, paths, plans, today, allow or {}).items():
            parts[name].merge(part)
    results = {}
    for name, plan in plans.items():
        part = parts[name]
        _check_tracked(plan.tracked, repo, part)
        given = len(paths) if plan.given is None else len(plan.given)
        results[name] = RunResult(sorted(part.findings), part.coverage, given, sorted(part.crashes))
    return results
