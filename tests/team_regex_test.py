"""A team's own rule regexes cannot hang a commit: refused at load when they backtrack
exponentially (file, line, a suggestion), time-bounded per file when they run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hooks._checks import CheckError, regexes
from hooks._checks.regexes import RegexTimeout, TimedRegex, compile_rule_regex, trusted
from hooks._errors import ConfigErrors
from hooks._rules import load_rules

from ._support import HookRun, Repo

HEADER = """\
pack: own
version: 1
principles:
  SAFETY: {weight: 1}
rules:
"""


def _rule(check: str) -> str:
    return HEADER + textwrap.indent(
        textwrap.dedent(
            """\
            - id: TS001
              name: team-rule
              severity: error
              principle: SAFETY
              message: hit
            """
        )
        + textwrap.indent(textwrap.dedent(check), "  "),
        "  ",
    )


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "own.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("check", "line", "part"),
    [
        ("check: regex\npattern: '(a+)+$'\n", 12, "'(?:a+)+'"),
        ("check: regex\npattern: ok\npattern-not: '^(x{3,}[-_.]?)+$'\n", 13, r"'(?:x{3,}[\-_.]?)+'"),
        ("check: strings\npattern: '(\\w+\\s?)*$'\n", 12, r"'(?:\w+\s?)*'"),
        ("check: python\npattern: f($X)\nmetavariable-regex: {$X: '(.|\\s)*x'}\n", 13, r"'(?:(?:.|\s))*'"),
        (
            "check: plugin\nfunction: env_vars:check_placeholder\n"
            "options:\n  placeholders: {xxx: '^(x+)+$'}\n",
            13,
            "'(?:x+)+'",
        ),
    ],
)
def test_an_exponential_team_regex_is_refused_with_its_line(
    tmp_path: Path, check: str, line: int, part: str
) -> None:
    (problem,) = [p for p in _errors(tmp_path, _rule(check)) if "examples" not in p]
    assert problem.startswith(f"own.yaml:{line}: TS001: "), problem
    assert "catastrophic backtracking" in problem and part in problem
    assert "instead of '(a+)+'" in problem  # the suggestion
    if "plugin" in check:
        assert "options.placeholders.xxx" in problem


def test_the_same_pattern_in_a_bundled_pack_is_compiled_on_re() -> None:
    with trusted():
        assert not isinstance(compile_rule_regex(r"\d+-\d+", "pattern"), TimedRegex)
    assert isinstance(compile_rule_regex(r"\d+-\d+", "pattern"), TimedRegex)


def test_a_bad_regex_is_a_config_error_not_a_crash() -> None:
    for value, words in (("(", "invalid regular expression"), ("", "non-empty"), (3, "non-empty")):
        with pytest.raises(CheckError, match=words):
            compile_rule_regex(value, "pattern")


def test_a_timed_regex_gives_up_within_its_file_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regexes, "FILE_BUDGET_S", 0.3)
    # polynomial, not exponential (the load check passes it): n^5 on a run of letters
    rx = compile_rule_regex(r"\w*\w*\w*\w*\d!", "pattern")
    assert isinstance(rx, TimedRegex)
    source = object()
    rx.begin(source)
    assert rx.search("ab1!") is not None
    start = time.monotonic()
    with pytest.raises(RegexTimeout, match=r"gave up after 0.3 s on this file"):
        for _ in range(100):  # the budget is the file's, not the call's: many lines share it
            rx.search("a" * 300 + "!")
    assert time.monotonic() - start < 3
    rx.begin(object())  # the next file gets its own budget
    assert rx.match("1!") is not None
    assert [m.group(0) for m in rx.finditer("a1! 2!")] == ["a1!", "2!"]


def test_a_hanging_team_regex_ends_the_commit_with_exit_2(
    repo: Repo, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexes, "FILE_BUDGET_S", 0.5)
    repo.use_pack(
        {
            "id": "TS001",
            "check": "regex",
            "pattern": r"\w*\w*\w*\w*\d!",
            "files": ["*.txt"],
            "examples": {"pass": ["a b"], "fail": ["a1!"]},
        }
    )
    repo.write({"a.txt": "a" * 3000 + "!\n"})
    repo.add("a.txt")
    start = time.monotonic()
    result = run_hook("--no-results", "a.txt")
    assert time.monotonic() - start < 20
    assert result.code == 2
    text = "\n".join(result.out + result.err)
    assert "a.txt" in text and "TS001" in text and "gave up after 0.5 s" in text


@pytest.mark.skipif(sys.platform == "win32", reason="the pre-commit run uses a POSIX shell")
def test_the_issue_rule_is_refused_under_pre_commit(repo: Repo, tmp_path: Path) -> None:
    """`(a+)+$` on 40 `a` and `!` ran past a minute: under a real pre-commit it is a config error."""
    repo.use_pack(
        {"id": "TS001", "check": "regex", "pattern": "(a+)+$", "examples": {"pass": ["b"], "fail": ["a"]}}
    )
    hook_repo = Path(__file__).resolve().parent.parent
    repo.write(
        {
            ".pre-commit-config.yaml": (
                "repos:\n- repo: local\n  hooks:\n  - id: cc\n    name: cc\n"
                f"    entry: {hook_repo / '.venv/bin/constitutional-compliance'} --no-results\n"
                "    language: system\n"
            ),
            "a.py": "x = '" + "a" * 40 + "!'\n",
        }
    )
    repo.add(".pre-commit-config.yaml", "a.py")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    start = time.monotonic()
    proc = subprocess.run(
        [str(hook_repo / ".venv/bin/pre-commit"), "run", "--files", "a.py"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert time.monotonic() - start < 60
    assert proc.returncode == 1  # pre-commit's own code for a failed hook
    assert "exit code: 2" in proc.stdout
    assert "safety/pack.yaml:" in proc.stdout and "catastrophic backtracking" in proc.stdout
