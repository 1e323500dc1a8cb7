"""Every example of every bundled rule, run through the production engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hooks import _engine
from hooks._config import load_config
from hooks._rules import Example, Rule, bundled_packs, load_rules

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
ALL = load_rules(hook=None, packs=bundled_packs())


def _example_path(rule: Rule, example: Example) -> str:
    if example.path:
        return example.path
    for candidate in CANDIDATE_PATHS:
        if rule.applies_to(candidate):
            return candidate
    raise AssertionError(f"{rule.id}: give the example a 'path' its 'files' globs accept")


def _cases() -> list[object]:
    cases = []
    for rule in ALL.rules:
        for example in rule.examples:
            kind = "fail" if example.expect_fail else "pass"
            cases.append(pytest.param(rule, example, id=f"{rule.pack}-{rule.id}-{kind}-line{example.line}"))
    return cases


@pytest.mark.parametrize(("rule", "example"), _cases())
def test_rule_example(rule: Rule, example: Example, tmp_path: Path) -> None:
    path = _example_path(rule, example)
    if rule.kind in ("python", "imports") and path.endswith(".py"):
        # an example that does not parse would pass trivially (the engine skips the file: AS005)
        compile(example.code, path, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    files = {path: example.code, **example.files}
    tracked = set()
    for name, text in files.items():
        # `untracked:<path>`: written to disk but not in the git index (a file never `git add`ed)
        untracked = name.startswith(UNTRACKED)
        name = name.removeprefix(UNTRACKED)
        if not untracked:
            tracked.add(name)
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    config = load_config(tmp_path)  # the example's own .ava-safety.yaml, when it gives one
    result = _engine.run(tmp_path, [path], [rule], repo_files=frozenset(tracked), jobs=1, config=config)
    hits = [f for f in result.findings if f.rule == rule.id]
    if not example.expect_fail:
        assert hits == [], f"{rule.id} must not fire on its pass example:\n{example.code}"
        return
    assert hits, f"{rule.id} must fire on its fail example:\n{example.code}"
    if example.at_line is not None or example.at_col is not None or example.message is not None:
        wanted = [
            f
            for f in hits
            if (example.at_line is None or f.line == example.at_line)
            and (example.at_col is None or f.col == example.at_col)
            and (example.message is None or f.message == example.message)
        ]
        got = [f"{f.line}:{f.col}: {f.message}" for f in hits]
        assert wanted, f"{rule.id}: expected a finding at {example.at_line}:{example.at_col}, got {got}"


def test_every_rule_has_both_kinds_of_example() -> None:
    for rule in ALL.rules:
        kinds = {e.expect_fail for e in rule.examples}
        assert kinds == {True, False}, rule.id


def test_rule_ids_are_unique_across_packs() -> None:
    ids = [r.id for r in ALL.rules]
    assert len(ids) == len(set(ids))
