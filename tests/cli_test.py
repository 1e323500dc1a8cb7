"""`ava-safety`: init, rules, --version, and dispatch to the hooks."""

from __future__ import annotations

import re
import runpy
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from hooks import __version__, _cli
from hooks._config import KEYS, load_config

from ._support import Repo

Capsys = pytest.CaptureFixture[str]

PACK = """\
pack: base
version: 1
principles:
  SAFETY: {weight: 1}
rules:
  - id: TS002
    name: no-exec
    severity: warning
    principle: SAFETY
    blocking: true
    message: exec of {X}
    description: Exec runs text as code. Never do it | ever.
    check: python
    pattern: exec($X)
    examples: {pass: ['x = 1'], fail: ['exec(x)']}
  - id: TS001
    name: no-eval
    severity: error
    message: eval of {X}
    check: python
    pattern: eval($X)
    examples: {pass: ['x = 1'], fail: ['eval(x)']}
"""


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "bundled"
    (root / "base").mkdir(parents=True)
    (root / "base" / "rules.yaml").write_text(PACK, encoding="utf-8")
    (root / "other").mkdir()
    (root / "other" / "rules.yaml").write_text(
        "pack: other\nversion: 1\nrules:\n"
        "  - {id: OT001, name: todo, severity: warning, message: todo, check: regex, pattern: TODO,"
        " examples: {pass: [x], fail: [TODO]}}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr("hooks._rules.bundled_root", lambda: root)
    return root


@pytest.fixture(autouse=True)
def offline_hook_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """init asks the hook repository for its release tag: here one that has none, on this machine."""
    monkeypatch.setattr(_cli, "HOOK_REPO", str(tmp_path / "no-hook-repo"))


def test_init_writes_both_files(tmp_path: Path, capsys: Capsys) -> None:
    assert _cli.main(["init", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {tmp_path / '.ava-safety.yaml'}",
        f"wrote {tmp_path / '.pre-commit-config.yaml'}",
        "a repository with old findings: run 'ava-safety baseline' first, then init again, "
        "to report only new ones",
        f"{tmp_path / 'no-hook-repo'} has no tag v{__version__} (or could not be reached): "
        "run 'pre-commit autoupdate' to pin the newest release",
    ]
    config = load_config(tmp_path)
    assert (config.packs, config.rule_globs, config.min_score) == (["generic"], [], 80.0)
    precommit = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = precommit["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert [h["id"] for h in repo["hooks"]] == [
        "constitutional-compliance",
        "syntax-imports",
        "env-vars",
        "deploy-config",
        "design-rules",
    ]


def test_init_starter_config_is_valid_with_every_option_uncommented(tmp_path: Path) -> None:
    assert _cli.main(["init", "--dir", str(tmp_path)]) == 0
    lines = []
    for line in (tmp_path / ".ava-safety.yaml").read_text(encoding="utf-8").splitlines():
        body = line[2:] if line.startswith("# ") else None
        if body is not None and (body.split(":")[0] in KEYS or body.startswith("  ")):
            lines.append(body)  # a commented-out option
        elif not line.startswith("#"):
            lines.append(line)
    (tmp_path / "full.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "design-system.css").write_text(":root { --olive: #808000; }\n")
    config = load_config(tmp_path, tmp_path / "full.yaml")
    assert config.python == "3.11"
    assert config.principles["POSTGRESQL ONLY"].allow == ("redis",)
    assert [(s.name, s.provider, s.files) for s in config.services] == [
        ("web", "command", ("apprunner.yaml", "Dockerfile"))
    ]
    assert config.working_systems[0].name == "registration" and config.databases[0].policy == "skip"
    assert config.rollback_risk.block_at == "high" and config.syntax_style is True


def test_init_writes_into_the_cwd_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["init"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ava-safety.yaml", ".pre-commit-config.yaml"]


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: Capsys) -> None:
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    assert _cli.main(["init", "--dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"ava-safety init: {tmp_path / '.pre-commit-config.yaml'} exists; "
        "not overwriting it (move it away first)"
    ]
    assert not (tmp_path / ".ava-safety.yaml").exists()
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"


def test_init_twice_names_both_files(tmp_path: Path, capsys: Capsys) -> None:
    _cli.main(["init", "--dir", str(tmp_path)])
    capsys.readouterr()
    assert _cli.main(["init", "--dir", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 2


def test_rules_lists_every_bundled_rule(bundled: Path, capsys: Capsys) -> None:
    assert _cli.main(["rules"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "OT001  warning  other     todo",
        "TS001  error    base      no-eval",
        "TS002  warning  base      no-exec",
    ]


def test_rules_of_one_pack(bundled: Path, capsys: Capsys) -> None:
    assert _cli.main(["rules", "--pack", "other"]) == 0
    assert capsys.readouterr().out.splitlines() == ["OT001  warning  other     todo"]


def test_rules_as_the_readme_table(bundled: Path, capsys: Capsys) -> None:
    assert _cli.main(["rules", "--pack", "base", "--markdown"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| id | pack | name | severity | principle | what it flags |",
        "|---|---|---|---|---|---|",
        "| TS001 | base | no-eval | error |  | eval of {X} |",
        "| TS002 | base | no-exec | warning (blocking) | SAFETY | Exec runs text as code |",
    ]


def test_version(capsys: Capsys) -> None:
    assert _cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"ava-safety {__version__}\n"


COMMANDS = [*_cli.HOOKS, "init", "baseline", "rules", "routes", "history", "dashboard", "serve"]


@pytest.mark.parametrize(
    ("argv", "code"), [pytest.param([], 2, id="no-args"), pytest.param(["-h"], 0, id="help")]
)
def test_usage(argv: list[str], code: int, capsys: Capsys) -> None:
    assert _cli.main(argv) == code
    assert capsys.readouterr().out.splitlines() == [
        "usage: ava-safety {" + ",".join(COMMANDS) + "} [args]",
        "       ava-safety --version",
    ]


def test_unknown_command_is_exit_2(capsys: Capsys) -> None:
    assert _cli.main(["deploy-everything"]) == 2
    assert capsys.readouterr().err == (
        f"ava-safety: unknown command 'deploy-everything' (choose from {', '.join(COMMANDS)})\n"
    )


def test_argv_defaults_to_sys_argv(monkeypatch: pytest.MonkeyPatch, capsys: Capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["ava-safety", "--version"])
    assert _cli.main() == 0
    assert capsys.readouterr().out == f"ava-safety {__version__}\n"


def test_dispatches_to_the_hook(repo: Repo, capsys: Capsys) -> None:
    repo.use_pack({"id": "TS001", "check": "python", "pattern": "eval($X)", "message": "eval of {X}"})
    repo.write({"a.py": "eval(x)\n"})
    repo.add("a.py")
    assert _cli.main(["constitutional-compliance", "--format", "github", "--no-results"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=a.py,line=1,col=1,title=TS001::eval of x",
        "FAIL SAFETY   0.0%  (min 80%; pulled down by TS001 a.py:1)",
        "overall 0.0% (min 80%)",
        "1 error, 0 warnings in 1 file; blocked by: 1 error, SAFETY 0.0% (min 80%), overall 0.0% (min 80%)",
    ]


def test_hook_arguments_are_checked_by_the_hook(repo: Repo, capsys: Capsys) -> None:
    assert _cli.main(["constitutional-compliance", "--format", "xml"]) == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "module",
    [pytest.param("hooks._cli", id="cli"), pytest.param("hooks.constitutional_compliance", id="hook")],
)
def test_modules_run_as_scripts(
    module: str,
    repo: Repo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capsys,
    make_script: Callable[[str], None],
) -> None:
    make_script(module)
    with pytest.raises(SystemExit) as info:
        runpy.run_module(module, run_name="__main__")
    assert info.value.code == 0


@pytest.fixture
def make_script(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def make(module: str) -> None:
        repo.use_pack({"id": "TS001", "check": "python", "pattern": "eval($X)"})
        argv = ["--version"] if module == "hooks._cli" else ["--all-files", "--no-results"]
        monkeypatch.setattr(sys, "argv", [module, *argv])
        monkeypatch.delitem(sys.modules, module, raising=False)

    return make


def test_starter_config_comments_document_every_key() -> None:
    from hooks._config import KEYS

    text = _cli.STARTER_CONFIG
    for key in KEYS:
        assert re.search(rf"^(# )?{key}:", text, re.M), key


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["-m", "hooks.constitutional_compliance", "--no-results", "many.py"], id="hook"),
        pytest.param(["-m", "hooks._cli", "constitutional-compliance", "--no-results", "many.py"], id="cli"),
    ],
)
def test_output_piped_into_a_reader_that_stops_early_is_no_traceback(repo: Repo, argv: list[str]) -> None:
    import subprocess

    repo.write({"many.py": "breakpoint()\n" * 5000})
    repo.add("many.py")
    with subprocess.Popen(
        [sys.executable, *argv], cwd=repo.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # as `| head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 1
    assert err == ""


def test_ava_safety_rules_into_a_closed_pipe_is_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert _cli.main(["rules"]) == 1
