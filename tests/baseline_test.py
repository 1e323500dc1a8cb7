"""Baselines: accept today's findings, report only new ones; moving lines does not make them new."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hooks import _baseline
from hooks._engine import Finding

from ._support import HookRun, Repo

PASSWORD = {
    "id": "TS001",
    "check": "regex",
    "pattern": r"password\s*=\s*\S",
    "message": "hardcoded password",
    "files": ["**/*.py"],
}
CLEAN = ["ok   SAFETY 100.0%  (min 80%, clean)", "overall 100.0% (min 80%)"]


@pytest.fixture
def legacy(repo: Repo) -> Repo:
    """Two files with a finding each, one clean file, all committed."""
    repo.use_pack(PASSWORD)
    repo.write(
        {
            "a.py": "import os\npassword = 'hunter2'\n",
            "b.py": "def f():\n    password = 'x'\n    return password\n",
            "c.py": "x = 1\n",
        }
    )
    repo.add("a.py", "b.py", "c.py")
    repo.commit("legacy code")
    return repo


def test_write_then_use_baseline_passes(legacy: Repo, run_hook: Callable[..., HookRun]) -> None:
    before = run_hook("--all-files")
    assert before.code == 1
    assert before.out[:2] == [
        "a.py:2:1: TS001 [error] hardcoded password",
        "b.py:2:5: TS001 [error] hardcoded password",
    ]

    written = run_hook("--all-files", "--write-baseline", ".ava-safety-baseline.json")
    assert (written.code, written.out) == (0, [])
    assert written.err == ["constitutional-compliance: wrote 2 finding(s) to .ava-safety-baseline.json"]
    data = json.loads((legacy.root / ".ava-safety-baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert [(e["rule"], e["path"], e["count"]) for e in data["findings"]] == [
        ("TS001", "a.py", 1),
        ("TS001", "b.py", 1),
    ]

    after = run_hook("--all-files", "--baseline", ".ava-safety-baseline.json")
    assert (after.code, after.out) == (0, CLEAN)


def test_moved_lines_are_not_new_findings(legacy: Repo, run_hook: Callable[..., HookRun]) -> None:
    run_hook("--all-files", "--write-baseline", "baseline.json")
    legacy.write(
        {
            "a.py": '"""Module docstring."""\n\nimport os\nimport sys\n\npassword  =  \'hunter2\'\n',
            "b.py": "def g():\n    return 1\n\n\ndef f():\n    password = 'x'\n    return password\n",
        }
    )
    result = run_hook("--all-files", "--baseline", "baseline.json")
    assert (result.code, result.out) == (0, CLEAN)


def test_new_finding_is_reported_and_scored(legacy: Repo, run_hook: Callable[..., HookRun]) -> None:
    run_hook("--all-files", "--write-baseline", "baseline.json")
    legacy.write({"c.py": "x = 1\npassword = 'new'\n"})
    result = run_hook("--all-files", "--baseline", "baseline.json")
    assert result.code == 1
    assert result.out == [
        "c.py:2:1: TS001 [error] hardcoded password",
        "FAIL SAFETY  66.7%  (min 80%; pulled down by TS001 c.py:2)",
        "overall 66.7% (min 80%)",
    ]


def test_a_second_identical_finding_in_the_same_file_is_new(
    legacy: Repo, run_hook: Callable[..., HookRun]
) -> None:
    run_hook("--all-files", "--write-baseline", "baseline.json")
    legacy.write({"a.py": "import os\npassword = 'hunter2'\npassword = 'hunter2'\n"})
    result = run_hook("--all-files", "--baseline", "baseline.json")
    assert result.out[0] == "a.py:3:1: TS001 [error] hardcoded password"
    assert len([line for line in result.out if ": TS001 [" in line]) == 1


def test_baseline_with_staged_files_only(legacy: Repo, run_hook: Callable[..., HookRun]) -> None:
    run_hook("--all-files", "--write-baseline", "baseline.json")
    legacy.write({"a.py": "password = 'hunter2'\nimport os\n"})
    legacy.add("a.py")
    result = run_hook("--baseline", "baseline.json")
    assert (result.code, result.out) == (0, CLEAN)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            "{not json",
            "baseline.json:1: not a baseline file (Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)); recreate it with --write-baseline",
            id="not-json",
        ),
        pytest.param(
            '{"version": 2, "findings": []}',
            "baseline.json:1: not a version 1 baseline; recreate it with --write-baseline",
            id="wrong-version",
        ),
        pytest.param(
            '["a"]', "baseline.json:1: not a version 1 baseline; recreate it with --write-baseline", id="list"
        ),
        pytest.param(
            '{"version": 1, "findings": {}}',
            "baseline.json:1: not a version 1 baseline; recreate it with --write-baseline",
            id="findings-not-list",
        ),
        pytest.param(
            '{"version": 1, "findings": [{"fingerprint": "abc", "count": "many"}]}',
            "baseline.json:1: entry 1 has a bad count 'many'; recreate it with --write-baseline",
            id="bad-count",
        ),
    ],
)
def test_corrupt_baseline_is_exit_2(
    legacy: Repo, run_hook: Callable[..., HookRun], content: str, message: str
) -> None:
    (legacy.root / "baseline.json").write_text(content, encoding="utf-8")
    result = run_hook("--all-files", "--baseline", "baseline.json")
    assert (result.code, result.out) == (2, [])
    assert result.err == [f"constitutional-compliance: {message}"]


def test_missing_baseline_is_exit_2(legacy: Repo, run_hook: Callable[..., HookRun]) -> None:
    result = run_hook("--all-files", "--baseline", "nope.json")
    assert (result.code, result.out) == (2, [])
    assert result.err == [
        "constitutional-compliance: nope.json: baseline not found; create it with --write-baseline nope.json"
    ]


def test_baseline_that_is_not_utf8_is_exit_2(legacy: Repo, run_hook: Callable[..., HookRun]) -> None:
    (legacy.root / "baseline.json").write_bytes(b'{"version": 1, "findings": ["\xff"]}')
    result = run_hook("--all-files", "--baseline", "baseline.json")
    assert result.code == 2
    assert result.err[0].startswith("constitutional-compliance: baseline.json:1: not a baseline file (")


def test_unwritable_write_baseline_is_exit_2_without_traceback(
    legacy: Repo, run_hook: Callable[..., HookRun]
) -> None:
    (legacy.root / "taken").mkdir()
    result = run_hook("--all-files", "--write-baseline", "taken")
    assert (result.code, result.out) == (2, [])
    assert result.err == ["constitutional-compliance: taken: cannot write the baseline (Is a directory)"]


def test_fingerprint_ignores_line_number_and_whitespace() -> None:
    a = Finding("a.py", 2, 1, "TS001", "m", line_text="password = 'x'")
    b = Finding("a.py", 40, 5, "TS001", "m", line_text="password   =  'x'")
    c = Finding("b.py", 2, 1, "TS001", "m", line_text="password = 'x'")
    assert _baseline.fingerprint(a) == _baseline.fingerprint(b) != _baseline.fingerprint(c)


def test_write_counts_repeated_fingerprints(tmp_path: Path) -> None:
    findings = [Finding("a.py", n, 1, "TS001", "m", line_text="x") for n in (1, 2, 3)]
    findings.append(Finding("b.py", 1, 1, "TS001", "m", line_text="x"))
    target = tmp_path / "deep" / "baseline.json"
    assert _baseline.write(target, iter(findings)) == 4
    accepted = _baseline.load(target)
    assert sorted(accepted.values()) == [1, 3]
    new = [Finding("a.py", n, 1, "TS001", "m", line_text="x") for n in (5, 6, 7, 8)]
    assert [f.line for f in _baseline.filter_new(new, accepted)] == [8]


def test_entries_without_a_fingerprint_are_skipped(tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    target.write_text(
        '{"version": 1, "findings": [{"rule": "X"}, 3, {"fingerprint": "f"}]}', encoding="utf-8"
    )
    assert dict(_baseline.load(target)) == {"f": 1}
