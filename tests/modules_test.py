"""The module/import resolver: names, import statements, the git index as first-party, the stdlib."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks import _git
from hooks._python import modules
from hooks._source import RunContext, SourceFile

from ._support import Repo

SERVICE: dict[str, str] = {
    "src/app/__init__.py": "",
    "src/app/db.py": "from . import models\nfrom .models import Farmer\nimport sqlalchemy\n",
    "src/app/models.py": "class Farmer: ...\n",
    "src/app/api/__init__.py": "",
    "src/app/api/routes.py": "from ..db import session\nfrom ...outside import x\nfrom app import db\n",
    "src/app/native.pyi": "def speed() -> int: ...\n",
    "plugins/weather/forecast.py": "import json\n",  # a namespace package: no __init__.py
    "services/worker/main.py": "import tasks\nfrom tasks import run\n",
    "services/worker/tasks.py": "def run() -> None: ...\n",
    "scripts/os.py": "",  # shadows the stdlib for scripts/
    "README.md": "# not python\n",
}


def _context(repo: Repo, files: dict[str, str], *, untracked: dict[str, str] | None = None) -> RunContext:
    repo.write(files)
    repo.add()
    repo.write(untracked or {})
    return RunContext(repo.root, frozenset(_git.tracked_files(repo.root)))


def _source(context: RunContext, path: str) -> SourceFile:
    source = context.file(path)
    assert source is not None
    return source


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "module", "package"),
    [
        ("app/config.py", "app.config", False),
        ("src/app/__init__.py", "app", True),
        ("src/app/db.py", "app.db", False),
        ("src.py", "src", False),
        ("__init__.py", "", True),
        ("main.py", "main", False),
        ("pkg/stubs.pyi", "pkg.stubs", False),
        ("pkg/__init__.pyi", "pkg", True),
        ("bin/manage", "bin.manage", False),
    ],
)
def test_module_name_of_a_path(path: str, module: str, package: bool) -> None:
    assert (modules.module_name(path), modules.is_package(path)) == (module, package)


def test_the_files_a_module_may_be() -> None:
    assert modules.module_paths("app.db") == ["app/db.py", "app/db/__init__.py"]
    assert all(modules.module_name(p) == "app.db" for p in modules.module_paths("app.db"))


@pytest.mark.parametrize(
    ("importer", "package", "level", "module", "expected"),
    [
        ("app.api.routes", False, 1, "db", "app.api.db"),
        ("app.api.routes", False, 2, "db", "app.db"),
        ("app.api", True, 1, "routes", "app.api.routes"),
        ("app.api", True, 2, None, "app"),
        ("app.db", False, 5, "x", "x"),  # above the top: what is left is the name itself
        ("", True, 1, "x", "x"),
    ],
)
def test_relative_imports_are_made_absolute(
    importer: str, package: bool, level: int, module: str | None, expected: str
) -> None:
    assert modules.resolve_relative(importer, package, level, module) == expected


# --- import statements ------------------------------------------------------------------------------

GUARDS = """\
import os, sys as system
from . import sibling
try:
    import ujson as json
except ImportError:
    import json
else:
    from ujson import dumps
try:
    probe
except NameError:
    pass
else:
    import probed
if TYPE_CHECKING:
    from typing_extensions import Self
if not TYPE_CHECKING:
    import runtime_only
else:
    import for_types
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli
if backend == "trio":
    import trio
with suppress(ModuleNotFoundError):
    import rich
def f():
    import lazy
for _ in range(1):
    import in_loop
else:
    import after_loop
match backend:
    case "x":
        import in_case
try:
    import a
except:
    pass
try:
    import b
except (errors()):
    pass
if os.name == "nt":
    import winreg
if use_orjson:
    from orjson import loads
"""


def test_every_import_with_why_it_is_guarded() -> None:
    refs = modules.imports_of(SourceFile("app/x.py", GUARDS))
    assert [(r.module, r.names, r.level, r.line, r.col, r.guard) for r in refs] == [
        ("os", (), 0, 1, 8, ""),
        ("sys", (), 0, 1, 12, ""),
        ("", ("sibling",), 1, 2, 1, ""),
        ("ujson", (), 0, 4, 12, "import-error"),
        ("json", (), 0, 6, 12, ""),
        ("ujson", ("dumps",), 0, 8, 5, "import-error"),
        ("probed", (), 0, 14, 12, "name-error"),
        ("typing_extensions", ("Self",), 0, 16, 5, "type-checking"),
        ("runtime_only", (), 0, 18, 12, ""),
        ("for_types", (), 0, 20, 12, "type-checking"),
        ("tomllib", (), 0, 22, 12, "version"),
        ("tomli", (), 0, 24, 12, "version"),
        ("trio", (), 0, 26, 12, "condition"),
        ("rich", (), 0, 28, 12, "import-error"),
        ("lazy", (), 0, 30, 12, ""),
        ("in_loop", (), 0, 32, 12, ""),
        ("after_loop", (), 0, 34, 12, ""),
        ("in_case", (), 0, 37, 16, ""),
        ("a", (), 0, 39, 12, "import-error"),
        ("b", (), 0, 43, 12, ""),
        ("winreg", (), 0, 47, 12, "version"),
        ("orjson", ("loads",), 0, 49, 5, "condition"),
    ]
    assert [r.guarded for r in refs[:4]] == [False, False, False, True]


def test_a_file_that_does_not_parse_imports_nothing() -> None:
    assert modules.imports_of(SourceFile("app/x.py", "import (\n")) == []


def test_an_import_names_its_absolute_module_from_the_importing_file() -> None:
    source = SourceFile("src/app/api/routes.py", "from ..db import session\nimport app.db\n")
    relative, absolute = modules.imports_of(source)
    assert relative.absolute(source.path) == "app.db"
    assert absolute.absolute(source.path) == "app.db"


# --- the git index as the first-party modules ------------------------------------------------------


def test_resolves_modules_to_tracked_files_from_the_importer(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    index = modules.module_index(context)
    assert index is modules.module_index(context)  # built once per run
    assert index.resolve("app.db") == "src/app/db.py"
    assert index.resolve("app") == "src/app/__init__.py"
    assert index.resolve("app.native") == "src/app/native.pyi"
    assert index.resolve("plugins.weather") == "plugins/weather/"
    assert index.resolve("app.nothing") is None
    assert index.resolve("sqlalchemy") is None
    # a service run from its own directory imports its siblings by their bare name
    assert index.resolve("tasks") is None
    assert index.resolve("tasks", "services/worker/main.py") == "services/worker/tasks.py"


def test_origin_is_first_party_stdlib_or_third_party(repo: Repo) -> None:
    index = modules.module_index(_context(repo, SERVICE))
    assert index.origin("app.nothing") == "first-party"  # tracked here, even when broken
    assert index.origin("json") == "stdlib"
    assert index.origin("sqlalchemy") == "third-party"
    assert index.origin("tasks") == "first-party"  # tracked somewhere: PYTHONPATH may point there
    assert index.origin("tasks", "services/worker/main.py") == "first-party"


def test_the_files_an_import_loads_are_the_edges_of_the_graph(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    index = modules.module_index(context)
    db = modules.imports_of(_source(context, "src/app/db.py"))
    assert [index.imported_files(r, "src/app/db.py") for r in db] == [
        ["src/app/__init__.py", "src/app/models.py"],
        ["src/app/__init__.py", "src/app/models.py"],
        [],
    ]
    routes = modules.imports_of(_source(context, "src/app/api/routes.py"))
    assert [index.imported_files(r, "src/app/api/routes.py") for r in routes] == [
        ["src/app/__init__.py", "src/app/db.py"],
        [],
        ["src/app/__init__.py", "src/app/db.py"],
    ]
    worker = modules.imports_of(_source(context, "services/worker/main.py"))
    assert [index.imported_files(r, "services/worker/main.py") for r in worker] == [
        ["services/worker/tasks.py"],
        ["services/worker/tasks.py"],
    ]


def test_names_of_the_first_party_modules(repo: Repo) -> None:
    index = modules.module_index(_context(repo, SERVICE))
    assert index.top_level == {"app", "plugins", "services", "scripts"}
    assert "app.native" in index.names and "app.native" not in index.plain_modules
    assert "app" not in index.plain_modules and "app.db" in index.plain_modules
    assert index.case_variant("src/App/db") == "src/app/db"
    assert index.case_variant("src/app/db") is None


def test_generated_modules_count_as_tracked(repo: Repo) -> None:
    pyproject = (
        '[build-system]\nrequires = ["setuptools-scm"]\n'
        '[tool.setuptools_scm]\nwrite_to = "pkg/_build_version.py"\n'
        '[tool.other]\nfiles = ["pkg/release_version.py", 3]\n'
    )
    context = _context(repo, {"pyproject.toml": pyproject, "pkg/__init__.py": ""})
    index = modules.module_index(context)
    assert index.module("pkg/_build_version") and index.module("pkg/release_version")
    assert index.module("pkg/messages_pb2")  # protobuf output is built, not committed
    assert index.file_of("pkg/_build_version") is None
    problems = modules.unresolved(
        SourceFile("pkg/a.py", "import pkg._version\nfrom ._version import v\n", context=context), (3, 11)
    )
    assert problems == []  # a version module the VCS tool writes at build time


# --- one file's imports that do not resolve ---------------------------------------------------------


def _problems(context: RunContext, path: str, text: str, target: tuple[int, int] = (3, 11)) -> list[tuple]:
    found = modules.unresolved(SourceFile(path, text, context=context), target)
    return [(u.kind, u.line, u.col, u.values, u.replaced_by) for u in found]


def test_a_module_on_disk_but_not_in_git_is_untracked(repo: Repo) -> None:
    context = _context(repo, SERVICE, untracked={"src/app/cache.py": "", "src/app/jobs/run.py": ""})
    assert _problems(context, "src/app/x.py", "from app import cache\nfrom . import jobs\n") == [
        ("untracked", 1, 17, {"module": "app.cache", "file": "src/app/cache.py"}, ()),
        ("untracked", 2, 15, {"module": ".jobs", "file": "src/app/jobs/"}, ()),
    ]
    assert _problems(context, "src/app/x.py", "from .cache import get\n") == [
        ("untracked", 1, 1, {"module": ".cache", "file": "src/app/cache.py"}, ())
    ]


def test_missing_and_case_mismatched_modules(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    assert _problems(
        context, "src/app/x.py", "from app import Models\nimport app.gone\nfrom .DB import s\n"
    ) == [
        ("missing", 2, 8, {"module": "app.gone", "file": "src/app/gone.py"}, ()),
        ("case", 3, 1, {"module": ".DB", "tracked": "src/app/db", "wanted": "src/app/DB"}, ()),
    ]
    assert _problems(context, "x.py", "import Plugins.weather\n") == [
        ("case", 1, 8, {"module": "Plugins.weather", "tracked": "plugins", "wanted": "Plugins"}, ())
    ]


def test_guarded_star_and_module_names_of_a_from_import_resolve(repo: Repo) -> None:
    context = _context(repo, SERVICE, untracked={"cache.py": ""})
    text = (
        "try:\n    import gone\nexcept ImportError:\n    gone = None\n"
        "from app import *\nfrom app import db, api\n"
    )
    assert _problems(context, "src/app/x.py", text) == []
    assert _problems(context, "src/app/x.py", "import app.api.routes\n") == []
    # a top-level module on disk next to the importer but never added; a name tracked elsewhere
    assert _problems(context, "x.py", "import cache\nimport tasks\n") == [
        ("untracked", 1, 8, {"module": "cache", "file": "cache.py"}, ())
    ]


def test_a_relative_import_above_the_repository_is_not_judged(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    assert _problems(context, "src/app/api/routes.py", "from .....far import x\n") == []


def test_a_local_module_shadowing_the_stdlib_is_the_one_imported(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    assert _problems(context, "scripts/run.py", "import os.path\n") == []


def test_stdlib_modules_and_names_the_target_lacks(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    text = "import tomllib\nimport imp\nfrom typing import override, Any\nimport json\n"
    assert _problems(context, "app.py", text, (3, 10)) == [
        ("stdlib", 1, 8, {"module": "tomllib", "why": "new in Python 3.11"}, ("tomli",)),
        (
            "stdlib",
            3,
            20,
            {"module": "typing.override", "why": "new in Python 3.12; import it from typing_extensions"},
            (),
        ),
    ]
    assert _problems(context, "app.py", "import imp\nimport distutils.core\n", (3, 12)) == [
        ("stdlib", 1, 8, {"module": "imp", "why": "removed in Python 3.12"}, ()),
        ("stdlib", 2, 8, {"module": "distutils", "why": "removed in Python 3.12"}, ("setuptools",)),
    ]


def test_third_party_imports_are_left_to_the_declared_dependencies(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    text = "import requests\nfrom fastapi import FastAPI\nfrom __future__ import annotations\n"
    assert _problems(context, "app.py", text) == [
        ("third-party", 1, 8, {"module": "requests"}, ()),
        ("third-party", 2, 1, {"module": "fastapi"}, ()),
    ]


def test_stubs_and_unparsable_files_have_no_unresolved_imports(repo: Repo) -> None:
    context = _context(repo, SERVICE)
    assert _problems(context, "app.pyi", "import requests\n") == []
    assert _problems(context, "app.py", "import (\n") == []


def test_a_file_system_error_is_not_a_module_on_disk(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a directory would be", encoding="utf-8")
    context = RunContext(tmp_path, frozenset({"blocked"}))
    long = "x" * 300  # longer than a file name may be
    text = f"import blocked.inner\nfrom blocked import inner\nimport {long}\n"
    assert _problems(context, "x.py", text) == [
        ("third-party", 1, 8, {"module": "blocked.inner"}, ()),
        ("third-party", 2, 1, {"module": "blocked"}, ()),
        ("third-party", 3, 8, {"module": long}, ()),
    ]


def test_the_stdlib_table() -> None:
    assert modules.stdlib_problem("asyncio.taskgroups", (3, 10)) == (
        "asyncio.taskgroups",
        "new in Python 3.11",
    )
    assert modules.stdlib_problem("asyncio", (3, 10)) is None
    assert modules.late_names("typing", ["override", "Any"], (3, 11)) == [("override", "3.12")]
    assert modules.late_names("json", ["dumps"], (3, 8)) == []
    assert modules.since("not a version") == (3, 0)
    assert {"json", "distutils", "asynchat"} <= modules.stdlib_modules()
