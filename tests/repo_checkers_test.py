"""Repo checkers: a plugin marked @repo_wide runs once per run, in this process, and its findings are
treated as the files' own (suppressions, AS002, coverage, scoring, baseline)."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine
from hooks._checks.plugin import repo_wide
from hooks._report import finding_line
from hooks._rules import Rule
from hooks._source import Match, RunContext, SourceFile

from ._support import HookRun, Repo

Scan = Callable[..., list[str]]
# one finding per `PORT=` line of every file the rule checks, and one on a file it does not check
REPO_RULE = {
    "id": "RP001",
    "check": "plugin",
    "function": "repo:ports",
    "message": "port {port}",
    "files": ["*.txt"],
    "examples": {"pass": [{"code": "x\n", "path": "a.txt"}], "fail": [{"code": "PORT=1\n", "path": "a.txt"}]},
}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, tuple[str, ...]]]:
    """A plugin module `hooks._plugins.repo` whose repo checker records (pid, paths) for each call."""
    seen: list[tuple[int, tuple[str, ...]]] = []
    module = types.ModuleType("hooks._plugins.repo")

    @repo_wide
    def ports(
        context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
    ) -> Iterator[tuple[str, Match]]:
        seen.append((os.getpid(), tuple(paths)))
        yield "never-checked.txt", Match(1, 1, {"port": "0"})
        for path in sorted(context.repo_files):
            source = context.file(path)
            for number, line in enumerate(source.lines if source else [], start=1):
                if line.startswith("PORT="):
                    yield path, Match(number, 1, {"port": line[5:]})

    def not_python(source: SourceFile) -> bool:
        return not source.path.endswith(".skip.txt")

    ports.admits = not_python  # type: ignore[attr-defined]
    module.ports = ports  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.repo", module)
    return seen


def test_runs_once_for_the_checked_files_it_applies_to(scan: Scan, calls: list[Any]) -> None:
    found = scan({"a.txt": "PORT=1\n", "b.txt": "PORT=2\n", "c.py": "PORT=3\n"}, REPO_RULE)
    assert found == ["a.txt:1:1: RP001 port 1", "b.txt:1:1: RP001 port 2"]
    assert [paths for _pid, paths in calls] == [("a.txt", "b.txt")]


def test_is_not_called_when_no_checked_file_is_its(scan: Scan, calls: list[Any]) -> None:
    assert scan({"c.py": "PORT=3\n"}, REPO_RULE) == []
    assert calls == []


def test_a_file_it_does_not_admit_gets_none_of_its_findings(scan: Scan, calls: list[Any]) -> None:
    assert scan({"a.skip.txt": "PORT=1\n", "b.txt": "PORT=2\n"}, REPO_RULE) == ["b.txt:1:1: RP001 port 2"]


def test_a_python_file_that_does_not_parse_gets_as005_not_its_findings(scan: Scan, calls: list[Any]) -> None:
    rule = dict(REPO_RULE, files=["*.py"])
    assert scan({"a.py": "PORT=1\ndef (:\n"}, rule) == [
        "a.py:2:5: AS005 cannot parse: invalid syntax; Python rules skipped for this file"
    ]


def test_runs_once_in_this_process_even_when_workers_check_the_files(
    tmp_path: Path, make_rules: Callable[..., list[Rule]], calls: list[Any]
) -> None:
    files = {f"f{i:03}.txt": f"PORT={i}\n" for i in range(_engine.PARALLEL_THRESHOLD)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = _engine.run(tmp_path, list(files), make_rules(REPO_RULE), jobs=2)
    assert len(result.findings) == len(files)
    assert [pid for pid, _paths in calls] == [os.getpid()]


def test_inline_suppressions_apply_and_unused_ones_are_reported(scan: Scan, calls: list[Any]) -> None:
    files = {
        "a.txt": "PORT=1  # ava-safety: ignore[RP001] the proxy maps it\n",
        "b.txt": "# ava-safety: ignore[RP001] nothing here\nx\n",
    }
    assert scan(files, REPO_RULE) == ["b.txt:1:1: AS002 suppression of RP001 matches no finding; remove it"]


def test_coverage_counts_the_files_it_checked_and_those_it_flagged(
    tmp_path: Path, make_rules: Callable[..., list[Rule]], calls: list[Any]
) -> None:
    for name, text in {"a.txt": "PORT=1\n", "b.txt": "x\n", "c.txt": "x\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = _engine.run(tmp_path, ["a.txt", "b.txt", "c.txt"], make_rules(REPO_RULE), jobs=1)
    assert (result.coverage["RP001"].checked, result.coverage["RP001"].violating) == (3, {"a.txt"})


def test_scored_and_baselined_like_any_finding(
    repo: Repo, run_hook: Callable[..., HookRun], calls: list[Any]
) -> None:
    repo.use_pack(REPO_RULE)
    repo.write({"a.txt": "PORT=1\n", "b.txt": "x\n"})
    repo.add("a.txt", "b.txt")
    repo.commit()
    first = run_hook("--all-files", "--no-results")
    assert first.code == 1
    assert first.out[0] == "a.txt:1:1: RP001 [error] port 1"
    assert "FAIL SAFETY  50.0%  (min 80%; pulled down by RP001 a.txt:1)" in first.out
    assert run_hook("--all-files", "--write-baseline", "base.json").code == 0
    second = run_hook("--all-files", "--no-results", "--baseline", "base.json")
    assert (second.code, second.out[-1], second.summary) == (
        0,
        "overall 100.0% (min 80%)",
        "0 errors, 0 warnings in 2 files; passed",
    )


def test_a_plugin_function_is_per_file_unless_marked() -> None:
    from hooks._checks.plugin import compile_plugin

    assert compile_plugin({"function": "deploy_config:check_ports_agree"}).shape == "repo"
    assert compile_plugin({"function": "deploy_config:check_crlf"}).shape == "file"


def test_findings_of_the_bundled_repo_checkers_stay_on_the_checked_file(tmp_path: Path) -> None:
    from hooks._config import load_config
    from hooks._rules import bundled_packs, load_rules

    dc009 = [r for r in load_rules(hook="deploy-config", packs=bundled_packs()).rules if r.id == "DC009"]
    files = {
        "apprunner.yaml": "version: 1.0\nruntime: python311\nrun:\n  command: python main.py\n",
        "main.py": "import uvicorn\nuvicorn.run('app:app', port=8000)\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = load_config(tmp_path)
    both = _engine.run(tmp_path, list(files), dc009, repo_files=frozenset(files), jobs=1, config=config)
    only = _engine.run(
        tmp_path, ["apprunner.yaml"], dc009, repo_files=frozenset(files), jobs=1, config=config
    )
    assert [finding_line(f).split(" ")[0] for f in both.findings] == ["apprunner.yaml:3:1:", "main.py:2:29:"]
    assert [finding_line(f).split(" ")[0] for f in only.findings] == ["apprunner.yaml:3:1:"]
