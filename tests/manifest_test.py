"""The manifest, the console scripts, the CLI and the README agree; the wheel carries the rules."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import tomllib
import yaml

from hooks._cli import HOOKS, rule_table
from hooks._rules import bundled_packs, load_rules

from .conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_hook_has_a_console_script_named_as_its_id() -> None:
    scripts = PYPROJECT["project"]["scripts"]
    for hook in MANIFEST:
        assert hook["entry"] == hook["id"]
        module = scripts[hook["id"]].split(":")[0]
        assert module == "hooks." + hook["id"].replace("-", "_")
        assert HOOKS[hook["id"]] == module


def test_readme_lists_every_hook() -> None:
    for hook in MANIFEST:
        assert f"`{hook['id']}`" in README, hook["id"]


def test_readme_rule_table_is_current() -> None:
    ruleset = load_rules(hook=None, packs=bundled_packs())
    table = rule_table(ruleset.rules, ruleset.retired.values())
    match = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", README, re.S)
    assert match, "README.md needs <!-- rules:start --> ... <!-- rules:end -->"
    assert match.group(1) == table, "regenerate with: ava-safety rules --markdown"


def test_built_wheel_contains_the_rule_packs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = tmp_path.glob("ava_safety-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for pack in bundled_packs():
        for rule_file in (ROOT / "rules" / pack).glob("*.yaml"):
            assert f"hooks/rules/{pack}/{rule_file.name}" in names
    assert "hooks/constitutional_compliance.py" in names
    assets = {f"hooks/_dashboard/assets/page.{ext}" for ext in ("html", "css", "js")}
    assert assets | {"hooks/health.py"} <= names  # the dashboard's page and the health helper ship
