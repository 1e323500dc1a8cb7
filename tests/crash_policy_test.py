"""The crash policy: a check that raises is isolated and reported, the other checks finish, exit 2.

The failing checks here are real checks (plugin functions and a check kind registered by the test)
whose code raises; nothing of the engine is replaced.
"""

from __future__ import annotations

import ast
import json
import sys
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest

from hooks import _cli, _engine
from hooks._checks import KINDS, CheckKind
from hooks._checks.plugin import repo_wide
from hooks._report import finding_line
from hooks._rules import Rule
from hooks._source import Match, RunContext, SourceFile

from ._support import HookRun, Repo

Scan = Callable[..., list[str]]
SECRET_URL = "postgresql://admin:s3cret@db/app"
HIT = {"id": "OK001", "check": "regex", "pattern": "hit", "message": "hit"}
FILE_BOOM = {"id": "FB001", "check": "plugin", "function": "faulty:explode", "message": "{n}", "files": ["*"]}
REPO_BOOM = {
    "id": "RB001",
    "check": "plugin",
    "function": "faulty:explode_repo",
    "message": "x",
    "files": ["*"],
}
ADMITS_BOOM = {"id": "AB001", "check": "plugin", "function": "faulty:fussy", "message": "x", "files": ["*"]}
TREE_BOOM = {"id": "TB001", "check": "faulty-tree", "message": "print", "files": ["*.py"]}
EVAL = {"id": "PY001", "check": "python", "pattern": "eval($X)", "message": "eval"}


class _FaultyTree:
    """A tree check that flags print() and raises on a call of boom()."""

    shape: ClassVar[Literal["tree"]] = "tree"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (ast.Call,)
    call_names: ClassVar[frozenset[str] | None] = None

    def __init__(self, fields: Mapping[str, Any]) -> None:
        pass

    def admits(self, source: SourceFile) -> bool:
        return True

    def match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None:
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if node.func.id == "boom":
            raise KeyError("boom")
        return Match(node.lineno, node.col_offset + 1) if node.func.id == "print" else None


class _FaultyTracked:
    """A tracked-set check that cannot cope with a repository holding a README."""

    shape: ClassVar[Literal["tracked"]] = "tracked"

    def __init__(self, fields: Mapping[str, Any]) -> None:
        pass

    def check_tracked(self, paths: frozenset[str]) -> Iterator[tuple[str, Match]]:
        if "README" in paths:
            raise LookupError("README")
        yield "README", Match(1, 1)


@pytest.fixture(autouse=True)
def faulty(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("hooks._plugins.faulty")

    def explode(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        yield Match(1, 1, {"n": "partial"})
        if "BOOM" in source.text:
            raise ValueError(f"cannot read\n{source.path} from {SECRET_URL}")
        if "STOP" in source.text:
            raise KeyboardInterrupt

    @repo_wide
    def explode_repo(
        context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
    ) -> Iterator[tuple[str, Match]]:
        yield paths[0], Match(1, 1)
        raise RuntimeError("the repository is odd")

    def fussy(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        yield Match(1, 1)

    def fussy_admits(source: SourceFile) -> bool:
        raise TypeError(f"no idea about {source.path}")

    fussy.admits = fussy_admits  # type: ignore[attr-defined]
    module.explode = explode  # type: ignore[attr-defined]
    module.explode_repo = explode_repo  # type: ignore[attr-defined]
    module.fussy = fussy  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.faulty", module)
    kind = CheckKind(name="faulty-tree", fields=frozenset(), required=frozenset(), compile=_FaultyTree)
    monkeypatch.setitem(KINDS, "faulty-tree", kind)
    tracked = CheckKind(
        name="faulty-tracked", fields=frozenset(), required=frozenset(), compile=_FaultyTracked
    )
    monkeypatch.setitem(KINDS, "faulty-tracked", tracked)


def run(tmp_path: Path, make_rules: Callable[..., list[Rule]], files: Mapping[str, str], *rules: Any) -> Any:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return _engine.run(tmp_path, list(files), make_rules(*rules), jobs=1)


def crashes(result: Any) -> list[tuple[str, str, str]]:
    return [(c.path, c.rule, c.error) for c in result.crashes]


# --- the engine: isolation ----------------------------------------------------------------------------


def test_a_file_check_that_raises_is_reported_and_the_others_finish(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    files = {"a.txt": "hit BOOM\n", "b.txt": "hit\n"}
    result = run(tmp_path, make_rules, files, FILE_BOOM, HIT)
    assert crashes(result) == [
        ("a.txt", "FB001", "ValueError: cannot read a.txt from postgresql://admin:***@db/app")
    ]
    # the crashed check's partial output on a.txt is dropped; b.txt and the other rule are whole
    assert [finding_line(f) for f in result.findings] == [
        "a.txt:1:1: OK001 hit",
        "b.txt:1:1: FB001 partial",
        "b.txt:1:1: OK001 hit",
    ]
    assert "s3cret" not in result.crashes[0].detail and "ValueError" in result.crashes[0].detail


def test_a_suppression_of_a_check_that_crashed_is_not_called_unused(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    files = {"a.txt": "BOOM  # ava-safety: ignore[FB001] known\n"}
    result = run(tmp_path, make_rules, files, FILE_BOOM)
    assert (result.findings, [c.rule for c in result.crashes]) == ([], ["FB001"])


def test_a_tree_check_that_raises_leaves_the_walk_and_the_other_tree_rules_finish(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    files = {"a.py": "print(1)\nboom()\neval(x)\nprint(2)\n", "b.py": "print(3)\n"}
    result = run(tmp_path, make_rules, files, TREE_BOOM, EVAL)
    assert crashes(result) == [("a.py", "TB001", "KeyError: 'boom'")]
    assert [finding_line(f) for f in result.findings] == ["a.py:3:1: PY001 eval", "b.py:1:1: TB001 print"]


def test_an_admits_test_that_raises_is_the_check_crashing(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    result = run(tmp_path, make_rules, {"a.txt": "hit\n"}, ADMITS_BOOM, HIT)
    assert crashes(result) == [("a.txt", "AB001", "TypeError: no idea about a.txt")]
    assert [f.rule for f in result.findings] == ["OK001"]


def test_a_repo_checker_that_raises_is_reported_once_against_the_repository(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    files = {"a.txt": "hit  # ava-safety: ignore[RB001] odd\n", "b.txt": "x\n"}
    result = run(tmp_path, make_rules, files, REPO_BOOM, HIT)
    assert crashes(result) == [(".", "RB001", "RuntimeError: the repository is odd")]
    assert [finding_line(f) for f in result.findings] == ["a.txt:1:1: OK001 hit"]


def test_a_tracked_set_check_that_raises_is_reported_against_the_repository(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    rule = {"id": "TK001", "check": "faulty-tracked", "message": "no readme"}
    result = run(tmp_path, make_rules, {"a.txt": "hit\n"}, rule, HIT)
    assert (crashes(result), [f.rule for f in result.findings]) == ([], ["TK001", "OK001"])
    result = run(tmp_path, make_rules, {"README": "hit\n"}, rule, HIT)
    assert crashes(result) == [(".", "TK001", "LookupError: README")]
    assert [f.rule for f in result.findings] == ["OK001"]


def test_a_crash_in_a_worker_process_comes_back_as_data(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    files = {f"f{i:03}.txt": ("BOOM\n" if i == 7 else "x\n") for i in range(_engine.PARALLEL_THRESHOLD)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = _engine.run(tmp_path, list(files), make_rules(FILE_BOOM), jobs=2)
    assert [c.path for c in result.crashes] == ["f007.txt"]
    assert len(result.findings) == len(files) - 1


# --- the hook: exit 2, one line per crash, nothing that looks like "blocked" -------------------------


def test_the_hook_exits_2_and_names_the_crash_whatever_else_it_found(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    repo.use_pack(FILE_BOOM, HIT)
    repo.write({"a.txt": "hit BOOM\n", "b.txt": "fine\n"})
    repo.add("a.txt", "b.txt")
    result = run_hook("--all-files")
    assert result.code == 2
    assert result.err == [
        "a.txt: internal error in FB001: ValueError: cannot read a.txt from postgresql://admin:***@db/app"
    ]
    assert result.out[:2] == ["a.txt:1:1: OK001 [error] hit", "b.txt:1:1: FB001 [error] partial"]
    assert result.summary is not None
    assert result.summary.endswith("; 1 check crashed, so the results are incomplete (exit 2)")
    results = json.loads((repo.root / ".git/ava-safety/results/constitutional-compliance.json").read_text())
    assert results["exit_code"] == 2
    assert results["internal_errors"] == [
        {
            "path": "a.txt",
            "rule": "FB001",
            "error": "ValueError: cannot read a.txt from postgresql://admin:***@db/app",
        }
    ]


def test_json_output_lists_the_internal_errors(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.use_pack(REPO_BOOM)
    repo.write({"a.txt": "x\n"})
    repo.add("a.txt")
    result = run_hook("--all-files", "--no-results", "--format", "json")
    assert result.code == 2
    assert json.loads("\n".join(result.out))["internal_errors"] == [
        {"path": ".", "rule": "RB001", "error": "RuntimeError: the repository is odd"}
    ]


def test_the_traceback_of_a_crash_is_shown_on_request(
    repo: Repo, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.use_pack(FILE_BOOM)
    repo.write({"a.txt": "BOOM\n"})
    repo.add("a.txt")
    monkeypatch.setenv("AVA_SAFETY_DEBUG", "1")
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[0].startswith("a.txt: internal error in FB001: ValueError")
    assert "Traceback (most recent call last):" in result.err
    assert not any("s3cret" in line for line in result.err)


def test_writing_a_baseline_while_a_check_crashes_is_exit_2(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    repo.use_pack(FILE_BOOM)
    repo.write({"a.txt": "BOOM\n"})
    repo.add("a.txt")
    result = run_hook("--all-files", "--write-baseline", "base.json")
    assert result.code == 2
    assert result.err[-1].startswith("a.txt: internal error in FB001: ValueError")


def test_an_exception_outside_the_checks_is_one_line_and_exit_2(
    repo: Repo, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    def engine_bug(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"engine bug near {SECRET_URL}")

    repo.use_pack(HIT)
    monkeypatch.setattr("hooks._engine.run_many", engine_bug)
    result = run_hook("--all-files", "--no-results")
    assert (result.code, result.err) == (
        2,
        [
            "constitutional-compliance: internal error: RuntimeError: engine bug near "
            "postgresql://admin:***@db/app (AVA_SAFETY_DEBUG=1 shows the traceback)"
        ],
    )


def test_the_traceback_of_an_exception_outside_the_checks_is_shown_on_request(
    repo: Repo, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    def engine_bug(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("engine bug")

    repo.use_pack(HIT)
    monkeypatch.setattr("hooks._engine.run_many", engine_bug)
    monkeypatch.setenv("AVA_SAFETY_DEBUG", "1")
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[:2] == [
        "constitutional-compliance: internal error: RuntimeError: engine bug",
        "Traceback (most recent call last):",
    ]
    assert result.err[-1] == "RuntimeError: engine bug"


def test_an_interrupt_inside_a_check_is_exit_130(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.use_pack(FILE_BOOM)
    repo.write({"a.txt": "STOP\n"})
    repo.add("a.txt")
    result = run_hook("--all-files", "--no-results")
    assert (result.code, result.err) == (130, ["constitutional-compliance: interrupted"])


def test_ava_safety_command_errors_are_exit_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(argv: Sequence[str]) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cli, "_init", broken)
    assert _cli.main(["init"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ava-safety init: internal error: OSError: [Errno 28] No space left on device "
        "(AVA_SAFETY_DEBUG=1 shows the traceback)"
    ]
    assert _cli.main(["rules", "--pack", "no-such-pack"]) == 2
    assert "unknown pack 'no-such-pack'" in capsys.readouterr().err

    def interrupted(argv: Sequence[str]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_init", interrupted)
    assert _cli.main(["init"]) == 130
    assert capsys.readouterr().err.splitlines() == ["ava-safety init: interrupted"]
