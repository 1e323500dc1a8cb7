"""Input that used to crash or pass silently (issue 8): each is a configuration or usage error with
its file and line, exit 2, and no traceback."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from hooks._config import load_config
from hooks._errors import ConfigErrors
from hooks._rules import RULE_HOOKS, load_rules

from ._support import HookRun, Repo

ROOT = Path(__file__).resolve().parent.parent

OWN_RULE = """\
pack: own
version: 1
hook: {hook}
principles:
  SAFETY: {{weight: 1}}
rules:
  - id: TS001
    name: no-eval
    severity: error
    principle: SAFETY
    blocking: true
    message: eval of {{X}}
    check: python
    pattern: eval($X)
    examples:
      pass: ['x = 1']
      fail: ['eval(x)']
"""


def config_problems(root: Path, text: str) -> list[str]:
    (root / ".ava-safety.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config(root).rule_files()
    return [str(p) for p in info.value.problems]


# --- `rules:` globs that pathlib refuses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "message"),
    [
        pytest.param("/etc/*.yaml", "is absolute; write it relative to the repository root", id="absolute"),
        pytest.param("**x", "'**' must be a whole path component", id="double-star-in-a-name"),
        pytest.param("safety/**.yaml", "'**' must be a whole path component", id="double-star-suffix"),
        pytest.param(".", "has an empty or '.' path component", id="dot"),
        pytest.param("./", "names directories, not rule files", id="dot-slash"),
        pytest.param("safety//a.yaml", "has an empty or '.' path component", id="empty-component"),
        pytest.param("safety/", "names directories, not rule files", id="directory"),
        pytest.param("**", "names directories, not rule files", id="double-star"),
        pytest.param("..", "names directories, not rule files", id="parent"),
    ],
)
def test_a_rules_glob_pathlib_refuses_is_a_config_error(tmp_path: Path, glob: str, message: str) -> None:
    (problem,) = config_problems(tmp_path, f"packs: []\nrules: ['{glob}']\n")
    assert problem.startswith(".ava-safety.yaml:2: 'rules': ") and message in problem


def test_a_rules_glob_error_exits_2_with_the_line(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.write({".ava-safety.yaml": "packs: []\nrules: ['**x']\n", "a.py": "x = 1\n"})
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[0] == (
        ".ava-safety.yaml:2: 'rules': '**x': '**' must be a whole path component, as in 'safety/**/*.yaml'"
    )
    assert not any("Traceback" in line or "internal error" in line for line in result.err)


def test_good_rules_globs_still_load(tmp_path: Path) -> None:
    (tmp_path / "safety" / "sub").mkdir(parents=True)
    for name in ("safety/a.yaml", "safety/sub/b.yaml"):
        (tmp_path / name).write_text(OWN_RULE.format(hook="constitutional-compliance"), encoding="utf-8")
    (tmp_path / ".ava-safety.yaml").write_text("rules: ['safety/**/*.yaml', 'safety/a.yaml']\n")
    found = load_config(tmp_path).rule_files()
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["safety/a.yaml", "safety/sub/b.yaml"]


# --- a misspelt `hook:` in a rule file ------------------------------------------------------------------


def test_a_misspelt_hook_id_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(OWN_RULE.format(hook="constitutional-complaince"), encoding="utf-8")
    for hook in (None, "constitutional-compliance", "env-vars"):  # whichever hook loads it
        with pytest.raises(ConfigErrors) as info:
            load_rules(hook=hook, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
        assert [str(p) for p in info.value.problems] == [
            "own.yaml:3: 'hook': unknown hook id 'constitutional-complaince' "
            "(did you mean 'constitutional-compliance'?)"
        ]


def test_a_misspelt_hook_blocks_the_commit_instead_of_disabling_the_file(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    repo.write(
        {
            "safety/own.yaml": OWN_RULE.format(hook="constitutional_compliance"),
            ".ava-safety.yaml": "packs: []\nrules: [safety/*.yaml]\nexclude: [safety/**]\n",
            "app.py": "eval(data)\n",
        }
    )
    repo.add()
    result = run_hook("--no-results")
    assert result.code == 2
    assert result.err[0].startswith("safety/own.yaml:3: 'hook': unknown hook id 'constitutional_compliance'")


def test_a_hook_id_that_is_not_a_string_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(OWN_RULE.format(hook="[env-vars]"), encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook="env-vars", packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    assert [str(p) for p in info.value.problems] == [
        "own.yaml:3: 'hook' must be the id of the hook that runs this file, such as 'env-vars'"
    ]


def test_every_hook_that_runs_rules_is_a_known_hook_id() -> None:
    """A new hook that runs rule files must be added to RULE_HOOKS, or its files would be refused."""
    ids = set()
    for path in (ROOT / "hooks").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^HOOK = ['\"]([a-z-]+)['\"]", text, re.M)
        if m and ("main_for(" in text or "main_for_guard(" in text):
            ids.add(m.group(1))
    assert ids and ids == set(RULE_HOOKS)


# --- misspelt principle names in the config ---------------------------------------------------------------


def test_a_misspelt_principle_in_the_config_is_an_error(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.write(
        {
            ".ava-safety.yaml": (
                "principles:\n  SECRET: {min_score: 100}\n  secrets: {min_score: 99}\n"
                "  DEBUG LEFTOVERS: {min_score: 90}\n"
            ),
            "a.py": "x = 1\n",
        }
    )
    repo.add()
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err == [
        ".ava-safety.yaml:2: 'principles': unknown principle 'SECRET' (did you mean 'SECRETS'?)",
        ".ava-safety.yaml:3: 'principles': unknown principle 'secrets' (did you mean 'SECRETS'?)",
        "constitutional-compliance: fix the configuration above (exit 2)",
    ]


def test_a_principle_of_another_hooks_pack_or_an_own_rule_file_is_known(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    repo.write(
        {
            "safety/own.yaml": OWN_RULE.format(hook="env-vars"),
            ".ava-safety.yaml": (
                "rules: [safety/*.yaml]\nexclude: [safety/**]\n"
                "principles:\n  SAFETY: {min_score: 90}\n  WILL IT START: {min_score: 90}\n"
            ),
            "a.py": "x = 1\n",
        }
    )
    repo.add()
    assert run_hook("--all-files", "--no-results").code == 0


# --- plugin options, checked at load ---------------------------------------------------------------------

PLUGIN_RULE = """\
pack: own
version: 1
principles:
  SAFETY: {weight: 1}
rules:
  - id: TS002
    name: literal-chain
    severity: warning
    principle: SAFETY
    message: chain
    check: plugin
    function: ava_olo:check_literal_if_chain
    options:
      subject_pattern: 'crop'
      min_branches: %s
    examples:
      pass: ['x = 1']
      fail: ["if crop == 'a':\\n    pass\\nelif crop == 'b':\\n    pass\\n"]
"""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("many", "options.min_branches must be a whole number, 0 or more (not 'many')", id="str"),
        pytest.param("2.5", "options.min_branches must be a whole number, 0 or more (not 2.5)", id="float"),
        pytest.param("true", "options.min_branches must be a whole number, 0 or more (not True)", id="bool"),
        pytest.param("[2]", "options.min_branches must be a whole number, 0 or more (not [2])", id="list"),
    ],
)
def test_a_plugin_option_of_the_wrong_type_is_an_error_at_its_line(
    tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(PLUGIN_RULE % value, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    assert [str(p) for p in info.value.problems] == [f"own.yaml:15: TS002: {message}"]


def test_a_plugin_option_regex_is_compiled_at_load(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text((PLUGIN_RULE % "2").replace("'crop'", "'(crop'"), encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith("own.yaml:14: TS002: options.subject_pattern: invalid regular expression")


def test_a_well_typed_plugin_option_loads(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(PLUGIN_RULE % "2", encoding="utf-8")
    (rule,) = load_rules(hook=None, packs=[], extra_files=[path]).rules
    assert rule.checker.options == {"subject_pattern": "crop", "min_branches": 2}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param("{tools: [curl], images: [{match: alpine, has: wget}]}",
                     "options.images[0].has must be a list of strings", id="nested-field-type"),
        pytest.param("{images: [{match: alpine, hass: [wget]}]}",
                     "options.images[0]: unknown key 'hass' (known: match, has)", id="nested-field-name"),
        pytest.param("{placeholders: {x: '('}}", "options.placeholders.x: invalid regular expression",
                     id="regex-in-a-mapping"),
        pytest.param("{kind: untraked}", "options.kind must be one of 'untracked', 'missing'", id="literal"),
        pytest.param("{min_share: .nan}", "options.min_share must be a number (not nan)", id="nan"),
        pytest.param("{tables: x}", "unknown option 'tables' (did you mean 'table'?)", id="misspelt"),
        pytest.param("{anything: 1}", "takes no options", id="function-without-options"),
    ],
)  # fmt: skip
def test_plugin_options_are_checked_deeply(tmp_path: Path, options: str, message: str) -> None:
    function = {
        "options.images": "deploy_config:check_healthcheck_tool",
        "options.placeholders": "env_vars:check_placeholder",
        "options.kind": "syntax_imports:check_imports",
        "options.min_share": "ava_olo:check_literal_dict_keys",
        "unknown option": "deploy_config:check_apprunner_runtime",
        "takes no": "deploy_config:check_crlf",
    }
    name = next(f for key, f in function.items() if message.startswith(key) or key in message)
    path = tmp_path / "own.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            pack: own
            version: 1
            principles: {{SAFETY: {{weight: 1}}}}
            rules:
              - id: TS003
                name: a-plugin
                severity: warning
                principle: SAFETY
                message: m
                check: plugin
                function: {name}
                options: {options}
                examples: {{pass: ['x = 1'], fail: ['x = 2']}}
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith("own.yaml:12: TS003: ") and message in problem


@pytest.mark.parametrize(
    ("function", "message"),
    [
        pytest.param("env_var:check_placeholder", "no plugin module 'env_var' (did you mean 'env_vars'?)",
                     id="misspelt-module"),
        pytest.param("constitution:check_conflict_marker",
                     "plugin module 'constitution' has no function 'check_conflict_marker' "
                     "(did you mean 'check_conflict_markers'?)", id="misspelt-function"),
        pytest.param("nope:f", "no plugin module 'nope' (there are: ava_olo, constitution, ", id="listed"),
    ],
)  # fmt: skip
def test_an_unknown_plugin_function_is_an_error_with_a_suggestion(
    tmp_path: Path, function: str, message: str
) -> None:
    path = tmp_path / "own.yaml"
    path.write_text((PLUGIN_RULE % "2").replace("ava_olo:check_literal_if_chain", function), encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith(f"own.yaml:12: TS002: {message}")


@pytest.mark.parametrize("name", ['"SAFE\\e[32mTY"', '"A\\nok  FORGED 100.0%"', "''", "'" + "X" * 81 + "'"])
def test_a_principle_name_that_would_forge_a_score_line_is_an_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / "own.yaml"
    text = OWN_RULE.format(hook="constitutional-compliance")
    path.write_text(text.replace("  SAFETY: {weight: 1}", f"  {name}: {{weight: 1}}"), encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    problems = [str(p) for p in info.value.problems]
    assert problems[0].startswith("own.yaml:5: principle ") and "printable text of 1-80" in problems[0]
    assert "\x1b" not in problems[0] and "\n" not in problems[0]


@pytest.mark.parametrize("pattern", ["'#'", "'# eval($X)'", '"# a\\n\\n# b\\n"'])
def test_a_python_pattern_with_no_code_is_an_error_at_its_line(tmp_path: Path, pattern: str) -> None:
    """Found by the adversarial suite: a comment-only pattern was an IndexError at load."""
    path = tmp_path / "own.yaml"
    text = OWN_RULE.format(hook="constitutional-compliance")
    path.write_text(text.replace("    pattern: eval($X)", f"    pattern: {pattern}"), encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith("own.yaml:14: TS001: pattern ") and problem.endswith("has no code to match")


# --- the command line: init, rules, --jobs, history --------------------------------------------------


def test_init_refuses_a_missing_directory_or_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks import _cli

    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    for target, what in ((tmp_path / "nope", "does not exist"), (tmp_path / "a.py", "is not a directory")):
        assert _cli.main(["init", "--dir", str(target)]) == 2
        assert capsys.readouterr().err.splitlines()[-1] == f"ava-safety init: error: --dir {target} {what}"


def test_init_refuses_to_write_through_a_dangling_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks import _cli

    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / ".ava-safety.yaml").symlink_to(outside / "planted.yaml")
    assert _cli.main(["init", "--dir", str(repo)]) == 2
    assert capsys.readouterr().err == (
        f"ava-safety init: {repo / '.ava-safety.yaml'} is a symbolic link (to {outside / 'planted.yaml'}); "
        "not writing through it (remove it first)\n"
    )
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in repo.iterdir()) == [".ava-safety.yaml"]  # nothing else written


def test_init_leaves_nothing_behind_when_the_second_file_cannot_be_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process creates .pre-commit-config.yaml between the check and the write: the link
    refuses to replace it, and the first file is taken back."""
    import os

    from hooks import _cli

    real_link = os.link

    def racing_link(src: str, dst: Path) -> None:
        if Path(dst).name == ".pre-commit-config.yaml":
            Path(dst).write_text("theirs\n", encoding="utf-8")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    assert _cli.main(["init", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"ava-safety init: cannot write {tmp_path / '.pre-commit-config.yaml'}: File exists"
    )
    assert err.rstrip().endswith("nothing was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pre-commit-config.yaml"]
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "theirs\n"


def test_rules_with_an_unknown_pack_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from hooks import _cli

    assert _cli.main(["rules", "--pack", "nope"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "ava-safety rules: error: unknown pack 'nope' (bundled packs: ava-olo, generic)"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("100000000", "100000000 is not a number of processes from 1 to 256", id="huge"),
        pytest.param("0", "0 is not a number of processes from 1 to 256", id="zero"),
        pytest.param("-2", "-2 is not a number of processes from 1 to 256", id="negative"),
        pytest.param("two", "'two' is not a whole number", id="word"),
    ],
)
def test_jobs_out_of_range_is_a_usage_error(
    repo: Repo, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    from hooks import syntax_imports

    with pytest.raises(SystemExit) as info:
        syntax_imports.main(["--all-files", "--no-results", f"--jobs={value}"])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"syntax-imports: error: argument --jobs: {message}"


def test_jobs_out_of_range_through_the_library_is_a_usage_error(repo: Repo) -> None:
    from hooks._hook import AllFiles, HookRequest, UsageError, execute

    with pytest.raises(UsageError, match="jobs must be a number of processes from 1 to 256, not 0"):
        execute(HookRequest("syntax-imports", scope=AllFiles(), jobs=0, results=False))


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["history", "--limit", "-1"], id="history-negative-limit"),
        pytest.param(["history", "--limit", "100000000000000000000"], id="history-huge-limit"),
        pytest.param(["history", "--before", "100000000000000000000"], id="history-huge-before"),
        pytest.param(["serve", "--probe-interval", "nan"], id="serve-nan-interval"),
        pytest.param(["serve", "--probe-interval", "inf"], id="serve-infinite-interval"),
    ],
)
def test_numbers_out_of_range_are_usage_errors(repo: Repo, argv: list[str]) -> None:
    from hooks import _cli

    assert _cli.main(argv) == 2


# --- NaN and Infinity in JSON deployment files -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param('{"cpu": NaN}', "1:9: invalid JSON: NaN is not a JSON number", id="nan"),
        pytest.param(
            '{"a": "NaN",\n "b": [1, -Infinity]}',
            "2:11: invalid JSON: -Infinity is not a JSON number",
            id="negative-infinity-after-a-string-NaN",
        ),  # fmt: skip
        pytest.param('{"a": Infinity}', "1:7: invalid JSON: Infinity is not a JSON number", id="infinity"),
        pytest.param("[1,\n 1e999]", "2:2: invalid JSON: 1e999 is too large for a number", id="overflow"),
    ],
)
def test_json_numbers_the_platforms_refuse_are_parse_errors(text: str, error: str) -> None:
    from hooks._deployment.files import DeployFileError, load_json

    with pytest.raises(DeployFileError) as info:
        load_json(text)
    assert str(info.value) == error


def test_json_strings_that_spell_nan_are_fine() -> None:
    from hooks._deployment.files import load_json

    assert load_json('{"a": "NaN", "b": "-Infinity", "c": 1.5}') == {
        "a": "NaN",
        "b": "-Infinity",
        "c": 1.5,
    }


def test_a_task_definition_with_nan_is_blocked(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from hooks import deploy_config

    repo.write(
        {
            "task-definition.json": (
                '{\n  "family": "web",\n  "cpu": NaN,\n'
                '  "containerDefinitions": [{"name": "web", "image": "nginx:1.25"}]\n}\n'
            )
        }
    )
    repo.add()
    assert deploy_config.main(["task-definition.json", "--no-results"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "task-definition.json:3:10: DC001 [error] task definition "
        "does not parse strictly: NaN is not a JSON number",
        "1 error, 0 warnings in 1 file; blocked by: 1 error",
    ]


@pytest.mark.parametrize("weight", [".nan", ".inf", "-.inf", "1.0e308"])
def test_a_weight_that_is_not_a_finite_number_is_an_error_at_its_line(tmp_path: Path, weight: str) -> None:
    path = tmp_path / "own.yaml"
    text = OWN_RULE.format(hook="constitutional-compliance")
    for edited, problem in (
        (
            text.replace("{weight: 1}", f"{{weight: {weight}}}"),
            "5: principle 'SAFETY': 'weight' must be above 0",
        ),
        (
            text.replace("    blocking: true\n", f"    blocking: true\n    weight: {weight}\n"),
            "12: TS001: 'weight'",
        ),
    ):
        path.write_text(edited, encoding="utf-8")
        with pytest.raises(ConfigErrors) as info:
            load_rules(hook=None, packs=[], extra_files=[path], extra_display={path: "own.yaml"})
        (shown,) = [str(p) for p in info.value.problems]
        assert shown.startswith(f"own.yaml:{problem}") and shown.endswith("and at most 1000")


def test_json_output_never_holds_nan_or_infinity(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """Scores are weighted means: with the weights bounded, a report is JSON any parser reads."""
    import json

    from hooks import constitutional_compliance

    repo.write(
        {
            "safety/own.yaml": OWN_RULE.format(hook="constitutional-compliance").replace(
                "{weight: 1}", "{weight: 1000}"
            ),
            ".ava-safety.yaml": "packs: [generic]\nrules: [safety/*.yaml]\nexclude: [safety/**]\n",
            "app.py": "eval(data)\nx = 1\n",
        }
    )
    repo.add()
    assert constitutional_compliance.main(["--all-files", "--format", "json", "--no-results"]) == 1
    out = capsys.readouterr().out

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the JSON output")

    report = json.loads(out, parse_constant=refuse)
    assert report["score"]["principles"]


def test_a_nan_that_got_through_is_refused_rather_than_printed() -> None:
    """The last guard: a JSON report with NaN is an internal error (exit 2), never output."""
    import io

    from hooks._report import emit
    from hooks._score import Scores

    out = io.StringIO()
    with pytest.raises(ValueError, match="not JSON compliant"):
        emit("json", "constitutional-compliance", [], [], Scores([], float("nan"), 80.0, {}), out)
    assert "NaN" not in out.getvalue()


# --- .py files CPython refuses to decode ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            b"name = 'caf\xe9'\n",
            "app.py:1:12: SI018 [error] not UTF-8 and no coding "
            "declaration: Python refuses to import this file; "
            "save it as UTF-8 (or declare its real encoding)",
            id="latin-1-bytes-without-a-declaration",
        ),
        pytest.param(
            b"# -*- coding: klingon -*-\nx = 1\n",
            "app.py:1:15: SI018 [error] unknown encoding 'klingon' "
            "declared: Python refuses to import this file; "
            "save it as UTF-8 (or declare its real encoding)",
            id="unknown-declared-encoding",
        ),
        pytest.param(
            b"# coding: utf-8\nx = '\xff'\n",
            "app.py:2:6: SI018 [error] not utf-8 as declared: Python refuses to import this file; "
            "save it as UTF-8 (or declare its real encoding)",
            id="declared-utf-8-but-not",
        ),
    ],
)
def test_syntax_imports_blocks_a_file_python_cannot_decode(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: bytes, expected: str
) -> None:
    from hooks import syntax_imports

    with pytest.raises(SyntaxError):  # the ground truth: CPython refuses it
        compile(raw, "app.py", "exec")
    repo.write({"app.py": raw})
    repo.add()
    assert syntax_imports.main(["app.py", "--no-results"]) == 1
    assert expected in capsys.readouterr().out.splitlines()


def test_a_declared_encoding_that_decodes_the_file_passes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks import syntax_imports

    raw = b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"
    compile(raw, "app.py", "exec")
    repo.write({"app.py": raw})
    repo.add()
    assert syntax_imports.main(["app.py", "--no-results"]) == 0, capsys.readouterr().out


# --- conflict markers -------------------------------------------------------------------------------------


def test_conflict_markers_block_constitutional_compliance(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    repo.write(
        {
            "app.py": "x = 1\n<<<<<<< HEAD\ny = 2\n=======\ny = 3\n>>>>>>> feature\n",
            "docs/index.rst": "Title\n=======\n",
        }
    )
    repo.add()
    result = run_hook("--no-results")
    assert result.code == 1
    assert (
        "app.py:2:1: CC020 [error] merge conflict markers left in "
        "the file; resolve the conflict before committing" in (result.out)
    )
    assert not any(line.startswith("docs/index.rst") for line in result.out)
