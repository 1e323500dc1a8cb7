"""Output formats: text, json, SARIF 2.1.0 and GitHub annotations; colour only on a terminal."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from hooks import __version__, _report
from hooks._engine import Finding
from hooks._score import PrincipleScore, Scores, Verdict, gate

from ._support import HookRun, Repo

RULES = (
    {
        "id": "TS001",
        "check": "regex",
        "pattern": "password",
        "message": "password in {path}",
        "files": ["*.py"],
    },
    {
        "id": "TS002",
        "check": "python",
        "pattern": "eval($X)",
        "message": "eval of {X}",
        "severity": "warning",
        "description": "eval runs arbitrary code.",
    },
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def findings_repo(repo: Repo) -> Repo:
    repo.use_pack(*RULES)
    repo.write(
        {
            "b.py": "password = 1\neval(x)\n",
            "a.py": "x = 1\n\n  # ava-safety: ignore\neval(y); password = 2\n",
            "c.py": "ok = 1\n",
        }
    )
    repo.add("a.py", "b.py", "c.py")
    return repo


def test_text_lines_are_sorted_path_line_col(findings_repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    result = run_hook()
    assert result.out == [
        "a.py:3:3: AS001 [warning] suppression names no rule; write # ava-safety: ignore[RULE-ID] reason",
        "a.py:4:1: TS002 [warning] eval of y",
        "a.py:4:10: TS001 [error] password in a.py",
        "b.py:1:1: TS001 [error] password in b.py",
        "b.py:2:1: TS002 [warning] eval of x",
        "FAIL SAFETY  33.3%  (min 80%; pulled down by TS002 a.py:4, TS001 a.py:4, TS001 b.py:1, TS002 "
        "b.py:2)",
        "overall 33.3% (min 80%)",
    ]
    assert result.summary == (
        "2 errors, 3 warnings in 3 files; blocked by: 2 errors, SAFETY 33.3% (min 80%), overall 33.3% (min "
        "80%)"
    )
    assert all("\033[" not in line for line in result.out)


def test_json_report(findings_repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    result = run_hook("--format", "json")
    assert result.code == 1
    data = json.loads("\n".join(result.out))
    assert {k: data[k] for k in ("tool", "version", "hook")} == {
        "tool": "ava-safety",
        "version": __version__,
        "hook": "constitutional-compliance",
    }
    assert data["findings"][1] == {
        "path": "a.py",
        "line": 4,
        "col": 1,
        "rule": "TS002",
        "severity": "warning",
        "message": "eval of y",
        "principle": "SAFETY",
        "blocking": False,
    }
    assert [(f["path"], f["line"], f["rule"]) for f in data["findings"]] == [
        ("a.py", 3, "AS001"),
        ("a.py", 4, "TS002"),
        ("a.py", 4, "TS001"),
        ("b.py", 1, "TS001"),
        ("b.py", 2, "TS002"),
    ]
    assert data["score"] == {
        "overall": 33.33,
        "min_score": 80.0,
        "passed": False,
        "principles": [
            {
                "name": "SAFETY",
                "score": 33.33,
                "min_score": 80.0,
                "weight": 1.0,
                "passed": False,
                "violations": 4,
            }
        ],
        "rules": {"TS001": 33.33, "TS002": 33.33},
    }


def test_sarif_report_shape(findings_repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    result = run_hook("--format", "sarif")
    assert result.code == 1
    sarif = json.loads("\n".join(result.out))
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("ava-safety constitutional-compliance", __version__)
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["AS001", "TS001", "TS002"]
    assert driver["rules"][0]["name"] == "suppression-without-rule-id"
    assert driver["rules"][0]["defaultConfiguration"] == {"level": "warning"}
    assert driver["rules"][2] == {
        "id": "TS002",
        "name": "rule-ts002",
        "shortDescription": {"text": "eval of {X}"},
        "fullDescription": {"text": "eval runs arbitrary code."},
        "defaultConfiguration": {"level": "warning"},
        "helpUri": "https://github.com/ava-safety/ava-safety#rules-ts002",
    }
    assert driver["rules"][1]["fullDescription"] == {"text": "password in {path}"}
    results = run["results"]
    assert len(results) == 5
    for res in results:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["partialFingerprints"]["avaSafety/v1"]
    first = results[0]
    assert first["level"] == "warning"
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "a.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3, "startColumn": 3},
            }
        }
    ]
    assert [(r["ruleId"], r["level"]) for r in results[2:4]] == [("TS001", "error"), ("TS001", "error")]


def test_github_annotations_escape_data_and_properties() -> None:
    findings = [
        Finding("dir:x/a,b.py", 3, 7, "TS001", "100% sure\nnext: a, b\r", "error"),
        Finding("ok.py", 1, 1, "AS002", "unused", "warning"),
    ]
    out = io.StringIO()
    _report.github(findings, out)
    assert out.getvalue().splitlines() == [
        "::error file=dir%3Ax/a%2Cb.py,line=3,col=7,title=TS001::100%25 sure%0Anext: a, b%0D",
        "::warning file=ok.py,line=1,col=1,title=AS002::unused",
    ]


def test_github_format_from_the_hook_ends_with_the_score(
    findings_repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    result = run_hook("--format", "github", "b.py")
    assert result.out == [
        "::error file=b.py,line=1,col=1,title=TS001::password in b.py",
        "::warning file=b.py,line=2,col=1,title=TS002::eval of x",
        "FAIL SAFETY   0.0%  (min 80%; pulled down by TS001 b.py:1, TS002 b.py:2)",
        "overall 0.0% (min 80%)",
    ]
    assert result.summary == (
        "1 error, 1 warning in 1 file; blocked by: 1 error, SAFETY 0.0% (min 80%), overall 0.0% (min 80%)"
    )


def test_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = Terminal()
    _report.text(
        [Finding("a.py", 1, 2, "TS001", "m", "error"), Finding("a.py", 2, 1, "AS002", "w", "warning")], out
    )
    assert out.getvalue().splitlines() == [
        "a.py:1:2: \033[1;31mTS001\033[0m [error] m",
        "a.py:2:1: \033[1;33mAS002\033[0m [warning] w",
    ]


@pytest.mark.parametrize(
    ("env", "stream"),
    [
        pytest.param({"NO_COLOR": "1", "TERM": "xterm"}, Terminal, id="no-color"),
        pytest.param({"TERM": "dumb"}, Terminal, id="dumb-terminal"),
        pytest.param({"TERM": "xterm"}, io.StringIO, id="not-a-tty"),
    ],
)
def test_no_colour(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], stream: Any) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = stream()
    findings = [Finding("a.py", 1, 2, "TS001", "m", "error")]
    verdict = gate([("error", False)], SCORES, strict=False)
    _report.emit("text", "hook", findings, [], SCORES, out, verdict=verdict, files=3)
    assert out.getvalue().splitlines() == [
        "a.py:1:2: TS001 [error] m",
        "ok   SAFETY  90.0%  (min 80%, 1 violation)",
        "FAIL DEBUG   50.0%  (min 90%, 2 violations)",
        "overall 70.0% (min 80%)",
        "1 error, 0 warnings in 3 files; blocked by: 1 error, DEBUG 50.0% (min 90%), overall 70.0% (min 80%)",
    ]


SCORES = Scores(
    principles=[
        PrincipleScore("SAFETY", 90.0, 80.0, 3.0, 1, 1),
        PrincipleScore("DEBUG", 50.0, 90.0, 1.0, 2, 2),
    ],
    overall=70.0,
    min_score=80.0,
    rule_scores={"TS001": 90.0},
)


def test_score_lines_in_colour() -> None:
    assert _report.score_lines(SCORES, colour=True)[:2] == [
        "\033[32mok  \033[0m SAFETY  90.0%  (min 80%, 1 violation)",
        "\033[1;31mFAIL\033[0m DEBUG   50.0%  (min 90%, 2 violations)",
    ]


def test_score_lines_with_nothing_to_check() -> None:
    assert _report.score_lines(Scores([], None, 80.0, {})) == ["constitutional compliance: nothing to check"]


def test_json_without_scores_and_with_extra_keys() -> None:
    data = _report.as_json("env-vars", [], None, {"exit_code": 0})
    assert data == {
        "tool": "ava-safety",
        "version": __version__,
        "hook": "env-vars",
        "findings": [],
        "exit_code": 0,
    }


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_every_format_writes_to_the_stream(fmt: str) -> None:
    out = io.StringIO()
    _report.emit(fmt, "hook", [Finding("a.py", 1, 1, "XX001", "m")], [], None, out)
    assert "a.py" in out.getvalue()
    assert out.getvalue().endswith("\n")


def test_sarif_for_a_rule_id_it_does_not_know() -> None:
    sarif = _report.sarif("hook", [Finding("a.py", 1, 1, "XX001", "m")], [])
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["name"] == "xx001"


def test_emit_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    _report.emit("text", "hook", [Finding("a.py", 1, 1, "XX001", "m")], [], None)
    assert capsys.readouterr().out == "a.py:1:1: XX001 [error] m\n"


@pytest.mark.parametrize(
    ("verdict", "files", "skipped", "line"),
    [
        pytest.param(Verdict(0, 0), 7, 0, "0 errors, 0 warnings in 7 files; passed", id="clean"),
        pytest.param(
            Verdict(2, 5), 7, 0, "2 errors, 5 warnings in 7 files; blocked by: 2 errors", id="errors"
        ),
        pytest.param(
            Verdict(0, 1),
            1,
            0,
            "0 errors, 1 warning in 1 file; passed; warnings do not block (--strict makes them)",
            id="warnings-pass",
        ),
        pytest.param(
            Verdict(0, 2, scored=True),
            2,
            0,
            "0 errors, 2 warnings in 2 files; passed; warnings lower the scores and block only under a "
            "minimum, or with --strict",
            id="warnings-pass-scored",
        ),
        pytest.param(
            Verdict(0, 2, strict=True),
            2,
            0,
            "0 errors, 2 warnings in 2 files; blocked by: 2 warnings (--strict)",
            id="strict",
        ),
        pytest.param(
            Verdict(0, 0),
            40,
            1204,
            "0 errors, 0 warnings in 40 files (1,204 vendored or generated files skipped); passed",
            id="vendored",
        ),
        pytest.param(
            Verdict(0, 0),
            0,
            1,
            "no files to check (1 vendored or generated file skipped); passed",
            id="only-vendored",
        ),
    ],
)
def test_summary_line(verdict: Verdict, files: int, skipped: int, line: str) -> None:
    assert _report.summary_line(verdict, files, skipped=skipped) == line


def test_summary_line_of_a_run_that_crashed() -> None:
    assert _report.summary_line(Verdict(1, 0), 3, crashed=1) == (
        "1 error, 0 warnings in 3 files; blocked by: 1 error; 1 check crashed, so the results are "
        "incomplete (exit 2)"
    )


def test_a_failing_principle_names_at_most_five_findings() -> None:
    scores = Scores([PrincipleScore("TESTS", 12.5, 80.0, 1.0, 1, 7)], 12.5, 80.0, {"TS001": 12.5})
    findings = [Finding(f"m{i}.py", 1, 1, "TS001", "m", "warning", principle="TESTS") for i in range(7)]
    assert _report.score_lines(scores, findings)[0] == (
        "FAIL TESTS  12.5%  (min 80%; pulled down by TS001 m0.py:1, TS001 m1.py:1, TS001 m2.py:1, "
        "TS001 m3.py:1, TS001 m4.py:1 and 2 more)"
    )


def test_json_says_why_it_blocks(findings_repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    data = json.loads("\n".join(run_hook("--format", "json", "b.py").out))
    assert data["gate"] == {
        "blocked": True,
        "errors": 1,
        "warnings": 1,
        "strict": False,
        "blocked_by": ["1 error", "SAFETY 0.0% (min 80%)", "overall 0.0% (min 80%)"],
    }
