"""The repository's Python modules and imports: the one resolver every hook asks.

- Paths and modules: `module_name("src/app/db.py")` is `app.db`, a package is its `__init__`, a
  relative import is made absolute from the importing file (`resolve_relative`).
- Import statements: `imports_of(source)` lists every one of a file with its position and whether a
  failure of it is expected and handled (try/except ImportError, TYPE_CHECKING, a version check, a
  condition naming the module), so a graph or a check can skip what never breaks a start.
- The first-party modules are the files in the git index (`module_index(context)`, built once per
  run): `resolve(module, importer)` gives the tracked file a module is (or its namespace directory),
  `origin` says first-party, stdlib or third-party; imports resolve against the repository root,
  `src/`, the importing file's directory and its ancestors (a service kept in a subdirectory).
- The standard library of a target version (`stdlib_problem`, `late_names`) from
  `rules/data/stdlib.yaml` and the hook's own interpreter.
- `unresolved(source, target)`: one file's imports that do not resolve: a module on disk but not in
  git, missing, a letter-case mismatch, absent from the target's stdlib; and its third-party imports,
  for the caller to match against the declared dependencies (hooks._python.deps).
"""

from __future__ import annotations

import ast
import re
import sys
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import PurePosixPath
from typing import Any, Literal

from .._bundled import data_table
from .._source import RunContext, SourceFile
from . import deps
from .names import is_package, module_name, module_paths, resolve_relative
from .target import parse_version

Version = tuple[int, int]
Origin = Literal["first-party", "stdlib", "third-party"]
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
NAME_ERRORS = frozenset({"NameError", "Exception", "BaseException"})
VERSION_GUARDS = frozenset({"version_info", "hexversion", "platform", "python_version", "implementation"})
VERSION_NAME_RX = re.compile(r"^(PY|PYTHON|IS_PY|PYPY|IS_PYPY|WIN|IS_WIN|MACOS|LINUX)[_0-9A-Z]*$")
GENERATED_RX = re.compile(r"(_pb2|_pb2_grpc|_pb2_grpcio)$")
VCS_VERSION_TOOLS = (
    "setuptools_scm",
    "setuptools-scm",
    "hatch-vcs",
    "versioneer",
    "dynamic-versioning",
    "pdm",
)
VERSION_MODULES = frozenset({"_version", "version", "__version__", "_version_info"})
VCS_VERSION = "*vcs-version*"  # in ModuleIndex.generated: a build tool writes the version module
EXTENSION_SOURCES = (".pyi", ".pyx", ".c", ".cpp", ".rs", ".so", ".pyd")


# --- import statements -----------------------------------------------------------------------------

Guard = Literal["", "import-error", "name-error", "type-checking", "version", "condition"]
# an `if` by guard_kind of its test: the guard of its body and of its else branch
IF_GUARDS: dict[str, tuple[Guard, Guard]] = {
    "type-checking": ("type-checking", ""),
    "not-type-checking": ("", "type-checking"),
    "version": ("version", "version"),
}


@dataclass(frozen=True)
class ImportRef:
    """One imported module: each name of `import a, b`, or one `from m import x, y` statement."""

    module: str  # as written after the dots: `a.b` of `from ..a.b import c`; "" for `from . import c`
    names: tuple[str, ...]  # `from m import x, y` -> ("x", "y"); `import m` -> ()
    level: int  # leading dots; 0 for an absolute import
    line: int  # 1-based
    col: int  # 1-based, in characters
    guard: Guard = ""  # why a failure of it is expected: "" when the import must work
    node: ast.Import | ast.ImportFrom | None = field(default=None, compare=False, repr=False)
    alias: ast.alias | None = field(default=None, compare=False, repr=False)  # `import m`: its alias

    @property
    def guarded(self) -> bool:
        return bool(self.guard)

    def absolute(self, importer_path: str) -> str:
        """The module this names, relative imports resolved against the importing file."""
        if not self.level:
            return self.module
        return resolve_relative(
            module_name(importer_path), is_package(importer_path), self.level, self.module
        )


_REFS: weakref.WeakKeyDictionary[SourceFile, list[ImportRef]] = weakref.WeakKeyDictionary()


def imports_of(source: SourceFile) -> list[ImportRef]:
    """Every import of the file (from the tree the engine parsed), in statement order; [] when it
    does not parse."""
    found = _REFS.get(source)
    if found is None:
        found = [] if source.tree is None else list(_refs(source, source.tree))
        _REFS[source] = found
    return found


def _refs(source: SourceFile, tree: ast.Module) -> Iterator[ImportRef]:
    for node, guard in _statements(tree):
        line, col = position(source, node)
        if isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            yield ImportRef(node.module or "", names, node.level or 0, line, col, guard, node)
            continue
        for alias in node.names:
            line, col = position(source, alias)
            yield ImportRef(alias.name, (), 0, line, col, guard, node, alias)


def position(source: SourceFile, node: ast.AST) -> tuple[int, int]:
    """(line, 1-based character column) of a node."""
    line = getattr(node, "lineno", 1)
    return line, source.char_col(line, getattr(node, "col_offset", 0))


def _statements(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, Guard]]:
    """Every import statement with why it is guarded (try/except ImportError, TYPE_CHECKING, a
    version or platform check, a condition naming the module), so that its failure is handled.

    The guards of the enclosing statements, outermost first, are settled only for a statement that
    imports: an `if` test is read (guard_kind, its words) when something under it imports."""
    kinds: dict[int, str] = {}
    words: dict[int, str] = {}

    def settle(guards: tuple[Guard | tuple[ast.expr, bool], ...]) -> Guard:
        for found in guards:  # the outermost guard wins, as `guard or inner` did
            if isinstance(found, tuple):
                test, body = found
                kind = kinds.get(id(test))
                if kind is None:
                    kind = kinds[id(test)] = guard_kind(test)
                found = IF_GUARDS.get(kind, ("", ""))[0 if body else 1]
            if found:
                return found
        return ""

    def named(node: ast.Import | ast.ImportFrom, conds: tuple[ast.expr, ...]) -> bool:
        texts = []
        for test in conds:
            text = words.get(id(test))
            if text is None:
                text = words[id(test)] = _words(test)
            texts.append(text)
        return _named_in(node, tuple(texts))

    def visit(
        stmts: Iterable[ast.stmt],
        guards: tuple[Guard | tuple[ast.expr, bool], ...],
        conds: tuple[ast.expr, ...] = (),
    ) -> Iterator[tuple[ast.Import | ast.ImportFrom, Guard]]:
        for st in stmts:
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                yield st, settle(guards) or ("condition" if named(st, conds) else "")
            elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
                handlers = st.handlers  # type: ignore[attr-defined]
                caught = any(catches(h, IMPORT_ERRORS) for h in handlers)
                yield from visit(st.body, (*guards, "import-error" if caught else ""), conds)  # type: ignore[attr-defined]
                for handler in handlers:
                    yield from visit(handler.body, guards, conds)
                # `else:` runs only when the body worked: after a probe for the module or a name it brings
                probed = caught or any(catches(h, NAME_ERRORS) for h in handlers)
                probe: Guard = "" if not probed else "import-error" if caught else "name-error"
                yield from visit(st.orelse, (*guards, probe), conds)  # type: ignore[attr-defined]
                yield from visit(st.finalbody, guards, conds)  # type: ignore[attr-defined]
            elif isinstance(st, ast.If):
                yield from visit(st.body, (*guards, (st.test, True)), (*conds, st.test))
                yield from visit(st.orelse, (*guards, (st.test, False)), conds)
            elif isinstance(st, (ast.With, ast.AsyncWith)):
                suppress = any(_is_suppress_import_error(item.context_expr) for item in st.items)
                yield from visit(st.body, (*guards, "import-error" if suppress else ""), conds)
            elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from visit(st.body, guards, conds)
            elif isinstance(st, (ast.For, ast.AsyncFor, ast.While)):
                yield from visit(st.body, guards, conds)
                yield from visit(st.orelse, guards, conds)
            elif type(st).__name__ == "Match":
                for case in st.cases:  # type: ignore[attr-defined]
                    yield from visit(case.body, guards, conds)

    yield from visit(tree.body, ())


def catches(handler: ast.ExceptHandler, errors: frozenset[str]) -> bool:
    """Whether the handler catches any of these exception names (a bare `except:` catches all)."""
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(_last_name(k) in errors for k in kinds)


def guard_kind(test: ast.expr) -> str:
    """`type-checking`, `not-type-checking` or `version` (a version or platform test), else ""."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if isinstance(test, ast.UnaryOp) else test
    names = {_last_name(n) for n in ast.walk(inner) if isinstance(n, (ast.Name, ast.Attribute))}
    if "TYPE_CHECKING" in names:
        return "not-type-checking" if negated else "type-checking"
    if names & VERSION_GUARDS or any(VERSION_NAME_RX.match(n) for n in names if n):
        return "version"
    for node in ast.walk(inner):  # os.name == "nt"
        if isinstance(node, ast.Attribute) and node.attr == "name" and _last_name(node.value) == "os":
            return "version"
    return ""


def _words(test: ast.expr) -> str:
    """The identifiers and strings of a condition, lower-cased (`if is_running_trio():`)."""
    words = []
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append(node.value)
    return " ".join(words).lower()


def _named_in(node: ast.Import | ast.ImportFrom, conds: tuple[str, ...]) -> bool:
    """An import under a condition that names the module (`if backend == "trio": import trio`)
    runs only when that library is in use."""
    if not conds:
        return False
    if isinstance(node, ast.ImportFrom):
        tops = [(node.module or "").split(".")[0]]
    else:
        tops = [a.name.split(".")[0] for a in node.names]
    return all(len(top) >= 3 and any(top.lower() in cond for cond in conds) for top in tops)


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_suppress_import_error(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and _last_name(node.func) == "suppress"
        and any(_last_name(a) in IMPORT_ERRORS for a in node.args)
    )


# --- the standard library of a target version ------------------------------------------------------


@lru_cache(maxsize=1)
def stdlib_table() -> dict[str, Any]:
    """rules/data/stdlib.yaml: when modules, submodules, names and builtins came or went."""
    return data_table("stdlib.yaml")


def since(text: Any) -> Version:
    """A version as the table writes it (`"3.10"`)."""
    parsed = parse_version(str(text))
    return parsed if parsed is not None else (3, 0)


@lru_cache(maxsize=1)
def stdlib_modules() -> frozenset[str]:
    """Top-level names of the standard library of any Python 3 the table knows."""
    table = stdlib_table()
    names = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
    for section in ("added", "removed"):
        names |= {str(m).split(".")[0] for m in (table.get(section) or {})}
    return frozenset(names)


def stdlib_problem(module: str, target: Version) -> tuple[str, str] | None:
    """(module or submodule, why) when `module` is not in the target's standard library."""
    table = stdlib_table()
    added, removed = table.get("added") or {}, table.get("removed") or {}
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        name = ".".join(parts[:depth])
        if name in added and since(added[name]) > target:
            return name, f"new in Python {added[name]}"
        if name in removed and since(removed[name]) <= target:
            return name, f"removed in Python {removed[name]}"
    return None


def late_names(module: str, names: Iterable[str], target: Version) -> list[tuple[str, str]]:
    """(name, first version) of names `from module import ...` takes that the target lacks."""
    late = (stdlib_table().get("names") or {}).get(module)
    if not late:
        return []
    return [(n, str(late[n])) for n in names if n in late and since(late[n]) > target]


# --- the repository's modules --------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleIndex:
    """The first-party modules: the Python files in the git index, as module paths (`a/b/c`)."""

    files: frozenset[str]
    py_dirs: frozenset[str]  # directories with a .py/.pyi file somewhere below (packages, namespaces)
    lower: dict[str, str]  # lower-cased module path -> module path as tracked
    anywhere: frozenset[str]  # names of modules and packages tracked anywhere in the repo
    generated: frozenset[str]  # module paths a build step writes (setuptools-scm version files ...)

    def module(self, path: str) -> bool:
        """Is `a/b/c` an importable module or package in the index (or one the build makes)?"""
        if path in self.generated or GENERATED_RX.search(path):
            return True
        files = self.files
        if f"{path}.py" in files or f"{path}/__init__.py" in files or path in self.py_dirs:
            return True
        # a compiled extension: its stub or its source is tracked, the binary is built
        return any(f"{path}{ext}" in files for ext in EXTENSION_SOURCES)

    def case_variant(self, path: str) -> str | None:
        """The tracked module path that differs from `path` only in letter case."""
        real = self.lower.get(path.lower())
        return real if real is not None and real != path else None

    def file_of(self, path: str) -> str | None:
        """The tracked file of module path `a/b`: `a/b.py`, `a/b/__init__.py`, a stub, or `a/b/`
        for a namespace package; None for a module only a build step makes."""
        for candidate in (f"{path}.py", f"{path}/__init__.py", f"{path}.pyi", f"{path}/__init__.pyi"):
            if candidate in self.files:
                return candidate
        return f"{path}/" if path in self.py_dirs else None

    def resolve(self, module: str, importer: str | None = None) -> str | None:
        """The tracked file (or namespace directory, `a/b/`) that absolute `module` is when imported
        from the file `importer` (None: from the repository root); None when it is not first-party."""
        parts = module.split(".")
        for root in roots(importer, self) if importer is not None else ["", "src"]:
            if not self.module(join(root, parts[0])):
                continue
            if chain_resolves(self, join(root, parts[0]), parts[1:]):
                return self.file_of(join(root, "/".join(parts)))
        return None

    def origin(self, module: str, importer: str | None = None) -> Origin:
        """first-party (tracked here, even when the import is broken), stdlib, or third-party."""
        top = module.split(".")[0]
        if any(
            self.module(join(r, top))
            for r in (roots(importer, self) if importer is not None else ["", "src"])
        ):
            return "first-party"
        if top in stdlib_modules():
            return "stdlib"
        return "first-party" if top in self.anywhere else "third-party"

    def imported_files(self, ref: ImportRef, importer: str) -> list[str]:
        """The tracked files an import loads: each package on the way (`a/__init__.py`), the module,
        and the submodules a `from` import names. The edges of the import graph."""
        module = ref.absolute(importer)
        out: list[str] = []
        parts = module.split(".") if module else []
        for depth in range(1, len(parts) + 1):
            found = self.resolve(".".join(parts[:depth]), importer)
            if found is not None and not found.endswith("/"):
                out.append(found)
        for name in ref.names:
            if name != "*":
                found = self.resolve(f"{module}.{name}" if module else name, importer)
                if found is not None and not found.endswith("/"):
                    out.append(found)
        return list(dict.fromkeys(out))

    @cached_property
    def names(self) -> frozenset[str]:
        """Dotted names of every tracked Python file (`src/` looked through)."""
        return frozenset(module_name(p) for p in self.files if p.endswith((".py", ".pyi")))

    @cached_property
    def top_level(self) -> frozenset[str]:
        """First-party top-level packages and modules (`src/` layout looked through)."""
        return frozenset(name.split(".")[0] for name in self.names if name)

    @cached_property
    def plain_modules(self) -> frozenset[str]:
        """Dotted names of the repo's module files (not packages, not stubs)."""
        return frozenset(
            module_name(p) for p in self.files if p.endswith(".py") and not p.endswith("__init__.py")
        )


def module_index(context: RunContext) -> ModuleIndex:
    """The repository's modules, built once per run."""
    return context.fact(build_module_index)


def build_module_index(context: RunContext) -> ModuleIndex:
    files = context.repo_files
    py_dirs: set[str] = set()
    lower: dict[str, str] = {}
    anywhere: set[str] = set()
    for path in files:
        if not path.endswith((".py", ".pyi")):
            continue
        stem = path.rsplit(".", 1)[0]
        if stem.endswith("/__init__"):
            stem = stem[: -len("/__init__")]
        lower.setdefault(stem.lower(), stem)
        anywhere.add(stem.rsplit("/", 1)[-1])
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            directory = "/".join(parts[:depth])
            if directory not in py_dirs:
                py_dirs.add(directory)
                lower.setdefault(directory.lower(), directory)
                anywhere.add(parts[depth - 1])
    return ModuleIndex(files, frozenset(py_dirs), lower, frozenset(anywhere), _generated_modules(context))


def _generated_modules(context: RunContext) -> frozenset[str]:
    out: set[str] = set()
    for path in context.by_name.get("pyproject.toml", ()):
        doc = deps.load_toml(context, path)
        base = str(PurePosixPath(path).parent)
        tool: dict[str, Any] = doc["tool"] if isinstance(doc.get("tool"), dict) else {}
        for value in _strings_under(tool):
            if value.endswith(".py") and ("version" in value or "_version" in value):
                full = value if base == "." else f"{base}/{value}"
                out.add(full[:-3])
        requires = " ".join(str(r) for r in (doc.get("build-system") or {}).get("requires", []))
        if any(tool_name in requires or tool_name in str(tool.keys()) for tool_name in VCS_VERSION_TOOLS):
            out.add(VCS_VERSION)
    return frozenset(out)


def _strings_under(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings_under(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_under(v)


def roots(path: str, index: ModuleIndex | None = None) -> list[str]:
    """Where a module of this file may be imported from: the repo root, src/, the file's own
    directory (a script's sys.path[0]), then its other ancestors (a service kept in a subdirectory
    and run from there), each with its src/. With the index, a directory that is a regular package
    (its `__init__.py` is tracked) is no root: Python 3 imports are absolute, so `import tortoise` in
    app/models/tortoise.py is tortoise-orm, not the file itself."""
    parts = path.split("/")[:-1]
    ancestors = ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]
    found = ["", "src"]
    for directory in ancestors:
        if index is not None and f"{directory}/__init__.py" in index.files:
            continue
        found += [directory, f"{directory}/src"]
    return list(dict.fromkeys(found))


def strong_roots(path: str) -> set[str]:
    """Roots an import surely resolves against: a module found only under another ancestor may be a
    same-named directory of examples (examples/celery/) rather than the package imported."""
    own = path.rsplit("/", 1)[0] if "/" in path else ""
    return {"", "src", own, f"{own}/src" if own else "src"}


def join(root: str, module_path: str) -> str:
    return f"{root}/{module_path}" if root else module_path


def chain_resolves(index: ModuleIndex, base: str, chain: list[str]) -> bool:
    current = base
    for part in chain:
        current = join(current, part)
        if not index.module(current):
            return False
    return True


# --- one file's imports that do not resolve -------------------------------------------------------

Kind = Literal["untracked", "missing", "case", "stdlib", "third-party"]


@dataclass(frozen=True)
class Unresolved:
    """An import that is not a tracked first-party module nor in the target's standard library."""

    kind: Kind  # untracked (on disk, not in git) | missing | case | stdlib | third-party
    line: int
    col: int
    values: dict[str, str] = field(default_factory=dict)  # module, file, tracked, wanted, why
    replaced_by: tuple[str, ...] = ()  # stdlib: distributions that bring a removed module back


def unresolved(source: SourceFile, target: Version) -> list[Unresolved]:
    """The file's unguarded imports that will not resolve in production, in statement order."""
    if source.path.endswith(".pyi") or source.tree is None:
        return []
    context = source.context
    index = module_index(context)
    out: list[Unresolved] = []
    for ref in imports_of(source):
        if ref.guarded or ref.node is None:
            continue
        if ref.level:
            out.extend(_relative(source, index, ref))
        elif ref.alias is not None:
            out.extend(_absolute(source, index, ref, ref.alias, target))
        elif ref.module != "__future__":
            out.extend(_absolute(source, index, ref, ref.node, target))
    return out


def _relative(source: SourceFile, index: ModuleIndex, ref: ImportRef) -> Iterator[Unresolved]:
    parts = source.path.split("/")[:-1]
    if ref.level - 1 > len(parts):
        return  # above the repository: run from elsewhere, not ours to judge
    package = parts[: len(parts) - (ref.level - 1)]
    written = "." * ref.level + ref.module
    chain = ref.module.split(".") if ref.module else []
    resolves, problem = _check_chain(source, index, "/".join(package), chain, written, ref.line, ref.col)
    if not resolves:
        if problem is not None:
            yield problem
        return
    yield from _check_names(source, index, "/".join(package + chain), ref, written)


def _check_chain(
    source: SourceFile, index: ModuleIndex, base: str, chain: list[str], written: str, line: int, col: int
) -> tuple[bool, Unresolved | None]:
    """Each module of `chain` under the package directory `base` must be tracked: (True, None) when
    it is, else (False, what is wrong; None for a version module a build tool writes)."""
    current = base
    for part in chain:
        current = join(current, part)
        if index.module(current):
            continue
        return False, _not_tracked(source, index, current, written, line, col)
    return True, None


def _not_tracked(
    source: SourceFile, index: ModuleIndex, path: str, written: str, line: int, col: int
) -> Unresolved | None:
    name = path.rsplit("/", 1)[-1]
    if name in VERSION_MODULES and VCS_VERSION in index.generated:
        return None
    if _on_disk(source.context, path):
        return Unresolved("untracked", line, col, {"module": written, "file": _disk_name(source, path)})
    variant = index.case_variant(path)
    if variant is not None:
        return Unresolved("case", line, col, {"module": written, "tracked": variant, "wanted": path})
    return Unresolved("missing", line, col, {"module": written, "file": f"{path}.py"})


def _on_disk(context: RunContext, path: str) -> bool:
    base = context.root / path
    try:
        if base.with_name(base.name + ".py").is_file() or (base / "__init__.py").is_file():
            return True
        return base.is_dir() and any(base.glob("*.py"))
    except OSError:
        return False


def _exact_case_on_disk(source: SourceFile, path: str) -> bool:
    """Case-insensitive file systems find `Helpers.py` for `helpers`: compare the real names."""
    parent = (source.context.root / path).parent
    name = path.rsplit("/", 1)[-1]
    try:
        return any(p.name in (name, f"{name}.py") for p in parent.iterdir())
    except OSError:  # pragma: no cover - called only once _on_disk found it: a race with the disk
        return False


def _disk_name(source: SourceFile, path: str) -> str:
    base = source.context.root / path
    return f"{path}.py" if base.with_name(base.name + ".py").is_file() else f"{path}/"


def _check_names(
    source: SourceFile, index: ModuleIndex, base: str, ref: ImportRef, written: str
) -> Iterator[Unresolved]:
    """`from pkg import name`: a name that is a module on disk but not tracked fails in production."""
    assert isinstance(ref.node, ast.ImportFrom)
    for alias in ref.node.names:
        if alias.name == "*":
            continue
        path = join(base, alias.name)
        if index.module(path):
            continue
        line, col = position(source, alias)
        # only a module on disk: a name whose case differs from a submodule may be an attribute
        # defined in the package (`from fastapi import Security` beside fastapi/security/)
        if _on_disk(source.context, path) and _exact_case_on_disk(source, path):
            module = f"{written}.{alias.name}".replace("..", ".")
            yield Unresolved("untracked", line, col, {"module": module, "file": _disk_name(source, path)})


def _absolute(
    source: SourceFile, index: ModuleIndex, ref: ImportRef, node: ast.AST, target: Version
) -> Iterator[Unresolved]:
    module = ref.module
    parts = module.split(".")
    top = parts[0]
    line, col = ref.line, ref.col
    found = [r for r in roots(source.path, index) if index.module(join(r, top))]
    if found and top in stdlib_modules() and all(f"{join(r, top)}.py" in index.files for r in found):
        return  # a module shadowing the stdlib one (os.py): `os.path` is set up at import time
    if found:
        checked = [_check_chain(source, index, join(r, top), parts[1:], module, line, col) for r in found]
        resolving = [r for r, (resolves, _) in zip(found, checked, strict=True) if resolves]
        if resolving:
            if isinstance(node, ast.ImportFrom):
                yield from _check_names(source, index, join(resolving[0], "/".join(parts)), ref, module)
            return
        strong = strong_roots(source.path)
        near_problems = [problem for r, (_, problem) in zip(found, checked, strict=True) if r in strong]
        if near_problems:
            if near_problems[0] is not None:
                yield near_problems[0]
            return
        # only a same-named directory further up: not the module this import means
    if top in stdlib_modules():
        yield from _stdlib(source, ref, node, target)
        return
    near = [r for r in roots(source.path, index) if r in strong_roots(source.path)]
    for root in near:
        path = join(root, top)
        if not index.module(path) and _on_disk(source.context, path) and _exact_case_on_disk(source, path):
            yield Unresolved("untracked", line, col, {"module": top, "file": _disk_name(source, path)})
            return
    for root in near:
        variant = index.case_variant(join(root, top))
        if variant is not None:
            yield Unresolved(
                "case", line, col, {"module": module, "tracked": variant, "wanted": join(root, top)}
            )
            return
    if top in index.anywhere:
        return  # a module of this repo put on the path by its deployment (PYTHONPATH, a COPY)
    yield Unresolved("third-party", line, col, {"module": module})


def _stdlib(source: SourceFile, ref: ImportRef, node: ast.AST, target: Version) -> Iterator[Unresolved]:
    table = stdlib_table()
    problem = stdlib_problem(ref.module, target)
    if problem is not None:
        name, why = problem
        replacements = tuple(deps.normalize(d) for d in (table.get("replaced_by") or {}).get(name, []))
        yield Unresolved("stdlib", ref.line, ref.col, {"module": name, "why": why}, replacements)
        return
    if not isinstance(node, ast.ImportFrom):
        return
    backport = (table.get("backports") or {}).get(ref.module)
    hint = f"; import it from {backport}" if backport else ""
    late = dict(late_names(ref.module, ref.names, target))
    for alias in node.names:
        if alias.name in late:
            line, col = position(source, alias)
            why = f"new in Python {late[alias.name]}{hint}"
            yield Unresolved("stdlib", line, col, {"module": f"{ref.module}.{alias.name}", "why": why})


__all__ = [
    "ImportRef",
    "ModuleIndex",
    "Unresolved",
    "catches",
    "guard_kind",
    "imports_of",
    "is_package",
    "late_names",
    "module_index",
    "module_name",
    "module_paths",
    "resolve_relative",
    "stdlib_modules",
    "stdlib_problem",
    "unresolved",
]
