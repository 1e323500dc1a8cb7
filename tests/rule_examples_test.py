"""Rule examples as the product runs them: the harness, `ava-safety rules --test`, and the loader's
check of a repo's own rule files (once per content of the file, remembered under .git/ava-safety)."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hooks import _cli, _examples
from hooks._rules import Rule
from hooks._source import Match, SourceFile

from ._support import HookRun, Repo, pack_text

Capsys = pytest.CaptureFixture[str]
Make = Callable[..., list[Rule]]

EVAL = {"id": "TS001", "check": "python", "pattern": "eval($X)", "message": "eval of {X}"}


def problems(rule: Rule, tmp_path: Path) -> list[str]:
    out = []
    for number, example in enumerate(rule.examples):
        workdir = tmp_path / f"ex{number}"
        workdir.mkdir()
        failure = _examples.run_example(rule, example, workdir)
        if failure is not None:
            out.append(failure.problem)
    return out


@pytest.mark.parametrize(
    ("examples", "expected"),
    [
        pytest.param(
            {"pass": ["x = eval(y)"], "fail": ["eval(x)"]}, ["pass example is flagged: 1:5: eval of y"]
        ),
        pytest.param({"pass": ["x = 1"], "fail": ["exec(x)"]}, ["fail example is not flagged"]),
        pytest.param(
            {"pass": ["x = 1"], "fail": [{"code": "eval(x)", "line": 2, "col": 1, "message": "eval of x"}]},
            ["fail example is flagged, but not as expected: wanted 2:1: eval of x, got 1:1: eval of x"],
            id="elsewhere",
        ),
        pytest.param(
            {"pass": ["x = 1"], "fail": [{"code": "eval(x)", "message": "eval of z"}]},
            ["fail example is flagged, but not as expected: wanted ?:?: eval of z, got 1:1: eval of x"],
            id="other-message",
        ),
        pytest.param(
            {"pass": ["def (:"], "fail": ["eval(x)"]},
            ["the example is not valid Python: invalid syntax (its line 1)"],
            id="does-not-parse",
        ),
        pytest.param(
            {
                "pass": [{"code": "eval(x)", "files": {".ava-safety.yaml": "packs: [generic]\nbogus: 1\n"}}],
                "fail": ["eval(x)"],
            },
            ["the example's own configuration is wrong: .ava-safety.yaml:2: unknown key 'bogus'"],
            id="broken-example-config",
        ),
        pytest.param(
            {"pass": ["x = 1"], "fail": [{"code": "eval(x)", "path": "lib/m.py", "line": 1, "col": 1}]},
            [],
            id="holds",
        ),
    ],
)
def test_each_way_an_example_can_fail(
    make_rules: Make, tmp_path: Path, examples: dict[str, Any], expected: list[str]
) -> None:
    (rule,) = make_rules({**EVAL, "examples": examples})
    found = problems(rule, tmp_path)
    assert len(found) == len(expected)
    for got, want in zip(found, expected, strict=True):
        assert got.startswith(want)


def test_an_example_needs_a_path_the_rule_accepts(make_rules: Make, tmp_path: Path) -> None:
    (rule,) = make_rules({**EVAL, "files": ["scripts/*.sh"]})
    assert (
        problems(rule, tmp_path)
        == ["the rule's 'files' accept none of the usual example names: give the example a 'path'"] * 2
    )


@pytest.fixture
def exploding(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("hooks._plugins.exploding")

    def boom(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        raise KeyError("no such table")

    module.boom = boom  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.exploding", module)


@pytest.mark.usefixtures("exploding")
def test_a_crash_in_an_example_is_reported_as_a_crash(make_rules: Make, tmp_path: Path) -> None:
    (rule,) = make_rules({"id": "PL001", "check": "plugin", "function": "exploding:boom"})
    # the engine isolates the crash (the crash policy); the harness reports it as a crashed example
    failure = _examples.run_example(rule, rule.examples[0], tmp_path)
    assert failure is not None and failure.crashed
    assert failure.problem == "internal error in PL001: KeyError: 'no such table'"


# --- ava-safety rules --test ----------------------------------------------------------------------


def own_rules(repo: Repo, *rules: Mapping[str, Any], name: str = "safety/pack.yaml") -> None:
    repo.write({name: pack_text(rules), ".ava-safety.yaml": "packs: []\nrules: [safety/*.yaml]\n"})


def test_rules_test_passes_when_every_example_holds(repo: Repo, capsys: Capsys) -> None:
    own_rules(repo, EVAL, {"id": "TS002", "check": "regex", "pattern": "TODO", "message": "todo"})
    assert _cli.main(["rules", "--test"]) == 0
    assert capsys.readouterr().out.splitlines() == ["all 4 examples of 2 rules hold"]


def test_rules_test_names_file_and_line_of_each_example_that_does_not_hold(
    repo: Repo, capsys: Capsys
) -> None:
    wrong = {**EVAL, "id": "TS002", "examples": {"pass": ["eval(y)"], "fail": ["exec(x)"]}}
    own_rules(repo, EVAL, wrong)
    assert _cli.main(["rules", "--test"]) == 1
    out = capsys.readouterr().out.splitlines()
    text = (repo.root / "safety/pack.yaml").read_text(encoding="utf-8").splitlines()
    assert out == [
        f"safety/pack.yaml:{text.index('    - eval(y)') + 1}: TS002: pass example is flagged: 1:1: eval of y",
        f"safety/pack.yaml:{text.index('    - exec(x)') + 1}: TS002: fail example is not flagged",
        "2 of 4 examples of 2 rules do not hold",
    ]


def test_rules_test_with_another_config_file(repo: Repo, capsys: Capsys) -> None:
    repo.write({"ci/safety.yaml": "packs: []\nrules: [team/*.yaml]\n", "team/r.yaml": pack_text([EVAL])})
    assert _cli.main(["rules", "--test", "--config", "ci/safety.yaml"]) == 0
    assert capsys.readouterr().out == "all 2 examples of 1 rules hold\n"


def test_rules_test_without_own_rules_says_how_to_test_the_bundled_ones(repo: Repo, capsys: Capsys) -> None:
    assert _cli.main(["rules", "--test"]) == 0
    assert "--bundled tests the bundled packs" in capsys.readouterr().out


def test_rules_test_bundled_runs_the_bundled_packs_too(
    repo: Repo, capsys: Capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "bundled"
    broken = {**EVAL, "id": "BU001", "examples": {"pass": ["x = 1"], "fail": ["exec(x)"]}}
    (root / "base").mkdir(parents=True)
    (root / "base" / "rules.yaml").write_text(pack_text([broken], pack="base"), encoding="utf-8")
    monkeypatch.setattr("hooks._rules.bundled_root", lambda: root)
    own_rules(repo, EVAL)
    assert _cli.main(["rules", "--test"]) == 0
    capsys.readouterr()
    assert _cli.main(["rules", "--test", "--bundled"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("rules/base/rules.yaml:") and out[0].endswith(
        ": BU001: fail example is not flagged"
    )
    assert out[1:] == ["1 of 4 examples of 2 rules do not hold"]


def test_rules_test_on_a_broken_config_is_exit_2(repo: Repo, capsys: Capsys) -> None:
    repo.write({".ava-safety.yaml": "packs: []\nrules: [nothing/*.yaml]\n"})
    assert _cli.main(["rules", "--test"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        ".ava-safety.yaml:2: 'rules': no file matches 'nothing/*.yaml'",
        "ava-safety rules: fix the configuration above (exit 2)",
    ]


@pytest.mark.usefixtures("exploding")
def test_rules_test_reports_a_crash_and_exits_2(repo: Repo, capsys: Capsys) -> None:
    own_rules(repo, {"id": "PL001", "check": "plugin", "function": "exploding:boom"})
    assert _cli.main(["rules", "--test"]) == 2
    assert "internal error in PL001: KeyError: 'no such table'" in capsys.readouterr().out


def test_config_and_bundled_need_test(capsys: Capsys) -> None:
    assert _cli.main(["rules", "--bundled"]) == 2  # argparse's exit, returned as a main does
    assert "--config and --bundled go with --test" in capsys.readouterr().err


# --- the loader: a repo's own rule files, once per content ----------------------------------------


def test_a_hook_refuses_a_rule_file_whose_example_does_not_hold(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    wrong = {**EVAL, "examples": {"pass": ["x = 1"], "fail": ["exec(x)"]}}
    repo.use_pack(wrong)
    result = run_hook("--all-files")
    text = (repo.root / "safety/pack.yaml").read_text(encoding="utf-8").splitlines()
    assert (result.code, result.out) == (2, [])
    assert result.err == [
        f"safety/pack.yaml:{text.index('    - exec(x)') + 1}: TS001: fail example is not flagged; "
        "run ava-safety rules --test",
        "constitutional-compliance: fix the configuration above (exit 2)",
    ]


def test_examples_run_once_per_content_of_the_rule_file(
    repo: Repo, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.use_pack(EVAL)
    repo.write({"a.py": "eval(x)\n"})
    repo.add("a.py")
    assert run_hook("--all-files").code == 1  # the finding; the examples held
    markers = list((repo.root / ".git/ava-safety/cache/examples").iterdir())
    assert len(markers) == 1
    assert repo.status() == "A  a.py\n"  # the cache is no tracked file, nor an untracked one

    def must_not_run(*args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError("examples ran again for an unchanged rule file")

    monkeypatch.setattr(_examples, "check_examples", must_not_run)
    assert run_hook("--all-files").code == 1
    repo.write({"safety/pack.yaml": pack_text([{**EVAL, "message": "eval: {X}"}])})
    changed = run_hook("--all-files")  # the examples run again: here, into the stand-in that refuses
    assert changed.code == 2
    assert "examples ran again for an unchanged rule file" in changed.err[0]


def test_outside_git_the_examples_run_without_a_cache(
    tmp_path: Path, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    work = tmp_path / "plain"
    (work / "safety").mkdir(parents=True)
    (work / "safety/pack.yaml").write_text(
        pack_text([{**EVAL, "examples": {"pass": ["x = 1"], "fail": ["exec(x)"]}}]), encoding="utf-8"
    )
    (work / ".ava-safety.yaml").write_text("packs: []\nrules: [safety/*.yaml]\n", encoding="utf-8")
    (work / "a.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(work)
    result = run_hook("a.py")
    assert result.code == 2
    assert "TS001: fail example is not flagged; run ava-safety rules --test" in result.err[0]


def test_rules_test_outside_git_reads_the_config_in_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capsys, clean_env: None
) -> None:
    (tmp_path / "safety").mkdir()
    (tmp_path / "safety/r.yaml").write_text(pack_text([EVAL]), encoding="utf-8")
    (tmp_path / ".ava-safety.yaml").write_text("packs: []\nrules: [safety/*.yaml]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["rules", "--test"]) == 0
    assert capsys.readouterr().out == "all 2 examples of 1 rules hold\n"


def test_an_unwritable_cache_costs_time_not_the_run(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.use_pack(EVAL)
    cache = repo.root / ".git/ava-safety/cache"
    cache.mkdir(parents=True)
    (cache / "examples").write_text("a file where the cache directory should be", encoding="utf-8")
    assert run_hook("--all-files").code == 0
