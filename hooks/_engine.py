"""Run a rule set over a file set: read and parse each file once, one tree walk for all tree rules.

Returns data only (findings and per-rule coverage for scoring); `_report` formats it.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ._rules import Rule
from ._source import Match, RunContext, SourceFile, decode

PARALLEL_THRESHOLD = 200  # files; below this, process start-up costs more than it saves
# `# ava-safety: ignore[ID]` in Python, YAML, Dockerfiles; in templates and stylesheets the same
# words in their own comments: `<!-- ... -->`, `{# ... #}`, `/* ... */`, `// ...`
SUPPRESS_RX = re.compile(
    r"(?P<open>#|<!--|\{#|/\*|//)\s*ava-safety:\s*ignore(?P<ids>\[[^\]]*\])?(?P<rest>.*?)\s*(?:-->|#\}|\*/)?\s*$"
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
}


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


@dataclass
class RunResult:
    findings: list[Finding]
    coverage: dict[str, Coverage]
    files_checked: int


@dataclass
class Suppression:
    line: int  # the line it stands on
    targets: tuple[int, ...]  # lines whose findings it covers
    ids: tuple[str, ...]
    until: date | None
    used: set[str] = field(default_factory=set)


def _meta(source: SourceFile, line: int, col: int, code: str, **values: str) -> Finding:
    return Finding(
        source.path,
        line,
        col,
        code,
        META[code][1].format(**values),
        "warning",
        source.line_text(line).strip(),
    )


def read_source(root: Path, path: str, context: RunContext) -> tuple[SourceFile | None, list[Finding]]:
    try:
        raw = (root / path).read_bytes()
    except OSError:
        return None, []
    decoded = decode(path, raw)
    if decoded is None:
        context.files[path] = None
        return None, []  # binary: nothing here is source text
    source = SourceFile(path, decoded.text, context=context)
    context.files[path] = source
    if decoded.bad_offset is None:
        return source, []
    bad = decoded.bad_offset
    line = raw[:bad].count(b"\n") + 1
    line_start = raw.rfind(b"\n", 0, bad) + 1
    col = len(raw[line_start:bad].decode("utf-8")) + 1  # all valid before the first bad byte
    return source, [_meta(source, line, col, "AS004")]


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


def check_source(
    source: SourceFile,
    rules: Sequence[Rule],
    coverage: dict[str, Coverage],
    today: date,
    allow: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Finding]:
    """Every rule that applies to this file, on one read and (for tree rules) one walk."""
    raw: list[tuple[Rule, Match]] = []
    tree_rules: list[Rule] = []
    file_rules: list[Rule] = []
    for rule in rules:
        coverage.setdefault(rule.id, Coverage()).checked += 1
        checker = rule.checker
        if not checker.admits(source):
            continue
        # a tree kind that also reads other files as text (`strings`: templates) does so on them
        if hasattr(checker, "node_types") and (source.is_python or not hasattr(checker, "check_file")):
            tree_rules.append(rule)
        else:
            file_rules.append(rule)
    findings: list[Finding] = []
    needs_tree = tree_rules or (source.is_python and any(r.kind == "plugin" for r in file_rules))
    if needs_tree and source.tree is None:
        if not any(_reports_syntax(r) for r in file_rules):
            findings.append(_syntax_finding(source))
    elif tree_rules:
        index = any(r.kind == "plugin" for r in file_rules)
        raw.extend(_walk(source.tree, tree_rules, source, index=index))
    for rule in file_rules:
        raw.extend((rule, m) for m in rule.checker.check_file(source))
    if allow:
        raw = [(rule, m) for rule, m in raw if not _allowed(rule, m, allow)]
    return _finish(source, raw, findings, coverage, today, rules)


def _reports_syntax(rule: Rule) -> bool:
    return getattr(rule.checker, "reports_syntax_errors", False) is True


def _syntax_finding(source: SourceFile) -> Finding:
    if not source.is_python:  # a tree rule whose `files` name a file that is not Python
        return _meta(source, 1, 1, "AS005", error="not a Python file (no .py name, no python shebang)")
    try:
        ast.parse(source.text)
    except SyntaxError as exc:
        line = exc.lineno or 1
        return _meta(source, line, max(exc.offset or 1, 1), "AS005", error=exc.msg)
    except ValueError as exc:
        return _meta(source, 1, 1, "AS005", error=str(exc))
    except RecursionError:  # CPython cannot compile it either
        return _meta(source, 1, 1, "AS005", error="too deeply nested to compile")
    return _meta(source, 1, 1, "AS005", error="unknown error")  # pragma: no cover


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _walk(
    tree: ast.AST | None, rules: list[Rule], source: SourceFile, *, index: bool
) -> list[tuple[Rule, Match]]:
    """One pass over the tree for every tree rule, dispatching on node type (and call name)."""
    dispatch: dict[type, list[Rule]] = {}
    by_call: dict[str, list[Rule]] = {}
    for rule in rules:
        call_names = getattr(rule.checker, "call_names", None)
        for node_type in rule.checker.node_types:
            if node_type is ast.Call and call_names is not None:
                for name in call_names:
                    by_call.setdefault(name, []).append(rule)
            else:
                dispatch.setdefault(node_type, []).append(rule)
    out: list[tuple[Rule, Match]] = []
    ancestors: list[ast.AST] = []
    iter_children = ast.iter_child_nodes
    node_index: dict[type[ast.AST], list[ast.AST]] | None = {} if index else None
    call_type = ast.Call

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
            for rule in handlers:
                m = rule.checker.match_node(node, ancestors, source)
                if m is not None:
                    out.append((rule, m))
        ancestors.append(node)
        for child in iter_children(node):
            visit(child)
        ancestors.pop()

    if tree is not None:
        visit(tree)
    if node_index is not None:
        source.node_index = node_index
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
) -> list[Finding]:
    sups, meta = _parse_suppressions(source, today)
    findings.extend(meta)
    by_line: dict[int, list[Suppression]] = {}
    for sup in sups:
        for target in sup.targets:
            by_line.setdefault(target, []).append(sup)
    seen: set[tuple[str, int, int]] = set()
    for rule, m in sorted(raw, key=lambda item: item[0].id):
        key = (rule.id, m.line, m.col)
        if key in seen:
            continue
        seen.add(key)
        if _suppressed(rule, m.line, by_line, today):
            continue
        values = {"path": source.path, "line_text": source.line_text(m.line).strip(), **m.values}
        findings.append(
            Finding(
                source.path, m.line, m.col, rule.id, rule.render(values), rule.severity,
                source.line_text(m.line).strip(), rule.principle, rule.blocking,
            )
        )  # fmt: skip
        coverage[rule.id].violating.add(source.path)
    # only rules that looked at this file count: not another file's (that made AS002 depend on the
    # order files were checked in), nor tree rules and plugins when the file does not parse
    ran = {r.id for r in rules}
    if source.is_python and source.tree is None:
        ran = {
            r.id
            for r in rules
            if _reports_syntax(r) or not (hasattr(r.checker, "node_types") or r.kind == "plugin")
        }
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

_WORKER_STATE: tuple[RunContext, list[Rule], date, Mapping[str, tuple[str, ...]]] | None = None


def _check_paths(
    context: RunContext,
    paths: Iterable[str],
    rules: Sequence[Rule],
    today: date,
    allow: Mapping[str, tuple[str, ...]],
) -> tuple[list[Finding], dict[str, Coverage]]:
    findings: list[Finding] = []
    coverage: dict[str, Coverage] = {}
    for path in paths:
        applicable = [r for r in rules if r.applies_to(path) and not getattr(r.checker, "must_exist", False)]
        if not applicable:
            continue
        if all(getattr(r.checker, "path_only", False) for r in applicable):
            source: SourceFile | None = SourceFile(path, "", context=context)
            problems: list[Finding] = []
        else:
            source, problems = read_source(context.root, path, context)
        if source is None:
            continue
        findings.extend(problems)
        findings.extend(check_source(source, applicable, coverage, today, allow))
    return findings, coverage


def _worker(paths: list[str]) -> tuple[list[Finding], dict[str, Coverage]]:
    assert _WORKER_STATE is not None
    context, rules, today, allow = _WORKER_STATE
    return _check_paths(context, paths, rules, today, allow)


def run(
    root: Path,
    paths: Sequence[str],
    rules: Sequence[Rule],
    *,
    repo_files: frozenset[str] | None = None,
    jobs: int | None = None,
    today: date | None = None,
    allow: Mapping[str, tuple[str, ...]] | None = None,
    config: Any = None,
) -> RunResult:
    """Check `paths` (repo-relative) under `root` with `rules`; repo-level rules see `repo_files`."""
    global _WORKER_STATE
    today = today or date.today()
    repo = repo_files if repo_files is not None else frozenset(paths)
    context = RunContext(root, repo, config)
    paths = sorted(set(paths))
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    findings: list[Finding] = []
    coverage: dict[str, Coverage] = {}
    if jobs > 1 and len(paths) >= PARALLEL_THRESHOLD:
        _WORKER_STATE = (context, list(rules), today, allow or {})
        chunks = [paths[i :: jobs * 4] for i in range(jobs * 4)]
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
                for part_findings, part_cov in pool.map(_worker, chunks):
                    findings.extend(part_findings)
                    for rule_id, cov in part_cov.items():
                        mine = coverage.setdefault(rule_id, Coverage())
                        mine.checked += cov.checked
                        mine.violating |= cov.violating
        finally:
            _WORKER_STATE = None
    else:
        findings, coverage = _check_paths(context, paths, rules, today, allow or {})
    for rule in rules:
        check_repo = getattr(rule.checker, "check_repo", None)
        if check_repo is None or not getattr(rule.checker, "must_exist", True):
            continue
        cov = coverage.setdefault(rule.id, Coverage())
        cov.checked += 1
        for path, m in check_repo(repo):
            findings.append(
                Finding(path, m.line, m.col, rule.id, rule.render({"path": path, **m.values}),
                        rule.severity, "", rule.principle, rule.blocking)
            )  # fmt: skip
            cov.violating.add(path)
    return RunResult(sorted(findings), coverage, len(paths))
