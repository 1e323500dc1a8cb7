"""The manifest, the console scripts, the CLI and the README agree; the wheel carries the rules."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib
import yaml

from hooks._cli import HOOKS, rule_table
from hooks._manifest import HOOK_FILES, TYPE_EXTENSIONS, TYPE_NAMES, FileFilter
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


def test_the_file_filter_table_is_the_manifest() -> None:
    # run directly, a hook considers the files its manifest entry gives it: one table, the same text
    # (an always_run hook decides its change itself: working-systems takes a file name only to get
    # the commit message at the commit-msg stage)
    given = {h["id"]: h for h in MANIFEST if h.get("pass_filenames", True) and not h.get("always_run")}
    assert set(given) == set(HOOK_FILES)
    for hook, entry in given.items():
        expected = FileFilter(
            entry.get("files", ""), entry.get("exclude", "^$"), tuple(entry.get("types_or", ()))
        )
        assert "types" not in entry, f"{hook}: the table knows types_or, not types"
        assert HOOK_FILES[hook] == expected, hook


def test_the_type_tags_are_identifys() -> None:
    from identify import extensions

    for tag, exts in TYPE_EXTENSIONS.items():
        assert exts == {e for e, tags in extensions.EXTENSIONS.items() if tag in tags}, tag
        assert TYPE_NAMES[tag] == {n for n, tags in extensions.NAMES.items() if tag in tags}, tag


@pytest.mark.parametrize(
    ("hook", "path", "given"),
    [
        pytest.param("deploy-config", "aws/dist/botocore/data/ecs/service-2.json", False, id="vendored-json"),
        pytest.param("deploy-config", "infra/task-definition.json", True, id="taskdef"),
        pytest.param("deploy-config", "Dockerfile.prod", True, id="dockerfile"),
        pytest.param("syntax-imports", "app/main.py", True, id="py"),
        pytest.param("syntax-imports", "stubs/app.pyi", True, id="pyi"),
        pytest.param("syntax-imports", "README.md", False, id="md"),
        pytest.param("design-rules", "templates/base.html", True, id="html"),
    ],
)
def test_a_filter_admits_what_pre_commit_would_pass(hook: str, path: str, given: bool) -> None:
    from identify.identify import tags_from_filename

    entry = next(h for h in MANIFEST if h["id"] == hook)
    wanted = re.search(entry.get("files", ""), path) is not None
    if "types_or" in entry:
        wanted = wanted and bool(set(entry["types_or"]) & tags_from_filename(path))
    assert HOOK_FILES[hook].admits(path) is given is wanted
