"""The hook runner as a library: typed requests, and several hooks on one file set in one pass."""

from __future__ import annotations

import ast
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine
from hooks._hook import (
    AllFiles,
    HookRequest,
    NamedFiles,
    RefRange,
    Staged,
    UsageError,
    execute,
    execute_many,
)
from hooks._source import Match, SourceFile

from ._support import Repo, pack_text

EVAL = {"id": "TS001", "check": "python", "pattern": "eval($X)", "message": "eval"}
PRINT = {"id": "TS002", "check": "python", "pattern": "print(...)", "message": "print", "severity": "warning"}
TODO = {"id": "TS003", "check": "regex", "pattern": "TODO", "message": "todo"}


@pytest.fixture
def two_hooks(repo: Repo) -> Repo:
    """A repo whose own rules serve two hooks: constitutional-compliance and env-vars."""
    repo.write(
        {
            "safety/cc.yaml": pack_text([EVAL, PRINT]),
            "safety/ev.yaml": pack_text([TODO], hook="env-vars", pack="ev"),
            ".ava-safety.yaml": "packs: []\nrules: [safety/*.yaml]\nexclude: [safety/**, .ava-safety.yaml]\n",
            "a.py": 'eval(x)\nprint("TODO")\n',
            "b.py": "print(2)\n",
        }
    )
    repo.add()
    repo.commit()
    return repo


def summary(outcome: Any) -> tuple[int, bool, list[str], float | None]:
    lines = [f"{f.path}:{f.line}:{f.col}: {f.rule}" for f in outcome.findings]
    return outcome.code, outcome.blocked, lines, outcome.scores.overall if outcome.scores else None


def test_execute_many_gives_each_hook_what_it_gets_alone(two_hooks: Repo) -> None:
    requests = [
        HookRequest(h, scope=AllFiles(), results=False) for h in ("constitutional-compliance", "env-vars")
    ]
    together = execute_many(requests)
    alone = {r.hook: execute(r) for r in requests}
    assert list(together) == ["constitutional-compliance", "env-vars"]
    for hook in together:
        assert summary(together[hook]) == summary(alone[hook])
    assert summary(together["constitutional-compliance"]) == (
        1,
        True,
        ["a.py:1:1: TS001", "a.py:2:1: TS002", "b.py:1:1: TS002"],
        25.0,
    )
    assert summary(together["env-vars"]) == (1, True, ["a.py:2:8: TS003"], None)


def test_requests_may_differ_in_strictness_and_results(two_hooks: Repo) -> None:
    cc = HookRequest("constitutional-compliance", scope=NamedFiles(("b.py",)), results=False)
    ev = HookRequest("env-vars", scope=NamedFiles(("b.py",)), strict=True)
    outcomes = execute_many([cc, ev])
    assert [o.code for o in outcomes.values()] == [1, 0]
    assert not (two_hooks.root / ".git/ava-safety/results/constitutional-compliance.json").exists()
    assert (two_hooks.root / ".git/ava-safety/results/env-vars.json").exists()
    assert two_hooks.status() == ""


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"scope": Staged()}, id="scope"),
        pytest.param({"config": Path("other.yaml")}, id="config"),
        pytest.param({"jobs": 3}, id="jobs"),
        pytest.param({"cwd": Path("/")}, id="cwd"),
        pytest.param({"hook": "constitutional-compliance"}, id="same-hook-twice"),
    ],
)
def test_execute_many_refuses_requests_on_different_runs(other: dict[str, Any]) -> None:
    first = HookRequest("constitutional-compliance", scope=AllFiles())
    second = replace(HookRequest("env-vars", scope=AllFiles()), **other)
    with pytest.raises(ValueError, match="execute_many"):
        execute_many([first, second])


def test_execute_many_of_nothing_is_nothing() -> None:
    assert execute_many([]) == {}


def test_scoring_follows_the_hook_unless_asked(two_hooks: Repo) -> None:
    assert HookRequest("constitutional-compliance").scores
    assert not HookRequest("env-vars").scores
    outcome = execute(HookRequest("env-vars", scope=AllFiles(), results=False, scoring=True))
    assert outcome.scores is not None and outcome.scores.overall == 50.0


def test_a_ref_range_and_a_cwd(two_hooks: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = two_hooks.git("rev-parse", "HEAD").strip()
    two_hooks.write({"c.py": "eval(c)\n"})
    two_hooks.add("c.py")
    two_hooks.commit()
    (two_hooks.root / "only-eval.yaml").write_text(
        "packs: []\nrules: [safety/cc.yaml]\nexclude: [safety/**]\ndisable: [TS002]\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)  # the request's cwd decides, not the process's
    request = HookRequest(
        "constitutional-compliance",
        scope=RefRange(base),
        results=False,
        cwd=two_hooks.root,
        config=Path("only-eval.yaml"),
    )
    outcome = execute(request)
    assert [f"{f.path} {f.rule}" for f in outcome.findings] == ["c.py TS001"]
    assert outcome.scope.description == f"files changed in {base[:12]}...HEAD"
    assert outcome.config.display == "only-eval.yaml"


def test_a_named_file_that_is_missing_is_a_usage_error(two_hooks: Repo) -> None:
    with pytest.raises(UsageError, match="no such file: gone.py"):
        execute(HookRequest("env-vars", scope=NamedFiles(("gone.py",))))


# --- one pass: each file read and parsed once for every rule set ----------------------------------------


@pytest.fixture
def trees(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """A plugin module that records (path, id of the syntax tree) for each file it is given."""
    seen: list[tuple[str, int]] = []
    module = types.ModuleType("hooks._plugins.trees")

    def record(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        assert isinstance(source.tree, ast.Module)
        seen.append((source.path, id(source.tree)))
        return iter(())

    module.record = record  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.trees", module)
    return seen


def test_run_many_parses_each_file_once_for_all_rule_sets(
    tmp_path: Path, make_rules: Any, trees: list[tuple[str, int]]
) -> None:
    names = ["a.py", "b.py", "c.py"]
    for name in names:
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    first = make_rules({"id": "TR001", "check": "plugin", "function": "trees:record"})
    second = make_rules({"id": "TR002", "check": "plugin", "function": "trees:record"}, EVAL)
    results = _engine.run_many(tmp_path, names, {"a": first, "b": second}, jobs=1)
    assert [r.files_checked for r in results.values()] == [3, 3]
    by_path: dict[str, set[int]] = {}
    for path, tree in trees:
        by_path.setdefault(path, set()).add(tree)
    assert len(trees) == 6  # each set saw each file
    assert {path: len(ids) for path, ids in by_path.items()} == {"a.py": 1, "b.py": 1, "c.py": 1}
