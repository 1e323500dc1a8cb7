"""The engine's edges: how files are read, how tree rules are dispatched, workers, YAML and globs."""

from __future__ import annotations

import ast
import os
import sys
import types
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine, _hook
from hooks._checks import Match
from hooks._checks.imports import ImportsChecker
from hooks._checks.python import Pattern
from hooks._glob import GlobError, PathMatcher, check_glob
from hooks._rules import Rule, RuleSet, load_rules
from hooks._source import SourceFile
from hooks._yaml import YamlError, load_text

from ._support import HookRun, Repo, pack_text

Scan = Callable[..., list[str]]
EVAL = {"id": "PY001", "check": "python", "pattern": "eval($X)", "message": "eval {X}"}


# --- reading files --------------------------------------------------------------------------------


def test_byte_order_mark_is_not_part_of_the_first_line(scan: Scan) -> None:
    assert scan({"a.py": "\ufeffeval(x)\n"}, EVAL) == ["a.py:1:1: PY001 eval x"]


def test_declared_source_encoding_is_honoured(scan: Scan) -> None:
    code = "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\neval(s)\n".encode("latin-1")
    assert scan({"a.py": code}, EVAL) == ["a.py:3:1: PY001 eval s"]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(b"s = 'caf\xe9'\neval(s)\n", id="no-cookie"),
        pytest.param(b"# coding: no-such-codec\ns = '\xe9'\neval(s)\n", id="unknown-codec"),
        pytest.param(b"# coding: ascii\ns = '\xe9'\neval(s)\n", id="cookie-that-does-not-fit"),
    ],
)
def test_undecodable_python_is_as004_and_still_checked(scan: Scan, code: bytes) -> None:
    found = scan({"a.py": code}, EVAL)
    line = code.count(b"\n", 0, code.index(b"\xe9")) + 1
    col = code.index(b"\xe9") - (code.rfind(b"\n", 0, code.index(b"\xe9")) + 1) + 1
    assert col > 1  # the column of the bad byte itself, not the start of its line
    message = "AS004 not valid UTF-8 (first bad byte here); checked with replacement characters"
    assert found[0] == f"a.py:{line}:{col}: {message}"
    assert found[-1] == f"a.py:{line + 1}:1: PY001 eval s"


def test_file_that_cannot_be_read_is_an_error_not_a_skip(
    tmp_path: Path, make_rules: Callable[..., list[Rule]], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text("eval(x)\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("eval(y)\n", encoding="utf-8")
    real = os.open

    def refuse(path: Any, flags: int, *args: Any) -> int:
        # root reads a mode-000 file: EACCES is given here (a real one: inputs_test.py)
        if str(path).endswith("a.py"):
            raise PermissionError(13, "Permission denied")
        return real(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    result = _engine.run(tmp_path, ["a.py", "b.py", "dir"], make_rules(EVAL), jobs=1)
    assert [(f.path, f.rule, f.severity, f.message) for f in result.findings] == [
        ("a.py", "AS008", "error", "cannot read this file (Permission denied); it was not checked"),
        ("b.py", "PY001", "error", "eval y"),
    ]
    assert result.coverage["PY001"].checked == 1


def test_null_byte_in_python_source_is_reported_not_hidden(scan: Scan) -> None:
    code = "x = 1\n" * 2000 + "eval(x)\x00\n"
    found = scan({"big.py": code}, EVAL)
    assert [f.split(" ", 2)[1] for f in found] == ["AS005", "AS007"]
    assert found[1].startswith("big.py:2001:8: AS007 NUL byte here: ")


def test_python_script_without_extension_is_python_by_its_shebang(scan: Scan) -> None:
    rule = dict(EVAL, files=["bin/*"])
    files = {
        "bin/manage": "#!/usr/bin/env python3\neval(x)  # eval(y)\n",
        "bin/run.sh": "#!/bin/sh\neval x\n",
    }
    assert scan(files, rule) == [
        "bin/manage:2:1: PY001 eval x",
        "bin/run.sh:1:1: AS005 cannot parse: not a Python file (no .py name, no python shebang); "
        "Python rules skipped for this file",
    ]


def test_regex_in_code_understands_a_python_shebang_script(scan: Scan) -> None:
    rule = {"id": "RX001", "check": "regex", "pattern": "TODO", "message": "todo"}
    assert scan({"bin/tool": "#!/usr/bin/python\nx = 1  # TODO\n"}, rule) == []


def test_suppression_marker_without_ignore_is_not_a_suppression(scan: Scan) -> None:
    assert scan({"a.py": "eval(x)  # ava-safety: reviewed by ops\n"}, EVAL) == ["a.py:1:1: PY001 eval x"]


# --- dispatch of tree rules -----------------------------------------------------------------------


def test_call_without_a_name_does_not_confuse_call_dispatch(scan: Scan) -> None:
    code = "handlers[0](x)\n(lambda v: v)(x)\neval(x)\n"
    assert scan({"a.py": code}, EVAL) == ["a.py:3:1: PY001 eval x"]


def test_named_and_unnamed_call_patterns_both_see_a_call(scan: Scan) -> None:
    any_call = {"id": "PY002", "check": "python", "pattern": "$F(x)", "message": "call {F}"}
    assert scan({"a.py": "eval(x)\nrun(x)\n"}, EVAL, any_call) == [
        "a.py:1:1: PY001 eval x",
        "a.py:1:1: PY002 call eval",
        "a.py:2:1: PY002 call run",
    ]


def test_one_finding_per_rule_and_position(scan: Scan) -> None:
    rule = {"id": "PY003", "check": "python", "pattern-either": ["app.run()", "app.run"], "message": "run"}
    assert scan({"a.py": "app.run()\nx = app.run\n"}, rule) == ["a.py:1:1: PY003 run", "a.py:2:5: PY003 run"]


@pytest.fixture
def node_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("hooks._plugins.nodes")

    def names_and_calls(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        calls = source.nodes(ast.Call)
        mixed = source.nodes(ast.Call, ast.Constant)
        yield Match(1, 1, {"n": f"{len(calls)} calls, {len(mixed)} calls or constants"})

    module.names_and_calls = names_and_calls  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.nodes", module)


@pytest.mark.usefixtures("node_plugin")
@pytest.mark.parametrize("with_tree_rule", [True, False], ids=["shared-walk", "own-walk"])
def test_plugins_get_nodes_from_one_walk(scan: Scan, with_tree_rule: bool) -> None:
    plugin = {"id": "PL001", "check": "plugin", "function": "nodes:names_and_calls", "message": "{n}"}
    rules = [plugin, EVAL] if with_tree_rule else [plugin]
    found = scan({"a.py": "eval(1)\nprint(2, 3)\n"}, *rules)
    assert "a.py:1:1: PL001 2 calls, 5 calls or constants" in found


def test_plugin_nodes_of_a_file_that_does_not_parse_are_empty() -> None:
    assert SourceFile("a.py", "def (:\n").nodes(ast.Call) == []


def test_worker_checks_its_share_of_paths(
    tmp_path: Path, make_rules: Callable[..., list[Rule]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from hooks._source import RunContext

    (tmp_path / "a.py").write_text("eval(x)\n", encoding="utf-8")
    rules = make_rules(EVAL)
    context = RunContext(tmp_path, frozenset({"a.py"}))
    plans = {"hook": _engine._plan(context, ["a.py"], rules, [])}
    monkeypatch.setattr(_engine, "_WORKER_STATE", (context, plans, date.today(), {}))
    (part,) = _engine._worker(["a.py"]).values()
    assert [f.rule for f in part.findings] == ["PY001"]
    assert part.coverage["PY001"].violating == {"a.py"}


def test_the_run_keeps_the_files_other_checks_asked_for_without_their_trees(
    tmp_path: Path, make_rules: Callable[..., list[Rule]]
) -> None:
    from datetime import date

    from hooks._source import RunContext

    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("eval(x)\n", encoding="utf-8")
    context = RunContext(tmp_path, frozenset({"a.py", "b.py"}))
    asked = context.file("b.py")  # as a check of another file would, before the engine gets to it
    assert asked is not None
    plans = {"hook": _engine._plan(context, ["a.py", "b.py"], make_rules(EVAL), [])}
    (part,) = _engine._check_paths(context, ["a.py", "b.py"], plans, date.today(), {}).values()
    assert [f.path for f in part.findings] == ["a.py", "b.py"]  # b.py checked from the same read
    assert context.files == {"b.py": asked}
    assert "tree" not in vars(asked) and asked.node_index is None and asked.text == "eval(x)\n"
    assert asked.tree is not None  # parsed again for whoever asks


# --- pattern internals the engine never reaches ---------------------------------------------------


def test_sequence_pattern_does_not_match_a_single_node() -> None:
    assert Pattern("a = 1\nb = 2\n").match(ast.parse("a = 1").body[0], {}) is None


def test_imports_checker_ignores_other_nodes() -> None:
    checker = ImportsChecker({"contract": "forbidden", "source_modules": ["a"], "forbidden_modules": ["b"]})
    assert checker.match_node(ast.parse("x = 1").body[0], [], SourceFile("a.py", "x = 1\n")) is None


def test_segment_of_a_node_without_position_is_unparsed() -> None:
    source = SourceFile("a.py", "x = 1\n")
    assert source.segment(ast.Name("spam")) == "spam"
    far = ast.Name("eggs", lineno=9, end_lineno=9, col_offset=0, end_col_offset=4)
    assert source.segment(far) == "eggs"


@pytest.mark.parametrize(
    ("pattern", "code", "expected"),
    [
        pytest.param("DEBUG = ...", "DEBUG = True\nDEBUG = f()\nOTHER = 1\n", [1, 2], id="ellipsis-as-value"),
        pytest.param("f(g($X))", "f(y)\nf(g(1))\n", [2], id="nested-call-against-a-name"),
        pytest.param("$X == $X", "if f(x) == x:\n    pass\n", [], id="bindings-of-different-types"),
        pytest.param("import os.path", "import os.path\nimport os\n", [1], id="dotted-import"),
        pytest.param("f($K=$V)", "f(debug=1)\nf(1)\n", [1], id="keyword-name-metavariable"),
        pytest.param("f(**$KW)", "f(**opts)\nf(a=1)\nf(a=1, **o)\n", [1], id="double-star-kwargs"),
        pytest.param("f(..., a=1)", "f(**o, a=1)\nf(**o)\n", [1], id="keyword-after-kwargs"),
        pytest.param("f(..., **$KW)", "f(**opts)\nf(a=1)\nf(1, a=1, **o)\n", [1, 3], id="kwargs-among-any"),
        pytest.param(
            "if $C:\n    $S\n", "if x:\n    y = 1\nif z:\n    a()\n    b()\n", [1], id="statement-mv"
        ),
    ],
)
def test_more_pattern_shapes(scan: Scan, pattern: str, code: str, expected: list[int]) -> None:
    found = scan({"a.py": code}, {"id": "PY009", "check": "python", "pattern": pattern})
    assert [int(line.split(":")[1]) for line in found] == expected


def test_keyword_name_metavariable_binds_the_name(scan: Scan) -> None:
    rule = {"id": "PY009", "check": "python", "pattern": "f($K=$V)", "message": "{K}={V}"}
    assert scan({"a.py": "f(debug=1)\n"}, rule) == ["a.py:1:1: PY009 debug=1"]


@pytest.mark.parametrize(("imported", "expected"), [("x", ["mod.py:1:1: IM001 IM001 hit"]), ("y", [])])
def test_relative_import_from_a_top_level_module(scan: Scan, imported: str, expected: list[str]) -> None:
    rule = {"id": "IM001", "check": "imports", "contract": "forbidden", "source_modules": ["mod"]}
    rule["forbidden_modules"] = ["x"]
    assert scan({"mod.py": f"from . import {imported}\n"}, rule) == expected


# --- rules, yaml, globs ---------------------------------------------------------------------------


def test_rule_set_by_id_and_string_globs(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(pack_text([dict(EVAL, files="src/*.py", exclude="src/gen_*.py")]), encoding="utf-8")
    ruleset: RuleSet = load_rules(hook=None, packs=[], extra_files=[path])
    rule = ruleset.by_id()["PY001"]
    assert rule.applies_to("src/a.py") and not rule.applies_to("src/gen_a.py") and not rule.applies_to("a.py")


def test_bundled_packs_inside_an_installed_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hooks import _bundled, _rules

    (tmp_path / "hooks" / "rules" / "base").mkdir(parents=True)  # the wheel's layout: hooks/rules
    monkeypatch.setattr(_bundled, "__file__", str(tmp_path / "hooks" / "_bundled.py"))
    assert _bundled.bundled_root() == tmp_path / "hooks" / "rules"
    assert _rules.bundled_packs() == ["base"]
    (tmp_path / "hooks" / "rules" / "base").rmdir()
    (tmp_path / "hooks" / "rules").rmdir()  # a source checkout: rules/ beside the package
    (tmp_path / "rules" / "other").mkdir(parents=True)
    assert _bundled.bundled_root() == tmp_path / "rules"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "a: 1\nb: \x07\n", "x.yaml:2: invalid YAML: unacceptable character #x0007: ", id="control-char"
        ),
        pytest.param(
            "? [a, b]\n: 1\n", "x.yaml:1: invalid YAML: a mapping key must be a plain value", id="complex-key"
        ),
        pytest.param(
            "a: !!python/name:os.system\n",
            "x.yaml:1: invalid YAML: could not determine a constructor",
            id="tag",
        ),
    ],
)
def test_yaml_errors_are_one_line_with_a_line_number(text: str, expected: str) -> None:
    with pytest.raises(YamlError) as info:
        load_text(text, "x.yaml")
    assert str(info.value).startswith(expected)
    assert "\n" not in str(info.value)


def test_yaml_keeps_lines_of_keys_and_items() -> None:
    doc = load_text("a: 1\nb:\n  - x\n  - y\n1: int key\n", "x.yaml")
    assert (doc.line, doc.line_of("b"), doc.line_of("missing"), doc["b"].item_lines) == (1, 2, 1, [3, 4])
    assert doc["1"] == "int key"


@pytest.mark.parametrize(
    ("globs", "path", "expected"),
    [
        pytest.param(["*.py"], "a/b/c.py", True, id="no-slash-matches-at-any-depth"),
        pytest.param(["src/*.py"], "src/a/b.py", False, id="star-stays-in-one-directory"),
        pytest.param(["src/**/*.py"], "src/a/b/c.py", True, id="double-star"),
        pytest.param(["src/**"], "src/a/b", True, id="trailing-double-star"),
        pytest.param(["/top.py"], "top.py", True, id="leading-slash-anchors"),
        pytest.param(["a?.py"], "ab.py", True, id="question-mark"),
        pytest.param(["a?.py"], "a/.py", False, id="question-mark-not-slash"),
        pytest.param(["[!a]*.py"], "b.py", True, id="negated-class"),
        pytest.param(["[!a]*.py"], "a.py", False, id="negated-class-excludes"),
        pytest.param(["[]x].txt"], "].txt", True, id="bracket-first-in-class"),
        pytest.param(["__pycache__/"], "pkg/__pycache__/m.pyc", True, id="directory"),
        pytest.param(["a\\b"], "a\\b", True, id="backslash-literal"),
        pytest.param([], "a.py", False, id="no-globs"),
        pytest.param([".env", ".env.*"], ".envrc", False, id="every-glob-of-a-list-is-anchored"),
        pytest.param(["*.py", "*.txt"], "x.pyc", False, id="first-glob-is-not-a-prefix"),
        # characters `re` reads as a nested set or a set operation are literal in a glob class
        pytest.param(["[[a].txt"], "[.txt", True, id="bracket-in-class"),
        pytest.param(["[&&]"], "&", True, id="ampersands-in-class"),
        pytest.param(["[a^]"], "^", True, id="caret-in-class"),
        pytest.param(["[~|]"], "|", True, id="tilde-and-bar-in-class"),
        pytest.param(["[+--]"], ",", True, id="range-ending-in-a-dash"),
    ],
)
def test_globs(globs: list[str], path: str, expected: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FutureWarning "possible nested set": not from a glob
        assert PathMatcher(globs)(path) is expected
    assert bool(PathMatcher(globs)) is bool(globs)


@pytest.mark.parametrize("glob", ["", " a", "a[", "[z-a]"])
def test_bad_globs(glob: str) -> None:
    with pytest.raises(GlobError):
        check_glob(glob)


# --- the run module without scoring ----------------------------------------------------------------


def test_hook_without_scoring_blocks_on_errors_only(
    repo: Repo, capsys: pytest.CaptureFixture[str], run_hook: Callable[..., HookRun]
) -> None:
    rules = [
        {"id": "EV001", "check": "regex", "pattern": "ERROR", "message": "error"},
        {"id": "EV002", "check": "regex", "pattern": "WARN", "message": "warn", "severity": "warning"},
    ]
    repo.write(
        {
            "safety/pack.yaml": pack_text(rules, hook="env-vars"),
            ".ava-safety.yaml": "packs: []\nrules: [safety/*.yaml]\nexclude: [safety/]\n",
            "w.yaml": "WARN\n",
            "e.yaml": "ERROR\n",
        }
    )

    def main(*argv: str) -> tuple[int, list[str]]:
        code = _hook.main_for("env-vars", ["--no-results", *argv], scoring=False, description="test")
        return code, capsys.readouterr().out.splitlines()

    assert main("w.yaml") == (
        0,
        [
            "w.yaml:1:1: EV002 [warning] warn",
            "0 errors, 1 warning in 1 file; passed; warnings do not block (--strict makes them)",
        ],
    )
    assert main("w.yaml", "--strict") == (
        1,
        [
            "w.yaml:1:1: EV002 [warning] warn",
            "0 errors, 1 warning in 1 file; blocked by: 1 warning (--strict)",
        ],
    )
    assert main("w.yaml", "e.yaml") == (
        1,
        [
            "e.yaml:1:1: EV001 [error] error",
            "w.yaml:1:1: EV002 [warning] warn",
            "1 error, 1 warning in 2 files; blocked by: 1 error",
        ],
    )


def test_named_file_outside_the_repo_keeps_its_path(
    repo: Repo, tmp_path: Path, run_hook: Callable[..., HookRun]
) -> None:
    repo.use_pack({"id": "RX001", "check": "regex", "pattern": "eval", "message": "eval"})
    outside = tmp_path / "outside.py"
    outside.write_text("eval(z)\n", encoding="utf-8")
    assert run_hook(str(outside), "--no-results").out[0] == f"{outside.as_posix()}:1:1: RX001 [error] eval"


@pytest.fixture
def syntax_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("hooks._plugins.syntaxer")

    def broken(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        if source.tree is None:
            yield Match(1, 1, {"n": "unparsable"})

    broken.reports_syntax_errors = True  # type: ignore[attr-defined]
    module.broken = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.syntaxer", module)


@pytest.mark.usefixtures("syntax_plugin")
def test_a_plugin_that_reports_syntax_errors_sees_unparsable_files_instead_of_as005(scan: Scan) -> None:
    plugin = {"id": "PL002", "check": "plugin", "function": "syntaxer:broken", "message": "{n}"}
    code = "def (:\n# ava-safety: ignore[PL002] checked elsewhere\n"
    assert scan({"a.py": code}, plugin) == [
        "a.py:1:1: PL002 unparsable",
        "a.py:2:1: AS002 suppression of PL002 matches no finding; remove it",
    ]


def test_rules_sharing_a_name_each_report(tmp_path: Path, make_rules: Callable[..., list[Rule]]) -> None:
    # no folding by name: packs do not duplicate rules (a duplicate is retired), so two rules are
    # two findings, each one suppressible and counted on its own
    (tmp_path / "a.py").write_text("eval(x)\n", encoding="utf-8")
    spec = {"check": "python", "pattern": "eval($X)", "name": "no-eval"}
    rules = make_rules({"id": "PY001", **spec}, {"id": "PY002", **spec})
    result = _engine.run(tmp_path, ["a.py"], rules, jobs=1)
    assert [f.rule for f in result.findings] == ["PY001", "PY002"]
    assert result.coverage["PY002"].violating == {"a.py"}


def test_one_rule_reports_every_hit_on_a_line(tmp_path: Path, make_rules: Callable[..., list[Rule]]) -> None:
    (tmp_path / "a.py").write_text("eval(x); eval(y)\n", encoding="utf-8")
    rules = make_rules({"id": "PY001", "check": "python", "pattern": "eval($X)"})
    result = _engine.run(tmp_path, ["a.py"], rules, jobs=1)
    assert [(f.rule, f.line, f.col) for f in result.findings] == [("PY001", 1, 1), ("PY001", 1, 10)]


def test_messages_never_carry_a_url_password(tmp_path: Path, make_rules: Callable[..., list[Rule]]) -> None:
    (tmp_path / "a.py").write_text('connect("postgresql://admin:s3cr3t@db/app")\n', encoding="utf-8")
    rules = make_rules({"id": "PY001", "check": "python", "pattern": "connect($X)", "message": "literal {X}"})
    (finding,) = _engine.run(tmp_path, ["a.py"], rules, jobs=1).findings
    assert finding.message == 'literal "postgresql://admin:***@db/app"'


def test_tracked_files_by_name_are_shallowest_first() -> None:
    from hooks._source import RunContext

    files = frozenset({"svc/b/Dockerfile", "Dockerfile.dev", "api/Dockerfile", "Dockerfile", "a/x.py"})
    context = RunContext(Path("."), files)
    assert context.by_name["Dockerfile"] == ("Dockerfile", "api/Dockerfile", "svc/b/Dockerfile")
    assert context.named("Dockerfile.dev", "Dockerfile") == [
        "Dockerfile", "Dockerfile.dev", "api/Dockerfile", "svc/b/Dockerfile",
    ]  # fmt: skip
    assert context.named("pyproject.toml") == []


def test_a_few_files_are_shared_out_among_processes_only_when_they_hold_much_source(tmp_path: Path) -> None:
    big = "x = 1\n" * (_engine.PARALLEL_MIN_BYTES // 6 // _engine.PARALLEL_MIN_FILES + 1)
    names = [f"m{i}.py" for i in range(_engine.PARALLEL_MIN_FILES)]
    for name in names:
        (tmp_path / name).write_text(big, encoding="utf-8")
    assert _engine._much_source(tmp_path, names)
    assert not _engine._much_source(tmp_path, names[1:])  # too few files, however large
    assert not _engine._much_source(tmp_path, [*names[:-1], "gone.py"])  # a missing file counts nothing
    (tmp_path / "small.py").write_text("x = 1\n", encoding="utf-8")
    assert not _engine._much_source(tmp_path, ["small.py"] * _engine.PARALLEL_MIN_FILES)
