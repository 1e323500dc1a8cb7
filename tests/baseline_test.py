"""Baselines: accept today's findings, report only new ones; moving lines does not make them new."""

from __future__ import annotations

import json
import subprocess
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


# --- `ava-safety baseline` and init: a legacy repository adopts the hooks in one command -------------

LEGACY = {
    "old.py": "def f():\n    try:\n        return 1\n    except:\n        return 2\n",
    "page.html": '<!doctype html><html lang="en"><body><img src="a.png"></body></html>\n',
}


def _legacy_repo(repo: Repo) -> Repo:
    repo.write(LEGACY)
    repo.add("old.py", "page.html")
    repo.commit("legacy code")
    return repo


def test_baseline_command_records_every_hooks_findings_in_one_file(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks import _cli, constitutional_compliance, design_rules

    _legacy_repo(repo)
    assert constitutional_compliance.main(["--all-files", "--no-results"]) == 1
    assert design_rules.main(["--all-files", "--no-results"]) == 1
    capsys.readouterr()
    assert _cli.main(["baseline"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"wrote 3 finding(s) to {repo.root / '.ava-safety-baseline.json'} (constitutional-compliance 1, "
        "syntax-imports 0, env-vars 0, deploy-config 0, design-rules 2, version-consistency 0)"
    )
    data = json.loads((repo.root / ".ava-safety-baseline.json").read_text(encoding="utf-8"))
    assert sorted(e["rule"] for e in data["findings"]) == ["CC014", "DR001", "DR003"]
    for main in (constitutional_compliance.main, design_rules.main):
        assert main(["--all-files", "--no-results", "--baseline", ".ava-safety-baseline.json"]) == 0
    assert repo.status() == "?? .ava-safety-baseline.json\n"  # written for the team to commit


def test_baseline_command_outside_a_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks import _cli

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["baseline"]) == 2
    assert "ava-safety baseline: " in capsys.readouterr().err
    assert not (tmp_path / ".ava-safety-baseline.json").exists()


def _tagged_hook_repo(hook_repo: tuple[Path, str]) -> Path:
    from hooks import __version__

    path, rev = hook_repo
    subprocess.run(["git", "tag", "-f", f"v{__version__}", rev], cwd=path, check=True, capture_output=True)
    return path


def test_init_pins_the_installed_versions_tag_and_wires_the_baseline(
    repo: Repo, hook_repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from hooks import __version__, _cli

    _legacy_repo(repo)
    assert _cli.main(["baseline"]) == 0
    path = _tagged_hook_repo(hook_repo)
    capsys.readouterr()
    assert _cli.main(["init", "--repo", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "run 'pre-commit autoupdate'" not in "\n".join(out)
    assert out[-1] == (
        "the hooks report only findings not in .ava-safety-baseline.json "
        "(args: [--baseline, .ava-safety-baseline.json])"
    )
    (entry,) = yaml.safe_load((repo.root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"]
    assert (entry["repo"], entry["rev"]) == (str(path), f"v{__version__}")
    assert {h["id"]: h["args"] for h in entry["hooks"]} == {
        hook: ["--baseline", ".ava-safety-baseline.json"]
        for hook in (
            "constitutional-compliance",
            "syntax-imports",
            "env-vars",
            "deploy-config",
            "design-rules",
        )
    }


def test_init_without_a_release_tag_says_to_run_autoupdate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from hooks import __version__, _cli

    untagged = tmp_path / "hooks-repo"
    subprocess.run(["git", "init", "-q", str(untagged)], check=True)
    target = tmp_path / "service"
    target.mkdir()
    assert _cli.main(["init", "--dir", str(target), "--repo", str(untagged)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        f"{untagged} has no tag v{__version__} (or could not be reached): "
        "run 'pre-commit autoupdate' to pin the newest release"
    )
    text = (target / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "# no such tag yet: run 'pre-commit autoupdate'" in text
    (entry,) = yaml.safe_load(text)["repos"]
    assert all("args" not in h for h in entry["hooks"])  # no baseline file: nothing to wire


def test_legacy_repo_adopts_the_hooks_through_pre_commit(
    repo: Repo, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """Day one: baseline, init, commit; a one-comment change to the old file passes, a new defect
    in it blocks."""
    import os
    import sys

    from hooks import _cli

    _legacy_repo(repo)
    assert _cli.main(["baseline"]) == 0
    assert _cli.main(["init", "--repo", str(_tagged_hook_repo(hook_repo))]) == 0
    repo.add()
    repo.commit("adopt ava-safety")

    def pre_commit() -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)}
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run"], cwd=repo.root, env=env,
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    repo.write({"old.py": "# reviewed\n" + LEGACY["old.py"]})
    repo.add("old.py")
    touched = pre_commit()
    assert touched.returncode == 0, touched.stdout + touched.stderr
    repo.write(
        {
            "old.py": "# reviewed\n"
            + LEGACY["old.py"]
            + "\n\ndef g():\n    try:\n        pass\n    except:\n        raise SystemExit\n"
        }
    )
    repo.add("old.py")
    new = pre_commit()
    assert new.returncode == 1, new.stdout + new.stderr
    assert "old.py:12:5: CC014 [error]" in new.stdout, new.stdout
