"""What a hook prints and writes cannot be turned against its reader (issue 8): file names with
newlines or terminal escapes neither forge nor colour lines, SARIF URIs are URI references, the
baseline is written atomically and never over a tracked file without --force."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hooks import _baseline, _report
from hooks._engine import Crash, Finding

from ._support import HookRun, Repo

PASSWORD = {
    "id": "TS001",
    "check": "regex",
    "pattern": r"password\s*=\s*\S",
    "message": "hardcoded password",
    "files": ["**"],
}
FORGED = "a.py:1:1: TS999 forged\nb"
COLOURED = "\x1b[32mok\x1b[0m.py"
BIDI = "admin\u202eyp.txt"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        pytest.param("app/main.py", "app/main.py", id="plain"),
        pytest.param("dir with space/ü.py", "dir with space/ü.py", id="space-and-unicode-unchanged"),
        pytest.param(FORGED, '"a.py:1:1: TS999 forged\\nb"', id="newline"),
        pytest.param(COLOURED, '"\\x1b[32mok\\x1b[0m.py"', id="escape-sequence"),
        pytest.param("a\rb", '"a\\rb"', id="carriage-return"),
        pytest.param('say "hi"\n\\', '"say \\"hi\\"\\n\\\\"', id="quotes-and-backslashes-when-quoted"),
        pytest.param(BIDI, '"admin\\u202eyp.txt"', id="bidi-override"),
        pytest.param("a\x9bb", '"a\\x9bb"', id="c1-control"),
    ],
)
def test_a_file_name_is_one_visible_line(path: str, shown: str) -> None:
    assert _report.shown_path(path) == shown


def test_messages_and_crashes_show_control_characters_as_escapes() -> None:
    finding = Finding("x.py", 1, 1, "TS001", "value '\x1b[2Jgone' here")
    assert _report.finding_line(finding) == "x.py:1:1: TS001 value '\\x1b[2Jgone' here"
    crash = Crash(f"{FORGED}.py", "TS001", "ValueError: bad\nline")
    assert _report.crash_lines([crash]) == [
        '"a.py:1:1: TS999 forged\\nb.py": internal error in TS001: ValueError: bad\\nline'
    ]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        pytest.param("app/main.py", "app/main.py", id="plain"),
        pytest.param("a b/c#d?.py", "a%20b/c%23d%3F.py", id="space-hash-query"),
        pytest.param("c:evil.py", "c%3Aevil.py", id="colon-is-not-a-scheme"),
        pytest.param("ü/%41.py", "%C3%BC/%2541.py", id="utf8-and-percent"),
        pytest.param(FORGED, "a.py%3A1%3A1%3A%20TS999%20forged%0Ab", id="newline"),
    ],
)
def test_sarif_uris_are_percent_encoded(path: str, uri: str) -> None:
    data = _report.sarif("constitutional-compliance", [Finding(path, 1, 1, "TS001", "m")], [])
    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}


def test_github_annotations_cannot_be_broken_or_coloured() -> None:
    out = io.StringIO()
    _report.github([Finding(FORGED, 2, 3, "TS001", "m\x1b[31m\n::error::forged")], out)
    assert out.getvalue() == (
        "::error file=a.py%3A1%3A1%3A TS999 forged%0Ab,line=2,col=3,title=TS001::"
        "m\\x1b[31m%0A::error::forged\n"
    )


@pytest.fixture
def hostile(repo: Repo) -> Repo:
    repo.use_pack(PASSWORD)
    repo.write({FORGED: "password = 'x'\n", COLOURED: "password = 'y'\n", BIDI: "password = 'z'\n"})
    repo.add(FORGED, COLOURED, BIDI)
    return repo


def test_text_output_of_hostile_file_names_is_one_line_per_finding(
    hostile: Repo, run_hook: Callable[..., HookRun]
) -> None:
    result = run_hook("--all-files", "--no-results")
    assert result.code == 1
    assert result.out[:3] == [
        '"\\x1b[32mok\\x1b[0m.py":1:1: TS001 [error] hardcoded password',
        '"a.py:1:1: TS999 forged\\nb":1:1: TS001 [error] hardcoded password',
        '"admin\\u202eyp.txt":1:1: TS001 [error] hardcoded password',
    ]
    assert not any("\x1b" in line or "\u202e" in line for line in result.out + result.err)
    assert not any(line.startswith("b:") for line in result.out)


def test_json_and_sarif_keep_the_real_names(hostile: Repo, run_hook: Callable[..., HookRun]) -> None:
    data = json.loads("\n".join(run_hook("--all-files", "--no-results", "--format", "json").out))
    assert sorted(f["path"] for f in data["findings"]) == sorted([FORGED, COLOURED, BIDI])
    sarif = json.loads("\n".join(run_hook("--all-files", "--no-results", "--format", "sarif").out))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    ]
    assert all("%" in uri and "\n" not in uri and "\x1b" not in uri for uri in uris)


# --- the baseline -------------------------------------------------------------------------------------


@pytest.fixture
def legacy(repo: Repo) -> Repo:
    repo.use_pack(PASSWORD)
    repo.write({"a.py": "password = 'hunter2'\n"})
    repo.add("a.py")
    repo.commit("legacy")
    return repo


def test_write_baseline_refuses_a_tracked_file_without_force(
    legacy: Repo, run_hook: Callable[..., HookRun]
) -> None:
    before = (legacy.root / "a.py").read_bytes()
    result = run_hook("--all-files", "--write-baseline", "a.py")
    assert (result.code, result.out) == (2, [])
    assert result.err == ["constitutional-compliance: a.py is tracked by git (a.py); --force overwrites it"]
    assert (legacy.root / "a.py").read_bytes() == before
    assert legacy.status() == ""


def test_write_baseline_with_force_replaces_a_tracked_baseline(
    legacy: Repo, run_hook: Callable[..., HookRun]
) -> None:
    assert run_hook("--all-files", "--write-baseline", "baseline.json").code == 0
    legacy.add("baseline.json")
    legacy.commit("accept")
    assert run_hook("--all-files", "--write-baseline", "baseline.json").code == 2
    legacy.write({"b.py": "password = 'two'\n"})
    legacy.add("b.py")
    result = run_hook("--all-files", "--write-baseline", "baseline.json", "--force")
    assert result.code == 0
    data = json.loads((legacy.root / "baseline.json").read_text(encoding="utf-8"))
    assert [e["path"] for e in data["findings"]] == ["a.py", "b.py"]


def test_write_baseline_replaces_a_symlink_instead_of_writing_through_it(
    legacy: Repo, run_hook: Callable[..., HookRun], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("keep\n", encoding="utf-8")
    (legacy.root / "baseline.json").symlink_to(outside)
    assert run_hook("--all-files", "--write-baseline", "baseline.json").code == 0
    assert outside.read_text(encoding="utf-8") == "keep\n"
    assert not (legacy.root / "baseline.json").is_symlink()


def test_a_reader_never_sees_a_partial_baseline(tmp_path: Path) -> None:
    """One thread rewrites the baseline over and over while another reads it: every read is a whole
    baseline (before the change, the reader got an empty file)."""
    path = tmp_path / "baseline.json"
    findings = [Finding(f"f{i}.py", i, 1, "TS001", "m", line_text=f"x{i}") for i in range(2000)]
    _baseline.write(path, findings)
    stop = threading.Event()
    failures: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                counts = _baseline.load(path)
            except _baseline.BaselineError as exc:
                failures.append(str(exc))
                return
            if sum(counts.values()) not in (1000, 2000):
                failures.append(f"{sum(counts.values())} entries")
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):
            _baseline.write(path, findings[: 1000 if i % 2 else 2000])
    finally:
        stop.set()
        reader.join()
    assert failures == []
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]  # no temporary left behind
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644)
