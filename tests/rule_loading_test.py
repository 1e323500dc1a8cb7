"""Rule files: validation with file:line for every problem at once, overrides, disabling, hooks."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from hooks._errors import ConfigErrors
from hooks._rules import RuleSet, bundled_packs, display_path, load_rules, pack_files

from ._support import HookRun, Repo

HEADER = """\
pack: own
version: 1
principles:
  SAFETY: {weight: 2, min_score: 90}
rules:
"""

GOOD_RULE = """\
  - id: TS001
    name: no-eval
    severity: error
    principle: SAFETY
    message: eval of {X}
    check: python
    pattern: eval($X)
    examples:
      pass: ['x = 1']
      fail: ['eval(x)']
"""


def write(root: Path, files: Mapping[str, str]) -> dict[Path, str]:
    shown = {}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        shown[path] = name
    return shown


def load(
    tmp_path: Path, files: Mapping[str, str], *, hook: str | None = None, packs: tuple[str, ...] = ()
) -> RuleSet:
    shown = write(tmp_path / "repo", files)
    return load_rules(hook=hook, packs=packs, extra_files=list(shown), extra_display=shown)


def errors(tmp_path: Path, files: Mapping[str, str], **kwargs: object) -> list[str]:
    with pytest.raises(ConfigErrors) as info:
        load(tmp_path, files, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """Bundled packs of the test's own making, in place of rules/."""
    root = tmp_path / "bundled"
    root.mkdir()
    monkeypatch.setattr("hooks._rules.bundled_root", lambda: root)

    def add(name: str, text: str) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")

    return add


def test_a_good_rule_loads_with_its_fields(tmp_path: Path) -> None:
    ruleset = load(tmp_path, {"safety/a.yaml": HEADER + GOOD_RULE})
    (rule,) = ruleset.rules
    assert (rule.id, rule.name, rule.severity, rule.principle, rule.kind, rule.pack) == (
        "TS001",
        "no-eval",
        "error",
        "SAFETY",
        "python",
        "own",
    )
    assert (rule.source, rule.line, rule.blocking, rule.weight) == ("safety/a.yaml", 6, False, 1.0)
    assert rule.applies_to("pkg/mod.py") and rule.applies_to("stubs/x.pyi") and not rule.applies_to("a.txt")
    assert [(e.code, e.expect_fail, e.line) for e in rule.examples] == [
        ("x = 1", False, 14),
        ("eval(x)", True, 15),
    ]
    principle = ruleset.principles["SAFETY"]
    assert (principle.weight, principle.min_score, principle.pack) == (2.0, 90, "own")


def test_example_mappings_keep_their_expectations(tmp_path: Path) -> None:
    rule = GOOD_RULE.replace(
        "      fail: ['eval(x)']\n",
        "      fail:\n"
        "        - code: 'y = eval(x)'\n"
        "          path: app/m.py\n"
        "          line: 1\n"
        "          col: 5\n"
        "          message: eval of x\n"
        "          files: {app/__init__.py: ''}\n",
    )
    (example,) = [e for e in load(tmp_path, {"a.yaml": HEADER + rule}).rules[0].examples if e.expect_fail]
    assert (example.code, example.path, example.at_line, example.at_col, example.message) == (
        "y = eval(x)",
        "app/m.py",
        1,
        5,
        "eval of x",
    )
    assert example.files == {"app/__init__.py": ""}


def test_principle_given_as_a_bare_weight(tmp_path: Path) -> None:
    text = HEADER.replace("SAFETY: {weight: 2, min_score: 90}", "SAFETY: 3") + GOOD_RULE
    assert load(tmp_path, {"a.yaml": text}).principles["SAFETY"].weight == 3.0


def test_rules_are_sorted_by_id_and_retired_rules_left_out(tmp_path: Path) -> None:
    second = GOOD_RULE.replace("TS001", "TS000").replace("no-eval", "no-exec").replace("eval", "exec")
    retired = (
        "  - {id: TS009, name: old-rule, severity: warning, message: m, check: regex, pattern: x,"
        " retired: true}\n"
    )
    ruleset = load(tmp_path, {"a.yaml": HEADER + GOOD_RULE + second + retired})
    assert [r.id for r in ruleset.rules] == ["TS000", "TS001"]


def test_rule_file_for_another_hook_is_skipped(tmp_path: Path) -> None:
    files = {"a.yaml": HEADER.replace("version: 1\n", "version: 1\nhook: env-vars\n") + GOOD_RULE}
    assert load(tmp_path, files, hook="constitutional-compliance").rules == []
    assert [r.id for r in load(tmp_path, files, hook="env-vars").rules] == ["TS001"]
    assert [r.id for r in load(tmp_path, files, hook=None).rules] == ["TS001"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            GOOD_RULE.replace("    message:", "    mesage:"),
            [
                "a.yaml:6: TS001: 'message' must be a non-empty string",
                "a.yaml:10: TS001: unknown key 'mesage' (did you mean 'message'?)",
            ],
            id="unknown-key-with-suggestion",
        ),
        pytest.param(
            GOOD_RULE.replace("    severity: error", "    severity: fatal"),
            ["a.yaml:8: TS001: 'severity' must be 'error' or 'warning'"],
            id="severity",
        ),
        pytest.param(
            GOOD_RULE.replace("TS001", "T1"),
            ["a.yaml:6: T1: 'id' must be 2-4 capital letters and 3 digits, like CC001"],
            id="id-format",
        ),
        pytest.param(
            GOOD_RULE.replace("no-eval", "No Eval"),
            ["a.yaml:7: TS001: 'name' must be a slug like 'private-key-in-code'"],
            id="name-slug",
        ),
        pytest.param(
            GOOD_RULE + "    blocking: yes please\n    weight: 0\n    retired: 1\n",
            [
                "a.yaml:16: TS001: 'blocking' must be true or false",
                "a.yaml:17: TS001: 'weight' must be a number above 0 and at most 1000",
                "a.yaml:18: TS001: 'retired' must be true or false",
            ],
            id="flag-and-weight-types",
        ),
        pytest.param(
            GOOD_RULE + "    files: 3\n    exclude: ['a[']\n    description: [x]\n",
            [
                "a.yaml:16: TS001: 'files' must be a glob or a list of globs",
                "a.yaml:17: TS001: unclosed '[' in glob 'a['",
                "a.yaml:18: TS001: 'description' must be a string",
            ],
            id="globs-and-description",
        ),
        pytest.param(
            GOOD_RULE.replace("    check: python", "    check: grep"),
            [
                "a.yaml:11: TS001: 'check' must be one of contrast, css, files, html, imports, plugin, "
                "python, regex, strings",
                "a.yaml:12: TS001: unknown key 'pattern' (known keys: blocking, check, description, "
                "disabled, examples, exclude, files, id, message, name, principle, replaced-by, retired, "
                "severity, weight)",
            ],
            id="unknown-check-kind",
        ),
        pytest.param(
            GOOD_RULE.replace("    pattern: eval($X)", "    pattern: eval\n    multiline: true"),
            ["a.yaml:13: TS001: 'multiline' does not belong to check kind 'python'"],
            id="field-of-another-kind",
        ),
        pytest.param(
            GOOD_RULE.replace("    check: python\n    pattern: eval($X)\n", "    check: regex\n"),
            ["a.yaml:6: TS001: check kind 'regex' needs 'pattern'"],
            id="missing-required-field",
        ),
        pytest.param(
            GOOD_RULE.replace("    pattern: eval($X)", "    pattern: eval($X"),
            ["a.yaml:12: TS001: pattern is not valid Python: '(' was never closed in 'eval($X'"],
            id="invalid-pattern-names-its-line",
        ),
        pytest.param(
            GOOD_RULE.replace("SAFETY", "SAFTEY"),
            ["a.yaml:6: TS001: unknown principle 'SAFTEY'"],
            id="unknown-principle",
        ),
        pytest.param(
            GOOD_RULE.replace("    principle: SAFETY", "    principle: [SAFETY]"),
            ["a.yaml:9: TS001: 'principle' must be the name of a principle in the pack header"],
            id="principle-type",
        ),
    ],
)
def test_rule_errors(tmp_path: Path, rule: str, expected: list[str]) -> None:
    assert errors(tmp_path, {"a.yaml": HEADER + rule}) == expected


@pytest.mark.parametrize(
    ("examples", "expected"),
    [
        pytest.param(
            "", ["a.yaml:6: TS001: 'examples' with both 'pass' and 'fail' lists is required"], id="none"
        ),
        pytest.param(
            "    examples:\n      pass: ['x']\n",
            ["a.yaml:13: TS001: examples: a non-empty 'fail' list is required"],
            id="no-fail",
        ),
        pytest.param(
            "    examples:\n      pass: []\n      fail: ['eval(x)']\n",
            ["a.yaml:13: TS001: examples: a non-empty 'pass' list is required"],
            id="empty-pass",
        ),
        pytest.param(
            "    examples:\n      pass: ['x']\n      fail: ['eval(x)']\n      maybe: ['y']\n",
            ["a.yaml:13: TS001: examples: unknown key 'maybe' (known keys: fail, pass)"],
            id="unknown-example-kind",
        ),
        pytest.param(
            "    examples:\n      pass: [{code: 'x', lin: 1}, {line: 1}, 3]\n"
            "      fail: [{code: 'eval(x)', files: [a]}]\n",
            [
                "a.yaml:13: TS001: examples.fail[0]: 'files' must map paths to contents",
                "a.yaml:13: TS001: examples.pass[0]: unknown key 'lin' (did you mean 'line'?)",
                "a.yaml:13: TS001: examples.pass[1] must be a string or a mapping with 'code'",
                "a.yaml:13: TS001: examples.pass[2] must be a string or a mapping with 'code'",
            ],
            id="bad-example-items",
        ),
    ],
)
def test_example_errors(tmp_path: Path, examples: str, expected: list[str]) -> None:
    rule = GOOD_RULE[: GOOD_RULE.index("    examples:")] + examples
    assert errors(tmp_path, {"a.yaml": HEADER + rule}) == expected


def test_retired_rule_needs_no_examples(tmp_path: Path) -> None:
    rule = GOOD_RULE[: GOOD_RULE.index("    examples:")] + "    retired: true\n"
    assert load(tmp_path, {"a.yaml": HEADER + rule}).rules == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "- a\n", ["a.yaml:1: a rule file must be a mapping with 'pack', 'version' and 'rules'"], id="list"
        ),
        pytest.param(
            "", ["a.yaml:1: a rule file must be a mapping with 'pack', 'version' and 'rules'"], id="empty"
        ),
        pytest.param(
            "version: '1'\npackk: x\nrules: {}\n",
            [
                "a.yaml:1: 'version' must be an integer",
                "a.yaml:1: missing 'pack': name the pack this file belongs to",
                "a.yaml:2: unknown key 'packk' (did you mean 'pack'?)",
                "a.yaml:3: 'rules' must be a list of rules",
            ],
            id="header",
        ),
        pytest.param(
            "pack: p\nversion: 1\nprinciples: [A]\nrules: [3]\n",
            ["a.yaml:3: 'principles' must map names to {weight: N}", "a.yaml:4: each rule must be a mapping"],
            id="principles-and-rule-types",
        ),
        pytest.param(
            "pack: p\nversion: 1\nprinciples:\n"
            "  A: {weight: -1, min_score: 200, wieght: 1}\n  B: heavy\nrules: []\n",
            [
                "a.yaml:4: principle 'A': 'min_score' must be between 0 and 100",
                "a.yaml:4: principle 'A': 'weight' must be above 0 and at most 1000",
                "a.yaml:4: principle 'A': unknown key 'wieght' (did you mean 'weight'?)",
                "a.yaml:5: principle 'B' must be a mapping like {weight: 2}",
            ],
            id="principle-entries",
        ),
        pytest.param(
            "pack: p\nversion: 1\nrules: [\n",
            ["a.yaml:4: invalid YAML: while parsing a flow node: ..."],
            id="invalid-yaml",
        ),
        pytest.param(
            "pack: p\nversion: 1\npack: q\nrules: []\n",
            [
                "a.yaml:3: invalid YAML: duplicate key 'pack' (first at line 1); "
                "YAML would silently keep only the last one"
            ],
            id="duplicate-key",
        ),
        pytest.param(
            HEADER
            + GOOD_RULE.replace("    severity: error\n", "    severity: error\n    severity: warning\n"),
            [
                "a.yaml:9: invalid YAML: duplicate key 'severity' (first at line 8); "
                "YAML would silently keep only the last one"
            ],
            id="duplicate-rule-key",
        ),
    ],
)
def test_rule_file_errors(tmp_path: Path, text: str, expected: list[str]) -> None:
    found = errors(tmp_path, {"a.yaml": text})
    if "invalid YAML: while" in expected[0]:  # the wording after the prefix is libyaml's
        assert [line.split(": while")[0] for line in found] == [expected[0].split(": while")[0]]
    else:
        assert found == expected


def test_all_errors_of_all_files_are_reported_at_once(tmp_path: Path) -> None:
    first = HEADER + GOOD_RULE.replace("    severity: error", "    severity: high")
    second = HEADER + GOOD_RULE.replace("    name: no-eval", "    nmae: no-eval").replace("TS001", "TS002")
    third = "pack: x\nversion: 1\nrules:\n  - {id: TS003}\n"
    assert errors(tmp_path, {"safety/a.yaml": first, "safety/b.yaml": second, "safety/c.yaml": third}) == [
        "safety/a.yaml:8: TS001: 'severity' must be 'error' or 'warning'",
        "safety/b.yaml:6: TS002: 'name' must be a slug like 'private-key-in-code'",
        "safety/b.yaml:7: TS002: unknown key 'nmae' (did you mean 'name'?)",
        "safety/c.yaml:4: TS003: 'check' must be one of contrast, css, files, html, imports, plugin, "
        "python, regex, strings",
        "safety/c.yaml:4: TS003: 'examples' with both 'pass' and 'fail' lists is required",
        "safety/c.yaml:4: TS003: 'message' must be a non-empty string",
        "safety/c.yaml:4: TS003: 'name' must be a slug like 'private-key-in-code'",
        "safety/c.yaml:4: TS003: 'severity' must be 'error' or 'warning'",
    ]


def test_duplicate_ids_in_own_files(tmp_path: Path) -> None:
    files = {"safety/a.yaml": HEADER + GOOD_RULE, "safety/b.yaml": HEADER + GOOD_RULE}
    assert errors(tmp_path, files) == ["safety/b.yaml:6: TS001: duplicate rule id (also at safety/a.yaml:6)"]


def test_duplicate_ids_within_bundled_packs(tmp_path: Path, bundled: Callable[[str, str], None]) -> None:
    bundled("base/a.yaml", HEADER + GOOD_RULE)
    bundled("base/b.yaml", HEADER + GOOD_RULE)
    assert errors(tmp_path, {}, packs=("base",)) == [
        "rules/base/b.yaml:6: TS001: duplicate rule id (also at rules/base/a.yaml:6)"
    ]


def test_bundled_packs_are_listed_and_shown_under_rules(
    bundled: Callable[[str, str], None], tmp_path: Path
) -> None:
    bundled("base/a.yaml", HEADER + GOOD_RULE)
    bundled("extra/b.yaml", "pack: extra\nversion: 1\nrules: []\n")
    assert bundled_packs() == ["base", "extra"]
    assert [display_path(p) for p in pack_files("base")] == ["rules/base/a.yaml"]
    assert display_path(tmp_path / "own.yaml") == str(tmp_path / "own.yaml")
    assert [r.source for r in load_rules(hook=None, packs=["base"]).rules] == ["rules/base/a.yaml"]


def test_no_bundled_packs_directory_means_no_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hooks._rules.bundled_root", lambda: tmp_path / "absent")
    assert bundled_packs() == []


def test_repo_rule_overrides_a_bundled_rule_by_id(
    tmp_path: Path, bundled: Callable[[str, str], None]
) -> None:
    bundled("base/a.yaml", HEADER + GOOD_RULE)
    own = HEADER.replace("pack: own", "pack: mine") + GOOD_RULE.replace(
        "severity: error", "severity: warning"
    )
    ruleset = load(tmp_path, {"safety/a.yaml": own}, packs=("base",))
    (rule,) = ruleset.rules
    assert (rule.severity, rule.pack, rule.source) == ("warning", "mine", "safety/a.yaml")


def test_short_form_disables_a_bundled_rule(tmp_path: Path, bundled: Callable[[str, str], None]) -> None:
    second = GOOD_RULE.replace("TS001", "TS002").replace("no-eval", "no-exec")
    bundled("base/a.yaml", HEADER + GOOD_RULE + second)
    own = "pack: mine\nversion: 1\nrules:\n  - {id: TS001, disabled: true}\n"
    assert [r.id for r in load(tmp_path, {"safety/off.yaml": own}, packs=("base",)).rules] == ["TS002"]


def test_full_rule_marked_disabled_does_not_run(tmp_path: Path) -> None:
    second = GOOD_RULE.replace("TS001", "TS002").replace("no-eval", "no-exec")
    text = HEADER + GOOD_RULE + "    disabled: true\n" + second
    assert [r.id for r in load(tmp_path, {"a.yaml": text}).rules] == ["TS002"]


def test_disabled_must_be_a_boolean(tmp_path: Path) -> None:
    text = HEADER + GOOD_RULE + "    disabled: 'yes'\n"
    assert errors(tmp_path, {"a.yaml": text}) == ["a.yaml:16: TS001: 'disabled' must be true or false"]


def test_a_disabled_rule_need_not_have_a_known_principle(
    tmp_path: Path, bundled: Callable[[str, str], None]
) -> None:
    bundled("base/a.yaml", HEADER + GOOD_RULE)
    own = "pack: mine\nversion: 1\nrules:\n  - {id: TS001, disabled: true}\n"
    assert load(tmp_path, {"safety/off.yaml": own}, packs=("base",)).rules == []


def test_principles_may_come_from_another_file(tmp_path: Path, bundled: Callable[[str, str], None]) -> None:
    bundled("base/a.yaml", HEADER + "  []\n")
    own = "pack: mine\nversion: 1\nrules:\n" + GOOD_RULE
    assert [r.id for r in load(tmp_path, {"safety/a.yaml": own}, packs=("base",)).rules] == ["TS001"]


def test_unknown_pack_is_an_error(tmp_path: Path, bundled: Callable[[str, str], None]) -> None:
    bundled("base/a.yaml", HEADER + "  []\n")
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=["base", "nope"], packs_from=(".ava-safety.yaml", 3))
    assert [str(p) for p in info.value.problems] == [
        ".ava-safety.yaml:3: unknown pack 'nope' (bundled packs: base)"
    ]


def test_unreadable_rule_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as info:
        load_rules(hook=None, packs=[], extra_files=[tmp_path / "missing.yaml"], extra_display={})
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'missing.yaml'}:1: cannot read: No such file or directory"
    ]


def test_config_disable_turns_rules_off_in_the_hook(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.use_pack(
        {"id": "TS001", "check": "regex", "pattern": "eval", "message": "eval"},
        {"id": "TS002", "check": "regex", "pattern": "exec", "message": "exec"},
        config="disable: [TS001]\n",
    )
    repo.write({"a.py": "eval(x)\nexec(y)\n"})
    repo.add("a.py")
    result = run_hook()
    assert result.out[0] == "a.py:2:1: TS002 [error] exec"
    assert not any("TS001" in line for line in result.out)


def test_config_disable_of_an_id_no_rule_file_declares_is_an_error(
    repo: Repo, run_hook: Callable[..., HookRun]
) -> None:
    repo.use_pack(
        {"id": "TS001", "check": "regex", "pattern": "eval", "message": "eval"}, config="disable: [TS009]\n"
    )
    result = run_hook("--all-files")
    assert (result.code, result.err) == (
        2,
        [
            ".ava-safety.yaml:4: 'disable': unknown rule id TS009",
            "constitutional-compliance: fix the configuration above (exit 2)",
        ],
    )


def test_a_rule_file_that_cannot_be_read_is_peeked_as_nothing(tmp_path: Path) -> None:
    from hooks._rules import peek

    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "ok.yaml").write_text(
        "pack: p\nhook: env-vars\nrules:\n  - id: EV901\n  - {id: EV902}\n", "utf-8"
    )
    assert peek(tmp_path / "missing.yaml") is None
    assert peek(tmp_path / "dir.yaml") is None
    found = peek(tmp_path / "ok.yaml")
    assert found is not None and (found.hook, found.ids) == ("env-vars", frozenset({"EV901", "EV902"}))


def test_rule_errors_in_the_hook_exit_2(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.write(
        {
            ".ava-safety.yaml": "packs: []\nrules: [safety/*.yaml]\n",
            "safety/a.yaml": HEADER + GOOD_RULE.replace("    message:", "    mesage:"),
            "a.py": "eval(x)\n",
        }
    )
    repo.add()
    result = run_hook()
    assert result.code == 2
    assert result.out == []
    assert result.err == [
        "safety/a.yaml:6: TS001: 'message' must be a non-empty string",
        "safety/a.yaml:10: TS001: unknown key 'mesage' (did you mean 'message'?)",
        "constitutional-compliance: fix the configuration above (exit 2)",
    ]


def test_the_data_directory_is_not_a_pack(bundled: Callable[[str, str], None]) -> None:
    bundled("base/a.yaml", HEADER + GOOD_RULE)
    bundled("data/import-names.yaml", "import_names: {}\n")
    assert bundled_packs() == ["base"]


def test_a_principle_two_packs_declare_differently_is_an_error(tmp_path: Path) -> None:
    one = "pack: one\nversion: 1\nprinciples:\n  SAFETY: {weight: 2}\nrules: []\n"
    two = "pack: two\nversion: 1\nprinciples:\n  SAFETY: {weight: 3}\nrules: []\n"
    assert errors(tmp_path, {"a.yaml": one, "b.yaml": two}) == [
        "b.yaml:4: principle 'SAFETY' is also declared by pack 'one' with weight 2, min_score None; "
        "declare it the same way"
    ]


def test_a_principle_two_packs_declare_alike_is_shared(tmp_path: Path) -> None:
    one = "pack: one\nversion: 1\nprinciples:\n  SAFETY: {weight: 2}\nrules: []\n"
    ruleset = load(tmp_path, {"a.yaml": one, "b.yaml": one.replace("one", "two")})
    assert ruleset.principles["SAFETY"].weight == 2


# --- retired rules ----------------------------------------------------------------------------------

RETIRED = """\
  - id: TS002
    name: no-eval
    retired: true
    replaced-by: TS001
    description: Merged into TS001.
"""


def test_a_retired_rule_needs_only_its_id_and_name(tmp_path: Path) -> None:
    ruleset = load(tmp_path, {"a.yaml": HEADER + GOOD_RULE + RETIRED})
    assert [r.id for r in ruleset.rules] == ["TS001"]
    old = ruleset.retired["TS002"]
    assert (old.name, old.pack, old.replaced_by, old.description, old.source, old.line) == (
        "no-eval", "own", ("TS001",), "Merged into TS001.", "a.yaml", 16
    )  # fmt: skip
    assert ruleset.rules[0].aliases == ("TS002",)


def test_a_split_rule_names_every_rule_that_took_its_place(tmp_path: Path) -> None:
    second = GOOD_RULE.replace("TS001", "TS003").replace("no-eval", "no-exec").replace("eval", "exec")
    split = RETIRED.replace("replaced-by: TS001", "replaced-by: [TS001, TS003]")
    ruleset = load(tmp_path, {"a.yaml": HEADER + GOOD_RULE + second + split})
    assert ruleset.retired["TS002"].replaced_by == ("TS001", "TS003")
    assert [r.aliases for r in ruleset.rules] == [("TS002",), ("TS002",)]


@pytest.mark.parametrize(
    ("stanza", "expected"),
    [
        pytest.param(
            "  - {id: TS002, retired: true}\n",
            ["a.yaml:16: TS002: 'name' must be a slug like 'private-key-in-code'"],
            id="no-name",
        ),
        pytest.param(
            "  - {id: TS002, name: old, retired: true, replaced-by: [ts1]}\n",
            [
                "a.yaml:16: TS002: 'replaced-by' must be the id (or a list of the ids) of the rules that "
                "took its place"
            ],
            id="bad-replacement",
        ),
        pytest.param(
            "  - {id: TS002, name: old, retired: true, replaced-by: TS002}\n",
            ["a.yaml:16: TS002: a rule cannot replace itself"],
            id="itself",
        ),
        pytest.param(
            "  - {id: TS002, name: old, retired: true, replacedby: TS001}\n",
            ["a.yaml:16: TS002: unknown key 'replacedby' (did you mean 'replaced-by'?)"],
            id="unknown-key",
        ),
        pytest.param(
            "  - {id: TS001, name: old, retired: true}\n",
            [
                "a.yaml:6: TS001: the id of a retired rule (old, a.yaml:16); ids are never reused: give this "
                "rule a new id"
            ],
            id="active-and-retired-in-one-pack",
        ),
    ],
)
def test_retired_rule_errors(tmp_path: Path, stanza: str, expected: list[str]) -> None:
    assert errors(tmp_path, {"a.yaml": HEADER + GOOD_RULE + stanza}) == expected


def test_replaced_by_belongs_to_retired_rules(tmp_path: Path) -> None:
    assert errors(tmp_path, {"a.yaml": HEADER + GOOD_RULE + "    replaced-by: TS009\n"}) == [
        "a.yaml:16: TS001: 'replaced-by' belongs to a retired rule (retired: true)"
    ]


def test_a_retired_bundled_id_is_never_reused_by_a_repo_rule(
    tmp_path: Path, bundled: Callable[[str, str], None]
) -> None:
    bundled("base/a.yaml", HEADER + RETIRED.replace("replaced-by: TS001", "replaced-by: TS009"))
    own = "pack: mine\nversion: 1\nrules:\n" + GOOD_RULE.replace("TS001", "TS002")
    assert errors(tmp_path, {"safety/a.yaml": own}, packs=("base",)) == [
        "safety/a.yaml:4: TS002: the id of a retired rule (no-eval, replaced by TS009, rules/base/a.yaml:6); "
        "ids are never reused: give this rule a new id"
    ]


def test_a_retired_rule_of_a_pack_not_loaded_reserves_nothing(tmp_path: Path) -> None:
    own = "pack: mine\nversion: 1\nprinciples: {SAFETY: 1}\nrules:\n" + GOOD_RULE.replace("TS001", "TS002")
    assert [r.id for r in load(tmp_path, {"safety/a.yaml": own}).rules] == ["TS002"]


def test_a_suppression_naming_the_retired_id_silences_the_rule_that_replaced_it(
    scan: Callable[..., list[str]],
) -> None:
    new = {"id": "TS001", "check": "python", "pattern": "eval($X)", "message": "eval", "name": "no-eval"}
    old = {"id": "TS002", "name": "no-eval", "retired": True, "replaced-by": "TS001"}
    code = (
        "eval(a)  # ava-safety: ignore[TS002] written before the merge\n"
        "eval(b)  # ava-safety: ignore[TS001]\n"
        "eval(c)\n"
        "x = 1  # ava-safety: ignore[TS002] unused, but the id is retired: not reported\n"
    )
    assert scan({"a.py": code}, new, old) == ["a.py:3:1: TS001 eval"]


def test_a_retired_id_twice_is_a_duplicate(tmp_path: Path) -> None:
    assert errors(tmp_path, {"a.yaml": HEADER + GOOD_RULE + RETIRED, "b.yaml": HEADER + RETIRED}) == [
        "b.yaml:6: TS002: duplicate rule id (also at a.yaml:16)"
    ]


def test_a_retired_rule_with_a_bad_id(tmp_path: Path) -> None:
    assert errors(tmp_path, {"a.yaml": HEADER + "  - {id: T2, name: old, retired: true}\n"}) == [
        "a.yaml:6: T2: 'id' must be 2-4 capital letters and 3 digits, like CC001"
    ]


def test_ava_safety_rules_lists_retired_ids_last(
    bundled: Callable[[str, str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks import _cli

    bundled("base/a.yaml", HEADER + GOOD_RULE + RETIRED + "  - {id: TS003, name: gone, retired: true}\n")
    assert _cli.main(["rules"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "TS001  error    own       no-eval",
        "TS002  retired  own       no-eval (replaced by TS001)",
        "TS003  retired  own       gone",
    ]
    assert _cli.main(["rules", "--markdown"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "| TS002 | own | no-eval | retired |  | replaced by TS001 |",
        "| TS003 | own | gone | retired |  | no longer checked |",
    ]


# --- packs that extend packs ------------------------------------------------------------------------


@pytest.mark.parametrize("hook", ["constitutional-compliance", "design-rules"])
def test_the_ava_olo_packs_extend_the_generic_ones(hook: str) -> None:
    alone = load_rules(hook=hook, packs=["ava-olo"])
    generic = {r.id for r in load_rules(hook=hook, packs=["generic"]).rules}
    assert generic and generic <= {r.id for r in alone.rules}
    for packs in (["generic", "ava-olo"], ["ava-olo", "generic"]):
        both = load_rules(hook=hook, packs=packs)
        assert [r.id for r in both.rules] == [r.id for r in alone.rules]


def test_a_pack_extends_another_for_its_own_hook_only() -> None:
    rules = load_rules(hook="design-rules", packs=["ava-olo"]).rules
    assert {r.pack for r in rules} == {"ava-olo", "generic"}
    assert all(r.id.startswith("DR") for r in rules)  # not the generic constitution or deploy rules


def test_an_own_rule_file_may_extend_a_bundled_pack(tmp_path: Path) -> None:
    ruleset = load(tmp_path, {"own.yaml": "extends: generic\n" + HEADER + GOOD_RULE}, hook=DEFAULT)
    ids = {r.id for r in ruleset.rules}
    assert {"TS001", "CC001", "CC014"} <= ids


DEFAULT = "constitutional-compliance"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        pytest.param(
            "extends: nosuch\n",
            "own.yaml:1: 'extends': unknown pack 'nosuch' (bundled packs: ava-olo, generic)",
            id="unknown",
        ),
        pytest.param(
            "extends: {pack: generic}\n",
            "own.yaml:1: 'extends' must name a bundled pack, or list several: extends: generic",
            id="mapping",
        ),
        pytest.param(
            "extends:\n  - generic\n",
            "own.yaml:1: write 'extends' on one line: extends: generic, or extends: [a, b]",
            id="block-list",
        ),
    ],
)
def test_a_bad_extends_is_reported_at_its_line(tmp_path: Path, line: str, problem: str) -> None:
    assert errors(tmp_path, {"own.yaml": line + HEADER + GOOD_RULE}, hook=DEFAULT) == [problem]
