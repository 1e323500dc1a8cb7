"""The package's own layers (safety/layers.yaml): its examples hold, and this repository keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks import _engine
from hooks._config import load_config
from hooks._rules import Example, Rule, load_rules

from ._support import HookRun

ROOT = Path(__file__).resolve().parent.parent
OWN = load_rules(
    hook="constitutional-compliance", packs=[], extra_files=sorted((ROOT / "safety").glob("*.yaml"))
)


def _cases() -> list[object]:
    return [
        pytest.param(
            rule, example, id=f"{rule.id}-{'fail' if example.expect_fail else 'pass'}-{example.line}"
        )
        for rule in OWN.rules
        for example in rule.examples
    ]


@pytest.mark.parametrize(("rule", "example"), _cases())
def test_own_rule_example(rule: Rule, example: Example, tmp_path: Path) -> None:
    assert example.path is not None
    target = tmp_path / example.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(example.code, encoding="utf-8")
    result = _engine.run(tmp_path, [example.path], [rule], jobs=1, config=load_config(tmp_path))
    hits = [(f.line, f.col, f.message) for f in result.findings if f.rule == rule.id]
    if not example.expect_fail:
        assert hits == []
        return
    assert len(hits) == 1
    line, col, message = hits[0]
    assert example.at_line in (None, line) and example.at_col in (None, col)
    assert example.message in (None, message)


def test_the_package_keeps_its_layers() -> None:
    paths = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "hooks").rglob("*.py"))
    result = _engine.run(ROOT, paths, OWN.rules, jobs=1, config=load_config(ROOT))
    assert [f"{f.path}:{f.line}: {f.message}" for f in result.findings] == []
    assert result.coverage["ARC001"].checked == len(paths)


@pytest.mark.usefixtures("clean_env")
def test_constitutional_compliance_on_this_repository_passes_with_the_layers(
    run_hook: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result: HookRun = run_hook("--all-files", "--no-results")  # type: ignore[operator]
    assert result.code == 0, result.out
    assert any(line.startswith("ok   ARCHITECTURE") and "100.0%" in line for line in result.out)
