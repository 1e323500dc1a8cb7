"""The regex, files, imports and plugin check kinds, through the production engine."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine
from hooks._checks import Match
from hooks._checks.plugin import takes_options
from hooks._errors import ConfigErrors
from hooks._source import SourceFile

Scan = Callable[..., list[str]]


def rx(pattern: str, message: str = "{match}", **fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"id": "RX001", "check": "regex", "pattern": pattern, "message": message}
    spec.update({k.replace("_", "-"): v for k, v in fields.items()})
    return spec


# --- regex ----------------------------------------------------------------------------------------


def test_regex_reports_first_match_per_line(scan: Scan) -> None:
    text = "ok\nDEBUG = True  # DEBUG = True\n  DEBUG = True\n"
    assert scan({"settings.txt": text}, rx(r"DEBUG\s*=\s*True")) == [
        "settings.txt:2:1: RX001 DEBUG = True",
        "settings.txt:3:3: RX001 DEBUG = True",
    ]


def test_regex_named_groups_become_placeholders(scan: Scan) -> None:
    rule = rx(r"(?P<var>[A-Z_]+)=(?P<value>\S+)", "{var} is {value} in {path}: {line_text}")
    assert scan({".env": "  REGION=eu  \n"}, rule) == [".env:1:3: RX001 REGION is eu in .env: REGION=eu"]


def test_regex_multiline_matches_across_lines(scan: Scan) -> None:
    text = "a = 1\ntry:\n    x()\nexcept:\n    pass\n"
    rule = rx(r"^\s*except\s*:\s*\n\s*pass\b", "bare except", multiline=True)
    assert scan({"app.txt": text}, rule) == ["app.txt:4:1: RX001 bare except"]


def test_regex_multiline_pattern_not_sees_the_match_text(scan: Scan) -> None:
    text = "BEGIN\nsecret\nEND\nBEGIN\nfake\nEND\n"
    rule = rx(r"BEGIN\n\w+\nEND", "block", multiline=True, pattern_not="fake")
    assert scan({"k.txt": text}, rule) == ["k.txt:1:1: RX001 block"]


def test_regex_pattern_not_drops_the_line(scan: Scan) -> None:
    text = "url = 'http://example.com'\nurl = 'http://localhost'\n"
    rule = rx(r"http://", pattern_not="localhost")
    assert scan({"a.txt": text}, rule) == ["a.txt:1:8: RX001 http://"]


def test_regex_ignore_case(scan: Scan) -> None:
    text = "Password = 1\nPASSWORD = 2\n"
    assert scan({"a.txt": text}, rx("password")) == []
    assert scan({"a.txt": text}, rx("password", ignore_case=True)) == [
        "a.txt:1:1: RX001 Password",
        "a.txt:2:1: RX001 PASSWORD",
    ]


def test_regex_in_code_skips_comments_but_not_strings_in_python(scan: Scan) -> None:
    text = (
        "# TODO here\n"
        "x = 1  # TODO there\n"
        "s = 'TODO in a string'\n"
        "t = '# not a comment' + 'TODO'\n"
        'u = """# TODO"""\n'
        "v = 'it\\'s # TODO'\n"
        "TODO()\n"
    )
    assert scan({"app.py": text}, rx("TODO", "todo")) == [
        "app.py:3:6: RX001 todo",
        "app.py:4:26: RX001 todo",
        "app.py:5:10: RX001 todo",
        "app.py:6:14: RX001 todo",
        "app.py:7:1: RX001 todo",
    ]


def test_regex_in_any_keeps_comment_matches(scan: Scan) -> None:
    text = "x = 1  # TODO there\n"
    assert scan({"app.py": text}, rx("TODO", "todo", **{"in": "any"})) == ["app.py:1:10: RX001 todo"]


def test_regex_in_code_applies_only_to_python_files(scan: Scan) -> None:
    assert scan({"notes.txt": "# TODO\n"}, rx("TODO", "todo")) == ["notes.txt:1:3: RX001 todo"]


def test_regex_multiline_in_code_skips_comment_matches(scan: Scan) -> None:
    text = "# secret = 1\nsecret = 2\n"
    assert scan({"app.py": text}, rx(r"secret = \d", "s", multiline=True)) == ["app.py:2:1: RX001 s"]


def test_regex_anchors_work_per_line(scan: Scan) -> None:
    text = "a\nimport pdb\n"
    assert scan({"x.txt": text}, rx(r"^import pdb$", "pdb")) == ["x.txt:2:1: RX001 pdb"]


def test_regex_respects_files_and_exclude(scan: Scan) -> None:
    files = {"a.py": "X\n", "b.txt": "X\n", "tests/c.py": "X\n"}
    rule = rx("X", "x", files=["**/*.py"], exclude=["tests/**"])
    assert scan(files, rule) == ["a.py:1:1: RX001 x"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"pattern": "("}, "invalid regular expression in 'pattern'", id="bad-pattern"),
        pytest.param({"pattern": ""}, "'pattern' must be a non-empty regular expression", id="empty"),
        pytest.param({"pattern": "a", "pattern-not": "["}, "in 'pattern-not'", id="bad-pattern-not"),
        pytest.param({"pattern": "a", "in": "strings"}, "'in' must be 'code' or 'any'", id="bad-in"),
        pytest.param(
            {"pattern": "a", "multiline": "yes"}, "'multiline' must be true or false", id="bad-bool"
        ),
    ],
)
def test_regex_field_errors(make_rules: Callable[..., Any], fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigErrors) as info:
        make_rules({"id": "RX001", "check": "regex", **fields})
    assert [message in p.message for p in info.value.problems] == [True]


# --- files ----------------------------------------------------------------------------------------


def test_files_must_not_exist_flags_each_matching_file(scan: Scan) -> None:
    files = {".env": "A=1\n", "config/.env": "B=2\n", ".env.example": "A=\n", "app.py": "x\n"}
    rule = {"id": "FS001", "check": "files", "path": ".env", "must": "not-exist", "message": "{path}: {glob}"}
    assert scan(files, rule) == [".env:1:1: FS001 .env: .env", "config/.env:1:1: FS001 config/.env: .env"]


def test_files_must_not_exist_does_not_read_the_file(tmp_path: Path, make_rules: Callable[..., Any]) -> None:
    rules = make_rules({"id": "FS001", "check": "files", "path": "*.key", "must": "not-exist"})
    result = _engine.run(tmp_path, ["gone.key"], rules, jobs=1)  # listed by git, absent on disk
    assert [(f.path, f.rule) for f in result.findings] == [("gone.key", "FS001")]


def test_files_must_exist_is_checked_against_the_repo_files(
    tmp_path: Path, make_rules: Callable[..., Any]
) -> None:
    rules = make_rules(
        {
            "id": "FS002",
            "check": "files",
            "path": ["README*", "docs/README*"],
            "must": "exist",
            "message": "{glob}",
        }
    )
    missing = _engine.run(tmp_path, [], rules, repo_files=frozenset({"app.py"}), jobs=1)
    assert [(f.path, f.line, f.col, f.message) for f in missing.findings] == [("README*", 1, 1, "README*")]
    assert missing.coverage["FS002"].checked == 1
    present = _engine.run(tmp_path, [], rules, repo_files=frozenset({"docs/README.md"}), jobs=1)
    assert present.findings == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"path": "a", "must": "maybe"}, "'must' must be 'exist' or 'not-exist'", id="bad-must"),
        pytest.param(
            {"path": [], "must": "exist"}, "'path' must be a glob or a list of globs", id="empty-path"
        ),
        pytest.param({"path": "a[b", "must": "exist"}, "unclosed '['", id="bad-glob"),
        pytest.param({"must": "exist"}, "check kind 'files' needs 'path'", id="missing-path"),
    ],
)
def test_files_field_errors(make_rules: Callable[..., Any], fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigErrors) as info:
        make_rules({"id": "FS001", "check": "files", **fields})
    assert [message in p.message for p in info.value.problems] == [True]


# --- imports --------------------------------------------------------------------------------------


def imp(contract: str, message: str = "{importer} -> {imported} ({target})", **fields: Any) -> dict[str, Any]:
    return {"id": "IM001", "check": "imports", "contract": contract, "message": message, **fields}


def test_forbidden_contract(scan: Scan) -> None:
    files = {
        "app/web/views.py": "import app.db.models\nfrom app.db import session\nimport os\n",
        "app/db/models.py": "import app.web\n",
        "app/core.py": "import app.db\n",
    }
    rule = imp("forbidden", source_modules=["app.web"], forbidden_modules=["app.db"])
    assert scan(files, rule) == [
        "app/web/views.py:1:1: IM001 app.web.views -> app.db.models (app.db)",
        "app/web/views.py:2:1: IM001 app.web.views -> app.db.session (app.db)",
    ]


def test_forbidden_contract_on_a_third_party_module(scan: Scan) -> None:
    files = {"svc/a.py": "def f():\n    import redis.client\n", "tools/b.py": "import redis\n"}
    rule = imp("forbidden", source_modules=["svc"], forbidden_modules=["redis"])
    assert scan(files, rule) == ["svc/a.py:2:5: IM001 svc.a -> redis.client (redis)"]


def test_independence_contract_with_wildcard(scan: Scan) -> None:
    files = {
        "modules/weather/api.py": "from modules.crops import advice\nfrom modules.weather import cache\n",
        "modules/crops/advice.py": "import modules.weather.api\nimport shared.db\n",
        "modules/__init__.py": "from modules import weather\n",
    }
    rule = imp("independence", modules=["modules.*"])
    assert scan(files, rule) == [
        "modules/crops/advice.py:1:1: IM001 modules.crops.advice -> modules.weather.api (modules.weather)",
        "modules/weather/api.py:1:1: IM001 modules.weather.api -> modules.crops.advice (modules.crops)",
    ]


def test_independence_contract_with_a_shared_core(scan: Scan) -> None:
    files = {
        "modules/weather/api.py": "from modules.core.database import get_db\nfrom ..core import config\n",
        "modules/core/startup.py": "from modules.core import config\nfrom modules.weather import api\n",
        "modules/crops/advice.py": "import modules.weather.api\n",
    }
    rule = imp("independence", modules=["modules.*"], shared=["modules.core"])
    assert scan(files, rule) == [
        "modules/core/startup.py:2:1: IM001 modules.core.startup -> modules.weather.api (modules.weather)",
        "modules/crops/advice.py:1:1: IM001 modules.crops.advice -> modules.weather.api (modules.weather)",
    ]


def test_independence_contract_with_listed_modules(scan: Scan) -> None:
    files = {
        "billing/a.py": "import shipping\n",
        "shipping/b.py": "import os\n",
        "other/c.py": "import billing\n",
    }
    rule = imp("independence", modules=["billing", "shipping"])
    assert scan(files, rule) == ["billing/a.py:1:1: IM001 billing.a -> shipping (shipping)"]


def test_layers_contract_lower_must_not_import_higher(scan: Scan) -> None:
    files = {
        "app/api/routes.py": "from app.services import users\nfrom app.db import models\n",
        "app/services/users.py": "from app.db import models\nfrom app.api import routes\n",
        "app/db/models.py": "import app.services.users\nimport app.api\n",
        "app/util.py": "import app.api\n",
    }
    rule = imp("layers", layers=["app.api", "app.services", "app.db"])
    assert scan(files, rule) == [
        "app/db/models.py:1:1: IM001 app.db.models -> app.services.users (app.services)",
        "app/db/models.py:2:1: IM001 app.db.models -> app.api (app.api)",
        "app/services/users.py:2:1: IM001 app.services.users -> app.api.routes (app.api)",
    ]


@pytest.mark.parametrize(
    ("path", "code", "imported"),
    [
        pytest.param("pkg/sub/mod.py", "from . import other\n", "pkg.sub.other", id="sibling"),
        pytest.param("pkg/sub/mod.py", "from .. import db\n", "pkg.db", id="parent"),
        pytest.param("pkg/sub/mod.py", "from ..db import models\n", "pkg.db.models", id="parent-module"),
        pytest.param(
            "pkg/sub/__init__.py", "from .leaf import x\n", "pkg.sub.leaf.x", id="from-package-init"
        ),
        pytest.param("pkg/sub/__init__.py", "from ..db import x\n", "pkg.db.x", id="up-from-package-init"),
    ],
)
def test_relative_imports_resolve_to_absolute_modules(
    scan: Scan, path: str, code: str, imported: str
) -> None:
    rule = imp("forbidden", "{imported}", source_modules=["pkg"], forbidden_modules=[imported])
    assert scan({path: code}, rule) == [f"{path}:1:1: IM001 {imported}"]


def test_relative_import_beyond_the_root_is_not_a_crash(scan: Scan) -> None:
    rule = imp("forbidden", source_modules=["mod"], forbidden_modules=["x"])
    assert scan({"mod.py": "from ... import x\n"}, rule) == ["mod.py:1:1: IM001 mod -> x (x)"]


def test_src_layout_names_modules_without_src(scan: Scan) -> None:
    files = {"src/app/web.py": "from app import db\n", "src/app/db.py": "x = 1\n"}
    rule = imp("forbidden", source_modules=["app.web"], forbidden_modules=["app.db"])
    assert scan(files, rule) == ["src/app/web.py:1:1: IM001 app.web -> app.db (app.db)"]


def test_allow_list_exempts_named_edges(scan: Scan) -> None:
    files = {
        "app/web/health.py": "import app.db.ping\n",
        "app/web/views.py": "import app.db.ping\nimport app.db.models\n",
    }
    rule = imp(
        "forbidden",
        source_modules=["app.web"],
        forbidden_modules=["app.db"],
        allow=["app.web.health -> app.db.ping"],
    )
    assert scan(files, rule) == [
        "app/web/views.py:1:1: IM001 app.web.views -> app.db.ping (app.db)",
        "app/web/views.py:2:1: IM001 app.web.views -> app.db.models (app.db)",
    ]


def test_imports_of_a_file_that_does_not_parse_give_as005(scan: Scan) -> None:
    rule = imp("forbidden", source_modules=["a"], forbidden_modules=["b"])
    assert scan({"a.py": "import b\ndef (:\n"}, rule) == [
        "a.py:2:5: AS005 cannot parse: invalid syntax; Python rules skipped for this file"
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"contract": "acyclic"}, "'contract' must be one of forbidden, independence, layers", id="kind"
        ),
        pytest.param(
            {"contract": "forbidden", "source_modules": ["a"]}, "'forbidden_modules' must be", id="missing"
        ),
        pytest.param(
            {"contract": "independence", "modules": []}, "'modules' must be a non-empty list", id="empty"
        ),
        pytest.param(
            {"contract": "layers", "layers": "a"}, "'layers' must be a non-empty list", id="not-list"
        ),
        pytest.param(
            {"contract": "layers", "layers": ["a", "b"], "shared": ["c"]},
            "'shared' goes with contract: independence",
            id="shared-not-independence",
        ),
        pytest.param(
            {"contract": "layers", "layers": ["a", "b"], "allow": ["a b"]},
            "'allow' must be a list of 'importer -> imported' strings",
            id="bad-allow",
        ),
    ],
)
def test_imports_field_errors(make_rules: Callable[..., Any], fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigErrors) as info:
        make_rules({"id": "IM001", "check": "imports", **fields})
    assert [message in p.message for p in info.value.problems] == [True]


# --- plugin ---------------------------------------------------------------------------------------


@pytest.fixture
def fake_plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Mapping[str, Any]]]:
    """A plugin module `hooks._plugins.fake` that records the options it was called with."""
    calls: list[Mapping[str, Any]] = []
    module = types.ModuleType("hooks._plugins.fake")

    def long_lines(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
        calls.append(options)
        limit = options.get("limit", 10)
        for number, line in enumerate(source.lines, start=1):
            if len(line) > limit:
                yield Match(number, limit + 1, {"length": str(len(line))})

    module.long_lines = takes_options(limit=int)(long_lines)  # type: ignore[attr-defined]
    module.NOT_CALLABLE = 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooks._plugins.fake", module)
    yield calls


def test_plugin_function_gets_options_and_yields_matches(scan: Scan, fake_plugin: list[Any]) -> None:
    rule = {
        "id": "PL001",
        "check": "plugin",
        "function": "fake:long_lines",
        "options": {"limit": 5},
        "message": "{length} chars",
    }
    assert scan({"a.py": "x = 1\ny = 'longer'\n"}, rule) == ["a.py:2:6: PL001 12 chars"]
    assert fake_plugin == [{"limit": 5}]


def test_plugin_is_not_called_on_python_that_does_not_parse(scan: Scan, fake_plugin: list[Any]) -> None:
    rule = {"id": "PL001", "check": "plugin", "function": "fake:long_lines"}
    assert scan({"a.py": "def (:  # a line longer than ten\n"}, rule) == [
        "a.py:1:5: AS005 cannot parse: invalid syntax; Python rules skipped for this file"
    ]
    assert fake_plugin == []


@pytest.mark.parametrize(
    ("function", "options", "message"),
    [
        pytest.param("nosuchmodule:f", None, "no plugin module 'nosuchmodule'", id="unknown-module"),
        pytest.param(
            "fake:nosuch", None, "plugin module 'fake' has no function 'nosuch'", id="unknown-function"
        ),
        pytest.param("fake:NOT_CALLABLE", None, "has no function 'NOT_CALLABLE'", id="not-callable"),
        pytest.param("fake.long_lines", None, "'function' must be 'module:function'", id="no-colon"),
        pytest.param("fake:long_lines", [1], "'options' must be a mapping", id="bad-options"),
        pytest.param(
            "fake:long_lines",
            {"limit": "many"},
            "options.limit must be a whole number",
            id="option-of-the-wrong-type",
        ),  # fmt: skip
        pytest.param(
            "fake:long_lines",
            {"limt": 5},
            "unknown option 'limt' (did you mean 'limit'?)",
            id="misspelt-option",
        ),  # fmt: skip
        pytest.param(
            "fake:long_lines",
            {"limit": -1},
            "options.limit must be a whole number, 0 or more",
            id="negative-count",
        ),  # fmt: skip
        pytest.param("../fake:long_lines", None, "'function' must be 'module:function'", id="path"),
        pytest.param("_private:f", None, "'function' must be 'module:function'", id="private-module"),
    ],
)
def test_plugin_errors(
    make_rules: Callable[..., Any], fake_plugin: list[Any], function: str, options: Any, message: str
) -> None:
    spec: dict[str, Any] = {"id": "PL001", "check": "plugin", "function": function}
    if options is not None:
        spec["options"] = options
    with pytest.raises(ConfigErrors) as info:
        make_rules(spec)
    assert [message in p.message for p in info.value.problems] == [True]


def test_plugin_may_declare_which_files_it_cannot_hit() -> None:
    from hooks._checks.plugin import compile_plugin
    from hooks._source import SourceFile

    checker = compile_plugin({"function": "deploy_config:check_ports_agree"})
    assert checker.shape in ("file", "repo")
    assert not checker.admits(SourceFile("app/util.py", "import os\n"))
    assert checker.admits(SourceFile("main.py", "uvicorn.run(app, port=8000)\n"))
    assert checker.admits(SourceFile("Dockerfile", "EXPOSE 8000\n"))
