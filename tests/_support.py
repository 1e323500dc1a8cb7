"""Fixtures for the engine and hook tests: own rule packs in tmp_path, the engine, real temp git repos.

Rules in these tests are written by the tests themselves (never the bundled packs), so a change to a
bundled rule cannot break an engine test. Every rule a test writes gets the boilerplate a rule file
needs (name, severity, message, examples) unless the test gives it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

try:  # the regex parser, to write a text a test rule's pattern matches
    import re._parser as re_parser  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python < 3.11
    import sre_parse as re_parser  # type: ignore[no-redef,unused-ignore]

from hooks import _engine
from hooks._config import load_config
from hooks._report import finding_line
from hooks._rules import Rule, load_rules

DEFAULT_PRINCIPLES: dict[str, Any] = {"SAFETY": {"weight": 1}}
GIT_ENV_TO_DROP = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
    "PRE_COMMIT_SOURCE",
    "PRE_COMMIT_ORIGIN",
    "NO_COLOR",
)


def ctrl_c_reaches() -> None:
    """`preexec_fn` of a child a test presses Ctrl-C on: SIGINT as Python expects it. A shell that
    starts the suite in the background without job control ignores SIGINT for it, and an ignored
    signal stays ignored through fork and exec (where a hook or `serve` rightly ignores Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def full_rule(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A rule mapping with every required key; `spec` overrides and adds the check fields."""
    rule_id = spec["id"]
    out: dict[str, Any] = {
        "id": rule_id,
        "name": f"rule-{rule_id.lower()}",
        "severity": "error",
        "principle": "SAFETY",
        "message": f"{rule_id} hit",
    }
    out.update(spec)
    # hooks run the examples of a repo's own rules when they load them: a test's rule needs a fail
    # example its check flags (derived from its pattern) and a pass example it does not
    out.setdefault("examples", {"pass": ["x = 1"], "fail": [_fail_example(out)]})
    return out


def _fail_example(rule: Mapping[str, Any]) -> str:
    """Code the rule's own pattern matches: a python pattern with `$X` as `x`, a text a regex
    matches (first alternatives, minimal repeats); `x = 2` for other kinds."""
    pattern = rule.get("pattern")
    if pattern is None and rule.get("pattern-either"):
        pattern = rule["pattern-either"][0]
    if not isinstance(pattern, str):
        return "x = 2"
    if rule.get("check") == "python":
        return re.sub(r"\$([A-Z_][A-Z0-9_]*)", lambda m: m.group(1).lower(), pattern)
    if rule.get("check") in ("regex", "strings"):
        try:
            text = _sample(re_parser.parse(pattern))
        except Exception:  # noqa: BLE001 - a test of a broken pattern: the loader reports it
            return "x = 2"
        return f'x = "{text}"' if rule.get("check") == "strings" else text
    return "x = 2"


def _sample(parsed: Any) -> str:
    out = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "IN":
            first = arg[0]
            out.append(chr(first[1]) if str(first[0]) == "LITERAL" else "a")
        elif name == "ANY":
            out.append("x")
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            out.append(_sample(arg[2]) * max(arg[0], 0))
        elif name == "SUBPATTERN":
            out.append(_sample(arg[-1]))
        elif name == "BRANCH":
            out.append(_sample(arg[1][0]))
        elif name == "CATEGORY":
            out.append({"CATEGORY_SPACE": " ", "CATEGORY_DIGIT": "0"}.get(str(arg), "a"))
    return "".join(out)


def pack_text(
    rules: Sequence[Mapping[str, Any]],
    *,
    principles: Mapping[str, Any] | None = None,
    pack: str = "test",
    hook: str | None = None,
) -> str:
    doc: dict[str, Any] = {"pack": pack, "version": 1}
    if hook is not None:
        doc["hook"] = hook
    doc["principles"] = dict(DEFAULT_PRINCIPLES if principles is None else principles)
    doc["rules"] = [full_rule(r) for r in rules]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8"))


@pytest.fixture(name="make_rules")
def make_rules_fixture(tmp_path: Path) -> Callable[..., list[Rule]]:
    """Write a pack of the given rule specs into tmp_path and load it as the hooks do."""
    counter = iter(range(1_000_000))

    def make(*rules: Mapping[str, Any], principles: Mapping[str, Any] | None = None) -> list[Rule]:
        path = tmp_path / f"pack{next(counter)}.yaml"
        path.write_text(pack_text(rules, principles=principles), encoding="utf-8")
        return load_rules(hook=None, packs=[], extra_files=[path]).rules

    return make


@pytest.fixture(name="scan")
def scan_fixture(tmp_path: Path, make_rules: Callable[..., list[Rule]]) -> Callable[..., list[str]]:
    """Run the engine (jobs=1) over `files` written under tmp_path/work; the findings as text lines."""
    work = tmp_path / "work"

    def run(
        files: Mapping[str, str | bytes],
        *rules: Mapping[str, Any],
        today: date | None = None,
        allow: Mapping[str, tuple[str, ...]] | None = None,
    ) -> list[str]:
        write_files(work, files)
        loaded = make_rules(*rules)
        config = load_config(work)
        result = _engine.run(work, list(files), loaded, jobs=1, today=today, allow=allow, config=config)
        return [finding_line(f) for f in result.findings]

    return run


@dataclass
class Repo:
    root: Path

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout

    def write(self, files: Mapping[str, str | bytes]) -> None:
        write_files(self.root, files)

    def add(self, *paths: str) -> None:
        self.git("add", "--", *(paths or (".",)))

    def commit(self, message: str = "change") -> str:
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def use_pack(
        self,
        *rules: Mapping[str, Any],
        principles: Mapping[str, Any] | None = None,
        config: str = "",
    ) -> None:
        """Own rules in safety/pack.yaml, a config pointing at them, both committed."""
        self.write(
            {
                "safety/pack.yaml": pack_text(rules, principles=principles),
                ".ava-safety.yaml": (
                    "packs: []\nrules: [safety/*.yaml]\nexclude: [safety/**, .ava-safety.yaml]\n" + config
                ),
            }
        )
        self.add("safety/pack.yaml", ".ava-safety.yaml")
        self.commit("rules")

    def status(self) -> str:
        return self.git("status", "--porcelain")


@pytest.fixture(name="clean_env")
def clean_env_fixture(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git and pre-commit state from the surrounding shell must not leak into a test."""
    for name in GIT_ENV_TO_DROP:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


@pytest.fixture(name="repo")
def repo_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Iterator[Repo]:
    """A fresh git repository (cwd set to it) with one empty commit."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    monkeypatch.chdir(root)
    r = Repo(root)
    r.commit("start")
    yield r


@dataclass
class HookRun:
    code: int
    out: list[str]  # stdout's lines without the summary line
    err: list[str]
    summary: str | None = None  # the line a text report ends with: counts and the verdict


SUMMARY_RX = re.compile(
    r"^(?:\d+ errors?, \d+ warnings? in [\d,]+ files?|no files to check)\b.*; (?:passed|blocked by: )"
)


def hook_run(code: int, out: str, err: str) -> HookRun:
    """A hook's exit code and output, its summary line set apart."""
    lines = out.splitlines()
    summary = lines.pop() if lines and SUMMARY_RX.match(lines[-1]) else None
    return HookRun(code, lines, err.splitlines(), summary)


@pytest.fixture(name="run_hook")
def run_hook_fixture(capsys: pytest.CaptureFixture[str]) -> Callable[..., HookRun]:
    from hooks import constitutional_compliance

    def run(*argv: str) -> HookRun:
        capsys.readouterr()
        code = constitutional_compliance.main(list(argv))
        captured = capsys.readouterr()
        return hook_run(code, captured.out, captured.err)

    return run
