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
        if m and "main_for(" in text:
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
