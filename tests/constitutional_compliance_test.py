"""The constitutional-compliance hook in real temp git repos: scope, scoring, blocking, results."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine
from hooks._rules import load_rules

from ._support import HookRun, Repo, pack_text

Run = Callable[..., HookRun]

PRINCIPLES = {"SECRETS": {"weight": 3}, "DEBUG": {"weight": 1, "min_score": 90}}
# warnings: they block only through the score gate (an error blocks by itself)
S1 = {
    "id": "TS001",
    "check": "regex",
    "pattern": "password =",
    "principle": "SECRETS",
    "message": "password",
    "severity": "warning",
}
S2 = {
    "id": "TS002",
    "check": "regex",
    "pattern": "token =",
    "principle": "SECRETS",
    "message": "token",
    "weight": 3,
    "severity": "warning",
}
D1 = {
    "id": "TS003",
    "check": "python",
    "pattern": "print(...)",
    "principle": "DEBUG",
    "message": "print",
    "severity": "warning",
}
EVAL = {"id": "TS009", "check": "python", "pattern": "eval($X)", "message": "eval"}
RESULTS = ".git/ava-safety/results/constitutional-compliance.json"


def lines_of(result: HookRun, rule: str = "TS") -> list[str]:
    return [line for line in result.out if f": {rule}" in line]


# --- scoring ----------------------------------------------------------------------------------------


def test_scoring_math_is_weighted_per_rule_principle_and_overall(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(S1, S2, D1, principles=PRINCIPLES)
    repo.write(
        {
            "a.py": "password = 1\n",
            "b.py": "token = 1\nprint(1)\n",
            "c.py": "token = 2\n",
            "d.py": "y = 2\n",
        }
    )
    repo.add("a.py", "b.py", "c.py", "d.py")
    result = run_hook()
    # TS001 3/4 = 75, TS002 2/4 = 50 (weight 3): SECRETS (75 + 3 * 50) / 4 = 56.25
    # TS003 3/4 = 75: DEBUG 75 (its min is 90); overall (3 * 56.25 + 75) / 4 = 60.94
    assert result.out == [
        "a.py:1:1: TS001 [warning] password",
        "b.py:1:1: TS002 [warning] token",
        "b.py:2:1: TS003 [warning] print",
        "c.py:1:1: TS002 [warning] token",
        "FAIL SECRETS  56.2%  (min 80%; pulled down by TS001 a.py:1, TS002 b.py:1, TS002 c.py:1)",
        "FAIL DEBUG    75.0%  (min 90%; pulled down by TS003 b.py:2)",
        "overall 60.9% (min 80%)",
    ]
    assert result.summary == (
        "0 errors, 4 warnings in 4 files; blocked by: SECRETS 56.2% (min 80%), DEBUG 75.0% (min 90%), "
        "overall 60.9% (min 80%)"
    )
    assert result.code == 1
    data = json.loads((repo.root / RESULTS).read_text(encoding="utf-8"))
    assert data["score"]["rules"] == {"TS001": 75.0, "TS002": 50.0, "TS003": 75.0}
    assert data["score"]["overall"] == 60.94


def test_a_rule_counts_only_the_files_it_applies_to(repo: Repo, run_hook: Run) -> None:
    only_app = dict(S1, files=["app/**"])
    repo.use_pack(only_app, principles=PRINCIPLES)
    repo.write({"app/a.py": "password = 1\n", "app/b.py": "x = 1\n", "tools/c.py": "password = 2\n"})
    repo.add("app", "tools")
    result = run_hook()
    assert result.out == [
        "app/a.py:1:1: TS001 [warning] password",
        "FAIL SECRETS  50.0%  (min 80%; pulled down by TS001 app/a.py:1)",
        "overall 50.0% (min 80%)",
    ]
    assert result.summary == (
        "0 errors, 1 warning in 3 files; blocked by: SECRETS 50.0% (min 80%), overall 50.0% (min 80%)"
    )


def test_principle_min_score_from_the_pack_header_blocks_a_good_overall(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(S1, D1, principles=PRINCIPLES)
    files = {f"m{i}.py": "x = 1\n" for i in range(9)}
    files["m0.py"] = "print(1)\n"
    repo.write(files)
    repo.add(*files)
    result = run_hook()
    assert result.out == [
        "m0.py:1:1: TS003 [warning] print",
        "ok   SECRETS 100.0%  (min 80%, clean)",
        "FAIL DEBUG    88.9%  (min 90%; pulled down by TS003 m0.py:1)",
        "overall 97.2% (min 80%)",
    ]
    assert result.summary == "0 errors, 1 warning in 9 files; blocked by: DEBUG 88.9% (min 90%)"
    assert result.code == 1


def test_config_overrides_a_principle_min_score(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(S1, D1, principles=PRINCIPLES, config="principles:\n  DEBUG: {min_score: 85}\n")
    files = {f"m{i}.py": "x = 1\n" for i in range(9)}
    files["m0.py"] = "print(1)\n"
    repo.write(files)
    repo.add(*files)
    result = run_hook()
    assert result.out[1:] == [
        "ok   SECRETS 100.0%  (min 80%, clean)",
        "ok   DEBUG    88.9%  (min 85%, 1 violation)",
        "overall 97.2% (min 80%)",
    ]
    assert result.summary == (
        "0 errors, 1 warning in 9 files; passed; warnings lower the scores and block only under a "
        "minimum, or with --strict"
    )
    assert result.code == 0


def test_config_min_score_sets_the_overall_threshold(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(dict(S1, principle="SAFETY"), config="min_score: 40\n")
    repo.write({"a.py": "password = 1\n", "b.py": "x = 1\n"})
    repo.add("a.py", "b.py")
    result = run_hook()
    assert result.out[1:] == ["ok   SAFETY  50.0%  (min 40%, 1 violation)", "overall 50.0% (min 40%)"]
    assert result.code == 0


def test_an_error_blocks_even_with_a_high_score(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(dict(S1, principle="SAFETY", severity="error"))
    files = {f"m{i}.py": "x = 1\n" for i in range(10)}
    files["m0.py"] = "password = 'x'\n"
    repo.write(files)
    repo.add(*files)
    result = run_hook()
    assert result.code == 1
    assert result.out == [
        "m0.py:1:1: TS001 [error] password",
        "ok   SAFETY  90.0%  (min 80%, 1 violation)",
        "overall 90.0% (min 80%)",
    ]
    assert result.summary == "1 error, 0 warnings in 10 files; blocked by: 1 error"


def test_a_blocking_rule_blocks_even_as_a_warning(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(dict(S1, principle="SAFETY", blocking=True))
    files = {f"m{i}.py": "x = 1\n" for i in range(10)}
    files["m0.py"] = "password = 'x'\n"
    repo.write(files)
    repo.add(*files)
    result = run_hook()
    assert (result.code, result.summary) == (1, "1 error, 0 warnings in 10 files; blocked by: 1 error")


BARE_EXCEPT = "def load(path):\n    try:\n        return read(path)\n    except:\n        return None\n"


@pytest.mark.parametrize("clean_files", [pytest.param(1, id="2-files"), pytest.param(6, id="7-files")])
def test_a_bare_except_blocks_whatever_the_size_of_the_commit(
    repo: Repo, run_hook: Run, clean_files: int
) -> None:
    """The generic pack's CC014 is an error: it blocks a 2-file commit and a 7-file one alike, and is
    printed in both (per-file share scoring once blocked the first and passed the second silently)."""
    repo.write({".ava-safety.yaml": "packs: [generic]\n"})
    files = {f"clean{i}.py": "VALUE = 1\n" for i in range(clean_files)}
    files["loader.py"] = BARE_EXCEPT
    repo.write(files)
    repo.add(".ava-safety.yaml", *files)
    result = run_hook("--no-results")
    finding = (
        "loader.py:4:5: CC014 [error] bare except: also catches SystemExit and KeyboardInterrupt; "
        "name the exceptions"
    )
    assert result.code == 1
    assert finding in result.out
    total = clean_files + 2  # and the config file
    assert result.summary is not None
    assert result.summary.startswith(f"1 error, 0 warnings in {total} files; blocked by: 1 error")


def test_findings_under_a_passing_score_exit_0_unless_strict(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(dict(S1, principle="SAFETY", severity="warning"))
    files = {f"m{i}.py": "x = 1\n" for i in range(10)}
    files["m0.py"] = "password = 'x'\n"
    repo.write(files)
    repo.add(*files)
    relaxed = run_hook()
    assert relaxed.code == 0
    assert relaxed.out[-1] == "overall 90.0% (min 80%)"
    assert relaxed.summary == (
        "0 errors, 1 warning in 10 files; passed; warnings lower the scores and block only under a "
        "minimum, or with --strict"
    )
    strict = run_hook("--strict")
    assert strict.code == 1
    assert strict.summary == "0 errors, 1 warning in 10 files; blocked by: 1 warning (--strict)"


def test_staged_files_that_no_rule_checks_pass_and_say_so(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({"README.md": "# eval(x) in prose\n"})
    repo.add("README.md")
    result = run_hook()
    assert (result.code, result.out, result.summary) == (
        0,
        ["constitutional compliance: nothing to check"],
        "0 errors, 0 warnings in 1 file; passed",
    )


def test_an_empty_file_set_passes_and_says_so(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    result = run_hook("--from-ref", "HEAD", "--to-ref", "HEAD")
    assert result.code == 0
    assert result.out == ["constitutional compliance: nothing to check"]
    assert result.summary == "no files to check (files changed in HEAD...HEAD); passed"


# --- scope ------------------------------------------------------------------------------------------


@pytest.fixture
def history(repo: Repo) -> dict[str, str]:
    """Three commits, each adding a file with a finding; returns their shas."""
    repo.use_pack(EVAL)
    shas = {"base": repo.git("rev-parse", "HEAD").strip()}
    for name in ("one", "two", "three"):
        repo.write({f"{name}.py": f"eval({name})\n"})
        repo.add(f"{name}.py")
        shas[name] = repo.commit(name)
    return shas


def test_checks_only_staged_files(history: dict[str, str], repo: Repo, run_hook: Run) -> None:
    repo.write({"new.py": "eval(new)\n", "two.py": "eval(two)\neval(again)\n", "untracked.py": "eval(u)\n"})
    repo.add("new.py", "two.py")
    assert lines_of(run_hook()) == [
        "new.py:1:1: TS009 [error] eval",
        "two.py:1:1: TS009 [error] eval",
        "two.py:2:1: TS009 [error] eval",
    ]


def test_all_files_checks_every_tracked_file(history: dict[str, str], repo: Repo, run_hook: Run) -> None:
    repo.write({"new.py": "eval(new)\n", "untracked.py": "eval(u)\n"})
    repo.add("new.py")
    assert lines_of(run_hook("--all-files")) == [
        "new.py:1:1: TS009 [error] eval",
        "one.py:1:1: TS009 [error] eval",
        "three.py:1:1: TS009 [error] eval",
        "two.py:1:1: TS009 [error] eval",
    ]


def test_from_ref_to_ref_checks_the_changed_files(history: dict[str, str], run_hook: Run) -> None:
    result = run_hook("--from-ref", history["one"], "--to-ref", history["two"])
    assert lines_of(result) == ["two.py:1:1: TS009 [error] eval"]
    assert lines_of(run_hook("--from-ref", history["one"])) == [
        "three.py:1:1: TS009 [error] eval",
        "two.py:1:1: TS009 [error] eval",
    ]


def test_pre_commit_push_range_from_the_environment(
    history: dict[str, str], run_hook: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", history["base"])
    monkeypatch.setenv("PRE_COMMIT_TO_REF", history["one"])
    assert lines_of(run_hook()) == ["one.py:1:1: TS009 [error] eval"]


def test_nothing_staged_falls_back_to_all_tracked_files(
    history: dict[str, str], repo: Repo, run_hook: Run
) -> None:
    result = run_hook()
    assert lines_of(result) == [
        "one.py:1:1: TS009 [error] eval",
        "three.py:1:1: TS009 [error] eval",
        "two.py:1:1: TS009 [error] eval",
    ]
    assert (
        json.loads((repo.root / RESULTS).read_text(encoding="utf-8"))["scope"]
        == "all tracked files (nothing staged)"
    )


def test_named_files_are_checked_relative_to_the_cwd(
    history: dict[str, str], repo: Repo, run_hook: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write({"pkg/mod.py": "eval(m)\n", "pkg/other.py": "eval(o)\n"})
    assert lines_of(run_hook("one.py", "pkg/mod.py")) == [
        "one.py:1:1: TS009 [error] eval",
        "pkg/mod.py:1:1: TS009 [error] eval",
    ]
    monkeypatch.chdir(repo.root / "pkg")
    assert lines_of(run_hook("mod.py")) == ["pkg/mod.py:1:1: TS009 [error] eval"]


def test_bad_ref_is_exit_2(history: dict[str, str], run_hook: Run) -> None:
    result = run_hook("--from-ref", "no-such-ref")
    assert (result.code, result.out) == (2, [])
    assert result.err == [
        "constitutional-compliance: git diff --name-only failed: fatal: ambiguous argument "
        "'no-such-ref...HEAD': unknown revision or path not in the working tree."
    ]


def test_outside_a_git_repo_without_filenames_is_exit_2(
    tmp_path: Path, clean_env: None, run_hook: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    result = run_hook()
    assert (result.code, result.out, len(result.err)) == (2, [], 1)
    assert result.err[0].startswith(
        "constitutional-compliance: git rev-parse --show-toplevel failed: fatal: not a git"
    )
    assert result.err[0].endswith("; outside a git repository, pass the files to check")


def test_outside_a_git_repo_named_files_are_checked_and_nothing_recorded(
    tmp_path: Path, clean_env: None, run_hook: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "plain"
    (outside / "safety").mkdir(parents=True)
    (outside / "safety" / "pack.yaml").write_text(pack_text([EVAL]), encoding="utf-8")
    (outside / ".ava-safety.yaml").write_text("packs: []\nrules: [safety/*.yaml]\n", encoding="utf-8")
    (outside / "a.py").write_text("eval(x)\n", encoding="utf-8")
    monkeypatch.chdir(outside)
    result = run_hook("a.py")
    assert result.out == [
        "a.py:1:1: TS009 [error] eval",
        "FAIL SAFETY   0.0%  (min 80%; pulled down by TS009 a.py:1)",
        "overall 0.0% (min 80%)",
    ]
    assert result.summary == (
        "1 error, 0 warnings in 1 file; blocked by: 1 error, SAFETY 0.0% (min 80%), overall 0.0% (min 80%)"
    )
    assert not (outside / ".git").exists()


def test_without_git_on_path_is_exit_2(repo: Repo, run_hook: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run_hook()
    assert result.code == 2
    assert result.err == [
        "constitutional-compliance: git is not installed or not on PATH; "
        "install git or pass file names explicitly; outside a git repository, pass the files to check"
    ]


def test_git_that_hangs_is_exit_2(repo: Repo, run_hook: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(*args: Any, **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(args[0], 30)

    monkeypatch.setattr("hooks._git.subprocess.run", hang)
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[0].startswith("constitutional-compliance: git rev-parse did not answer within 30s")


def test_config_exclude_drops_paths(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({".ava-safety.yaml": "packs: []\nrules: [safety/*.yaml]\nexclude: [vendor/, safety/]\n"})
    repo.write({"vendor/lib.py": "eval(v)\n", "app.py": "eval(a)\n"})
    repo.add("vendor/lib.py", "app.py")
    assert lines_of(run_hook()) == ["app.py:1:1: TS009 [error] eval"]


# --- files that are not plain Python ----------------------------------------------------------------


def test_binary_files_are_skipped(repo: Repo, run_hook: Run) -> None:
    repo.use_pack({"id": "TS001", "check": "regex", "pattern": "password", "message": "password"})
    repo.write({"blob.bin": b"password\x00\x01\x02", "ok.txt": "fine\n"})
    repo.add("blob.bin", "ok.txt")
    result = run_hook()
    assert (result.code, result.out, result.summary) == (
        0,
        ["ok   SAFETY 100.0%  (min 80%, clean)", "overall 100.0% (min 80%)"],
        "0 errors, 0 warnings in 2 files; passed",
    )


def test_non_utf8_file_is_as004_and_still_checked(repo: Repo, run_hook: Run) -> None:
    repo.use_pack({"id": "TS001", "check": "regex", "pattern": "password", "message": "password"})
    repo.write({"notes.txt": b"caf\xe9\npassword here\n"})
    repo.add("notes.txt")
    assert run_hook().out[:2] == [
        "notes.txt:1:4: AS004 [warning] not valid UTF-8 (first bad byte here); checked with replacement "
        "characters",
        "notes.txt:2:1: TS001 [error] password",
    ]


def test_python_syntax_error_is_as005(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({"broken.py": "x = 1\nif x\n    eval(x)\n"})
    repo.add("broken.py")
    result = run_hook()
    assert result.out == [
        "broken.py:2:5: AS005 [warning] cannot parse: expected ':'; Python rules skipped for this file",
        "ok   SAFETY 100.0%  (min 80%, clean)",
        "overall 100.0% (min 80%)",
    ]
    assert result.summary == (
        "0 errors, 1 warning in 1 file; passed; warnings lower the scores and block only under a "
        "minimum, or with --strict"
    )
    assert result.code == 0
    assert run_hook("--strict").code == 1


def test_a_nul_byte_in_python_source_is_reported_not_skipped(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({"weird.py": b"eval(x)\x00\n"})
    repo.add("weird.py")
    assert run_hook().out[:2] == [
        "weird.py:1:1: AS005 [warning] cannot parse: source code string cannot contain null bytes; "
        "Python rules skipped for this file",
        "weird.py:1:8: AS007 [warning] NUL byte here: git and most "
        "tools take the file for binary; checked as text",
    ]


def test_a_named_file_that_does_not_exist_is_a_usage_error(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    result = run_hook("gone.py", "--no-results")
    assert result.code == 2
    assert result.err == ["constitutional-compliance: no such file: gone.py"]


# --- results ----------------------------------------------------------------------------------------


def test_results_are_written_under_git_and_the_tree_stays_clean(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({"a.py": "eval(x)\n"})
    repo.add("a.py")
    repo.commit("code")
    result = run_hook("--all-files")
    assert result.code == 1
    data = json.loads((repo.root / RESULTS).read_text(encoding="utf-8"))
    assert data["hook"] == "constitutional-compliance"
    assert (data["exit_code"], data["files"], data["scope"]) == (1, 3, "all tracked files")
    assert [f["rule"] for f in data["findings"]] == ["TS009"]
    assert data["score"]["passed"] is False
    assert isinstance(data["seconds"], float) and data["finished_at"]
    assert repo.status() == ""
    assert not list((repo.root / ".git" / "ava-safety" / "results").glob("*.tmp"))


def test_no_results_flag_writes_nothing(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    run_hook("--all-files", "--no-results")
    assert not (repo.root / RESULTS).exists()


def test_results_that_cannot_be_written_are_a_warning(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    (repo.root / ".git" / "ava-safety").write_text("in the way", encoding="utf-8")
    result = run_hook("--all-files")
    assert result.code == 0
    assert len(result.err) == 1
    assert result.err[0].startswith("ava-safety: could not record results: ")


# --- principle allowances ---------------------------------------------------------------------------


def test_principle_allowance_drops_findings_that_bind_an_allowed_name(repo: Repo, run_hook: Run) -> None:
    no_other_db = {
        "id": "TS010",
        "check": "python",
        "pattern": "import $M",
        "metavariable-regex": {"$M": "^(redis|pymongo)"},
        "principle": "POSTGRESQL ONLY",
        "message": "{M} is not PostgreSQL",
        "examples": {"pass": ["import psycopg"], "fail": ["import pymongo"]},
    }
    principles = {"POSTGRESQL ONLY": {"weight": 1}}
    repo.use_pack(
        no_other_db, principles=principles, config="principles:\n  POSTGRESQL ONLY: {allow: [redis]}\n"
    )
    repo.write(
        {
            "cache.py": "import redis\nimport redis.client\n",
            "docs.py": "import pymongo\nimport redisx\n",
        }
    )
    repo.add("cache.py", "docs.py")
    assert lines_of(run_hook()) == [
        "docs.py:1:1: TS010 [error] pymongo is not PostgreSQL",
        "docs.py:2:1: TS010 [error] redisx is not PostgreSQL",
    ]


def test_allowance_applies_only_to_its_principle(scan: Callable[..., list[str]]) -> None:
    rule = {"id": "TS011", "check": "python", "pattern": "import $M", "message": "{M}"}
    assert scan({"a.py": "import redis\n"}, rule, allow={"OTHER": ("redis",)}) == ["a.py:1:1: TS011 redis"]
    assert scan({"a.py": "import redis\n"}, rule, allow={"SAFETY": ("redis",)}) == []


# --- parallel ---------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python 3.12+
def test_parallel_run_gives_the_same_result_as_serial(tmp_path: Path) -> None:
    rules_file = tmp_path / "pack.yaml"
    rules_file.write_text(
        pack_text(
            [
                {"id": "TS001", "check": "regex", "pattern": "password", "message": "pw"},
                {"id": "TS002", "check": "python", "pattern": "eval($X)", "message": "eval {X}"},
                {"id": "TS003", "check": "files", "path": "*.secret", "must": "not-exist"},
                {"id": "TS004", "check": "files", "path": "README*", "must": "exist"},
            ]
        ),
        encoding="utf-8",
    )
    rules = load_rules(hook=None, packs=[], extra_files=[rules_file]).rules
    work = tmp_path / "work"
    paths = []
    for i in range(230):
        name = f"pkg{i % 7}/m{i}.py"
        text = f"x = {i}\n" + ("eval(x)\n" if i % 3 == 0 else "") + ("password\n" if i % 5 == 0 else "")
        text += "# ava-safety: ignore[TS002]\neval(y)\n" if i % 11 == 0 else ""
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text, encoding="utf-8")
        paths.append(name)
    (work / "k.secret").write_text("s", encoding="utf-8")
    paths.append("k.secret")
    serial = _engine.run(work, paths, rules, jobs=1)
    parallel = _engine.run(work, paths, rules, jobs=2)
    assert len(serial.findings) > 100
    assert parallel.findings == serial.findings
    assert {k: (c.checked, c.violating) for k, c in parallel.coverage.items()} == {
        k: (c.checked, c.violating) for k, c in serial.coverage.items()
    }
    assert parallel.files_checked == serial.files_checked == 231


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python 3.12+
def test_parallel_hook_run_prints_the_same_as_serial(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL, D1, principles={"SAFETY": {"weight": 1}, "DEBUG": {"weight": 1}})
    files = {
        f"m{i:03}.py": ("eval(x)\n" if i % 4 == 0 else "print(1)\n" if i % 9 == 0 else "x = 1\n")
        for i in range(210)
    }
    repo.write(files)
    repo.add(*files)
    serial = run_hook("--jobs", "1", "--no-results")
    parallel = run_hook("--jobs", "2", "--no-results")
    assert parallel.out == serial.out
    assert len(serial.out) > 50


# --- running as a script ----------------------------------------------------------------------------


def test_module_runs_as_a_script(repo: Repo) -> None:
    import sys

    repo.use_pack(EVAL)
    proc = subprocess.run(
        [sys.executable, "-m", "hooks.constitutional_compliance", "--all-files", "--no-results"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (
        0,
        "constitutional compliance: nothing to check\n"
        "no files to check (all tracked files; 2 excluded by the config); passed\n",
    )
