"""Every example of every bundled rule, run through the production engine (hooks._examples, the
same harness as `ava-safety rules --test` and the loader's check of a repo's own rule files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks._examples import run_example
from hooks._rules import Example, Rule, bundled_packs, load_rules

ALL = load_rules(hook=None, packs=bundled_packs())


def _cases() -> list[object]:
    cases = []
    for rule in ALL.rules:
        for example in rule.examples:
            kind = "fail" if example.expect_fail else "pass"
            cases.append(pytest.param(rule, example, id=f"{rule.pack}-{rule.id}-{kind}-line{example.line}"))
    return cases


@pytest.mark.parametrize(("rule", "example"), _cases())
def test_rule_example(rule: Rule, example: Example, tmp_path: Path) -> None:
    failure = run_example(rule, example, tmp_path)
    assert failure is None, f"{failure}\n{example.code}"


def test_every_rule_has_both_kinds_of_example() -> None:
    for rule in ALL.rules:
        kinds = {e.expect_fail for e in rule.examples}
        assert kinds == {True, False}, rule.id


def test_rule_ids_are_unique_across_packs_retired_ones_included() -> None:
    ids = [r.id for r in ALL.rules] + list(ALL.retired)
    assert len(ids) == len(set(ids))


def test_a_retired_rule_names_a_rule_that_took_its_place() -> None:
    active = {r.id: r for r in ALL.rules}
    assert ALL.retired, "the bundled packs retire rules; the loader must return them"
    for old in ALL.retired.values():
        assert old.replaced_by, f"{old.id}: say which rule took its place"
        for new in old.replaced_by:
            assert new in active, f"{old.id}: replaced-by {new} is no bundled rule"
            assert old.id in active[new].aliases
        assert active[old.replaced_by[0]].name == old.name, f"{old.id} is merged into a rule of its name"


def test_no_two_active_rules_share_a_name() -> None:
    # two packs' rules of one name were one defect reported twice; a duplicate is retired instead
    names = [r.name for r in ALL.rules]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
