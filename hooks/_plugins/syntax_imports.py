"""syntax-imports: will this file start on the deployment's Python, with what production installs?

One analysis per file, shared by every SI rule (each rule filters it): syntax for the target
version, pyflakes on the tree the engine parsed, and every import resolved against the git index,
the standard library of the target version and the declared dependencies. Repo-wide facts (target,
declared dependencies, distribution index, module index, run commands) are computed once per run.
"""

from __future__ import annotations

import ast
import re
import sys
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from .._checks import Match
from .._deployment import commands as deploy_commands
from .._glob import PathMatcher
from .._python import deps
from .._python import target as pytarget
from .._python.syntax import newer_syntax
from .._source import RunContext, SourceFile

Version = tuple[int, int]
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
NAME_ERRORS = frozenset({"NameError", "Exception", "BaseException"})
NOQA_RX = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
FLAKE8_CODES = {
    "UnusedImport": "F401", "ImportShadowedByLoopVar": "F402", "ImportStarUsed": "F403",
    "LateFutureImport": "F404", "ImportStarUsage": "F405", "ImportStarNotPermitted": "F406",
    "FutureFeatureNotDefined": "F407", "PercentFormatInvalidFormat": "F501",
    "PercentFormatExpectedMapping": "F502", "PercentFormatExpectedSequence": "F503",
    "PercentFormatExtraNamedArguments": "F504", "PercentFormatMissingArgument": "F505",
    "PercentFormatMixedPositionalAndNamed": "F506", "PercentFormatPositionalCountMismatch": "F507",
    "PercentFormatStarRequiresSequence": "F508", "PercentFormatUnsupportedFormatCharacter": "F509",
    "StringDotFormatInvalidFormat": "F521", "StringDotFormatExtraNamedArguments": "F522",
    "StringDotFormatExtraPositionalArguments": "F523", "StringDotFormatMissingArgument": "F524",
    "StringDotFormatMixingAutomatic": "F525", "FStringMissingPlaceholders": "F541",
    "MultiValueRepeatedKeyLiteral": "F601", "MultiValueRepeatedKeyVariable": "F602",
    "TwoStarredExpressions": "F622", "AssertTuple": "F631", "IsLiteral": "F632",
    "InvalidPrintSyntax": "F633",
    "IfTuple": "F634", "BreakOutsideLoop": "F701", "ContinueOutsideLoop": "F702",
    "YieldOutsideFunction": "F704",
    "ReturnOutsideFunction": "F706", "DefaultExceptNotLast": "F707", "DoctestSyntaxError": "F721",
    "ForwardAnnotationSyntaxError": "F722", "RedefinedWhileUnused": "F811", "UndefinedName": "F821",
    "UndefinedExport": "F822", "UndefinedLocal": "F823", "DuplicateArgument": "F831",
    "UnusedVariable": "F841", "UnusedAnnotation": "F842", "RaiseNotImplemented": "F901",
}  # fmt: skip
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
DEV_PATHS = (
    "tests/**", "test/**", "testing/**", "**/tests/**", "**/test/**", "**/testing/**", "**/test_*.py",
    "**/*_test.py", "**/*_tests.py", "**/conftest.py", "docs/**", "doc/**", "**/docs/**", "examples/**",
    "example/**", "scripts/**", "tools/**", "bench/**", "benchmarks/**", "benchmark/**", "ci/**",
    ".github/**", "noxfile.py", "tasks.py", "fabfile.py", "setup.py", "**/setup.py", "docs_src/**",
)  # fmt: skip


# --- shared per-file analysis -------------------------------------------------------------------

_FLAKES: weakref.WeakKeyDictionary[SourceFile, list[Any]] = weakref.WeakKeyDictionary()
_IMPORTS: weakref.WeakKeyDictionary[SourceFile, list[ImportIssue]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ImportIssue:
    kind: str  # untracked | missing | case | stdlib | third-party
    line: int
    col: int
    values: dict[str, str] = field(default_factory=dict)
    status: str = ""  # third-party: undeclared | dev-only | transitive (for production code)
    dev_status: str = ""  # third-party, for test/tooling code: undeclared | ok


def _target(source: SourceFile) -> pytarget.Target:
    return pytarget.for_context(source.context)


def _values(source: SourceFile, **extra: str) -> dict[str, str]:
    target = _target(source)
    return {"target": target.text, "origin": target.origin, **extra}


# --- SI001 / SI002: syntax ----------------------------------------------------------------------


def check_syntax(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    """SI001: code the target Python cannot parse (or that needs a newer one)."""
    if not source.is_python:
        return []
    target, running = _target(source).version, pytarget.running()
    if source.tree is None:
        if target > running:
            return []  # SI002: this interpreter cannot judge a newer target's syntax
        line, col, msg = _syntax_error(source)
        return [Match(line, col, _values(source, detail=msg))]
    out = []
    for found in newer_syntax(source, target, running):
        need = pytarget.version_text(found.version)
        detail = f"{found.feature} need Python {need}"
        out.append(Match(found.line, found.col, _values(source, detail=detail)))
    return out


check_syntax.reports_syntax_errors = True  # type: ignore[attr-defined]


def check_newer_target(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    """SI002: the target is newer than the hook's Python, which cannot parse this file."""
    if not source.is_python or source.tree is not None:
        return []
    target, running = _target(source).version, pytarget.running()
    if target <= running:
        return []
    line, col, msg = _syntax_error(source)
    values = _values(source, detail=msg, running=pytarget.version_text(running))
    return [Match(line, col, values)]


check_newer_target.reports_syntax_errors = True  # type: ignore[attr-defined]


def _syntax_error(source: SourceFile) -> tuple[int, int, str]:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source.text, filename=source.path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = max(exc.offset or 1, 1)
        return line, col, exc.msg
    except ValueError as exc:  # NUL bytes and the like
        return 1, 1, str(exc)
    except RecursionError:  # CPython cannot compile it either
        return 1, 1, "too deeply nested to compile"
    return 1, 1, "cannot parse"  # pragma: no cover - the engine's parse failed, so this one does


# --- SI003-SI007: pyflakes ----------------------------------------------------------------------


def check_pyflakes(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    """pyflakes findings of the message classes `options['messages']`, or (`others: true`) of
    every class no other rule names (`options['claimed']`)."""
    if source.tree is None or source.path.endswith(".pyi"):
        return []
    wanted = set(_flat(options.get("messages", ())))
    claimed = set(_flat(options.get("claimed", ())))
    others = bool(options.get("others", False))
    out = []
    for msg, kind in _flakes(source):
        if kind in wanted or (others and kind not in claimed):
            text = msg.message % msg.message_args
            out.append(Match(msg.lineno, source.char_col(msg.lineno, msg.col), {"message": text}))
    if "UndefinedName" in wanted:
        out.extend(_builtins_after_target(source))
    return out


def _flat(items: Any) -> Iterator[str]:
    """A list of names, possibly of lists (YAML aliases of other rules' lists)."""
    for item in items or ():
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield str(item)


def _flakes(source: SourceFile) -> list[tuple[Any, str]]:
    """pyflakes' messages with the category each rule filters on (usually the class name)."""
    found = _FLAKES.get(source)
    if found is None:
        from pyflakes.checker import Checker

        builtins = _builtins_up_to(_target(source).version)
        checker = Checker(source.tree, filename=source.path, builtins=builtins)
        found = []
        probed = _probed_names(source)
        strings = {(n.lineno, n.col_offset) for n in source.nodes(ast.Constant) if isinstance(n.value, str)}  # type: ignore[attr-defined]
        for msg in sorted(checker.messages, key=lambda m: (m.lineno, m.col)):
            kind = type(msg).__name__
            if _noqa(source, msg.lineno, kind):
                continue
            if kind == "UndefinedName":
                if msg.message_args[0] in probed:
                    continue  # `try: get_ipython except NameError:` — the code expects it may be missing
                if (msg.lineno, msg.col) in strings:
                    kind = "UndefinedNameInString"  # a string annotation: fails only if evaluated
            found.append((msg, kind))
        _FLAKES[source] = found
    return found


def _noqa(source: SourceFile, line: int, kind: str) -> bool:
    """flake8's `# noqa` / `# noqa: F401` on the line: the team already accepted this pyflakes finding."""
    text = source.line_text(line)
    if "noqa" not in text.lower():
        return False
    m = NOQA_RX.search(text)
    if m is None:
        return False
    codes = m.group("codes")
    if not codes:
        return True
    return FLAKE8_CODES.get(kind, "F") in {c.upper() for c in re.split(r"[,\s]+", codes) if c}


def _probed_names(source: SourceFile) -> set[str]:
    """Names used inside a try whose handlers catch NameError: expected to be missing sometimes."""
    names: set[str] = set()
    for node in source.nodes(ast.Try):
        if any(_catches(h, NAME_ERRORS) for h in node.handlers):  # type: ignore[attr-defined]
            for st in node.body:  # type: ignore[attr-defined]
                names.update(n.id for n in ast.walk(st) if isinstance(n, ast.Name))
    return names


def _guarded_spans(source: SourceFile) -> list[tuple[int, int]]:
    """Line spans that run only on some Pythons (a version check) or expect a NameError."""
    spans = []
    for node in source.nodes(ast.If):
        if _guard_kind(node.test) == "version":  # type: ignore[attr-defined]
            spans.append((node.lineno, node.end_lineno or node.lineno))  # type: ignore[attr-defined]
    for node in source.nodes(ast.Try):
        if any(_catches(h, NAME_ERRORS) for h in node.handlers) and node.body:  # type: ignore[attr-defined]
            spans.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))  # type: ignore[attr-defined]
    return spans


@lru_cache(maxsize=1)
def _stdlib_table() -> dict[str, Any]:
    return deps.load_data("stdlib.yaml")


def _v(text: Any) -> Version:
    parsed = pytarget.parse_version(str(text))
    return parsed if parsed is not None else (3, 0)


def _builtins_up_to(target: Version) -> set[str]:
    table = _stdlib_table().get("builtins") or {}
    return {name for name, since in table.items() if _v(since) <= target}


def _builtins_after_target(source: SourceFile) -> list[Match]:
    """Builtins the target does not have yet (aiter on 3.9): pyflakes knows the hook's builtins."""
    target = _target(source).version
    table = _stdlib_table().get("builtins") or {}
    late = {name: _v(since) for name, since in table.items() if _v(since) > target}
    if not late or not any(name in source.text for name in late):
        return []
    bound = _bound_names(source) | _probed_names(source)
    spans = _guarded_spans(source)
    out = []
    for node in source.nodes(ast.Name):
        name = node.id  # type: ignore[attr-defined]
        if name in late and name not in bound and isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            if any(a <= node.lineno <= b for a, b in spans):  # type: ignore[attr-defined]
                continue
            since = pytarget.version_text(late[name])
            text = f"undefined name {name!r} in Python {_target(source).text} (a builtin from {since})"
            out.append(Match(node.lineno, source.char_col(node.lineno, node.col_offset), {"message": text}))  # type: ignore[attr-defined]
    return out


def _bound_names(source: SourceFile) -> set[str]:
    bound: set[str] = set()
    for node in source.nodes(ast.Name):
        if not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            bound.add(node.id)  # type: ignore[attr-defined]
    for node in source.nodes(ast.Import, ast.ImportFrom):
        for alias in node.names:  # type: ignore[attr-defined]
            bound.add((alias.asname or alias.name).split(".")[0])
    for node in source.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        bound.add(node.name)  # type: ignore[attr-defined]
    for node in source.nodes(ast.arg):
        bound.add(node.arg)  # type: ignore[attr-defined]
    return bound


# --- imports: which statements run unguarded --------------------------------------------------


def iter_imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement with whether it is guarded (try/except ImportError, TYPE_CHECKING,
    a version or platform check), so that its failure is expected and handled."""

    def visit(
        stmts: Iterable[ast.stmt], guarded: bool, conds: tuple[str, ...] = ()
    ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for st in stmts:
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                yield st, guarded or _named_in(st, conds)
            elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
                handlers = st.handlers  # type: ignore[attr-defined]
                catches = any(_catches(h, IMPORT_ERRORS) for h in handlers)
                yield from visit(st.body, guarded or catches, conds)  # type: ignore[attr-defined]
                for handler in handlers:
                    yield from visit(handler.body, guarded, conds)
                # `else:` runs only when the body worked: after a probe for the module or a name it brings
                probe = catches or any(_catches(h, NAME_ERRORS) for h in handlers)
                yield from visit(st.orelse, guarded or probe, conds)  # type: ignore[attr-defined]
                yield from visit(st.finalbody, guarded, conds)  # type: ignore[attr-defined]
            elif isinstance(st, ast.If):
                kind = _guard_kind(st.test)
                inner = (*conds, _words(st.test))
                yield from visit(st.body, guarded or kind in ("type-checking", "version"), inner)
                yield from visit(st.orelse, guarded or kind in ("not-type-checking", "version"), conds)
            elif isinstance(st, (ast.With, ast.AsyncWith)):
                suppress = any(_is_suppress_import_error(item.context_expr) for item in st.items)
                yield from visit(st.body, guarded or suppress, conds)
            elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from visit(st.body, guarded, conds)
            elif isinstance(st, (ast.For, ast.AsyncFor, ast.While)):
                yield from visit(st.body, guarded, conds)
                yield from visit(st.orelse, guarded, conds)
            elif type(st).__name__ == "Match":
                for case in st.cases:  # type: ignore[attr-defined]
                    yield from visit(case.body, guarded, conds)

    yield from visit(tree.body, False)


def _catches(handler: ast.ExceptHandler, errors: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(_last_name(k) in errors for k in kinds)


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


def _guard_kind(test: ast.expr) -> str:
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


# --- the repository's modules --------------------------------------------------------------------


@dataclass
class ModuleIndex:
    files: frozenset[str]
    py_dirs: set[str]  # directories with a .py/.pyi file somewhere below (packages, namespaces)
    lower: dict[str, str]  # lower-cased module path -> module path as tracked
    anywhere: set[str]  # names of modules and packages tracked anywhere in the repo
    generated: set[str]  # module paths a build step writes (setuptools-scm version files ...)

    def module(self, path: str) -> bool:
        """Is `a/b/c` an importable module or package in the index (or one the build makes)?"""
        if path in self.generated or GENERATED_RX.search(path):
            return True
        files = self.files
        if f"{path}.py" in files or f"{path}/__init__.py" in files or path in self.py_dirs:
            return True
        # a compiled extension: its stub or its source is tracked, the binary is built
        return any(f"{path}{ext}" in files for ext in (".pyi", ".pyx", ".c", ".cpp", ".rs", ".so", ".pyd"))

    def case_variant(self, path: str) -> str | None:
        real = self.lower.get(path.lower())
        return real if real is not None and real != path else None


def module_index(context: RunContext) -> ModuleIndex:
    result: ModuleIndex = context.cached("si:modules", lambda: _build_index(context))
    return result


def _build_index(context: RunContext) -> ModuleIndex:
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
    return ModuleIndex(files, py_dirs, lower, anywhere, _generated_modules(context))


def _generated_modules(context: RunContext) -> set[str]:
    out: set[str] = set()
    for path in (p for p in context.repo_files if p.rsplit("/", 1)[-1] == "pyproject.toml"):
        doc = deps.load_toml(context, path)
        base = str(PurePosixPath(path).parent)
        tool: dict[str, Any] = doc["tool"] if isinstance(doc.get("tool"), dict) else {}
        for value in _strings_under(tool):
            if value.endswith(".py") and ("version" in value or "_version" in value):
                full = value if base == "." else f"{base}/{value}"
                out.add(full[:-3])
        requires = " ".join(str(r) for r in (doc.get("build-system") or {}).get("requires", []))
        if any(tool_name in requires or tool_name in str(tool.keys()) for tool_name in VCS_VERSION_TOOLS):
            out.add("*vcs-version*")
    return out


def _strings_under(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings_under(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_under(v)


# --- the standard library of the target ----------------------------------------------------------


@lru_cache(maxsize=1)
def stdlib_modules() -> frozenset[str]:
    table = _stdlib_table()
    names = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
    for section in ("added", "removed"):
        names |= {str(m).split(".")[0] for m in (table.get(section) or {})}
    return frozenset(names)


def stdlib_problem(module: str, target: Version) -> tuple[str, str] | None:
    """(module or submodule, why) when `module` is not in the target's standard library."""
    table = _stdlib_table()
    added, removed = table.get("added") or {}, table.get("removed") or {}
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        name = ".".join(parts[:depth])
        if name in added and _v(added[name]) > target:
            return name, f"new in Python {added[name]}"
        if name in removed and _v(removed[name]) <= target:
            return name, f"removed in Python {removed[name]}"
    return None


# --- resolving one file's imports --------------------------------------------------------------


def _roots(path: str) -> list[str]:
    """Where a module of this file may be imported from: the repo root, src/, the file's own
    directory (a script's sys.path[0]), then its other ancestors (a service kept in a subdirectory
    and run from there), each with its src/."""
    parts = path.split("/")[:-1]
    ancestors = ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]
    roots = ["", "src"]
    for directory in ancestors:
        roots += [directory, f"{directory}/src"]
    return list(dict.fromkeys(roots))


def _strong_roots(path: str) -> set[str]:
    """Roots an import surely resolves against: a module found only under another ancestor may be a
    same-named directory of examples (examples/celery/) rather than the package imported."""
    own = path.rsplit("/", 1)[0] if "/" in path else ""
    return {"", "src", own, f"{own}/src" if own else "src"}


def _join(root: str, module_path: str) -> str:
    return f"{root}/{module_path}" if root else module_path


def _on_disk(context: RunContext, path: str) -> bool:
    base = context.root / path
    try:
        if base.with_name(base.name + ".py").is_file() or (base / "__init__.py").is_file():
            return True
        return base.is_dir() and any(base.glob("*.py"))
    except OSError:
        return False


def _imports_of(source: SourceFile) -> list[ImportIssue]:
    found = _IMPORTS.get(source)
    if found is None:
        found = list(_analyse_imports(source)) if source.tree is not None else []
        _IMPORTS[source] = found
    return found


def _analyse_imports(source: SourceFile) -> Iterator[ImportIssue]:
    if source.path.endswith(".pyi") or source.tree is None:
        return
    context = source.context
    index = module_index(context)
    for node, guarded in iter_imports(source.tree):
        if guarded:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            yield from _relative(source, index, node)
            continue
        if isinstance(node, ast.ImportFrom):
            if node.module is None or node.module == "__future__":
                continue
            yield from _absolute(source, index, node, node.module, [a.name for a in node.names])
        else:
            for alias in node.names:
                yield from _absolute(source, index, alias, alias.name, [])


def _pos(source: SourceFile, node: ast.AST) -> tuple[int, int]:
    line = getattr(node, "lineno", 1)
    return line, source.char_col(line, getattr(node, "col_offset", 0))


def _relative(source: SourceFile, index: ModuleIndex, node: ast.ImportFrom) -> Iterator[ImportIssue]:
    parts = source.path.split("/")[:-1]
    if node.level - 1 > len(parts):
        return  # above the repository: run from elsewhere, not ours to judge
    package = parts[: len(parts) - (node.level - 1)]
    written = "." * node.level + (node.module or "")
    line, col = _pos(source, node)
    chain = (node.module or "").split(".") if node.module else []
    issue = _check_chain(source, index, "/".join(package), chain, written, line, col)
    if issue is not None:
        yield issue
        return
    base = "/".join(package + chain)
    yield from _check_names(source, index, base, node, written)


def _check_chain(
    source: SourceFile, index: ModuleIndex, base: str, chain: list[str], written: str, line: int, col: int
) -> ImportIssue | None:
    """Each module of `chain` under the package directory `base` must be tracked."""
    current = base
    for part in chain:
        current = _join(current, part)
        if index.module(current):
            continue
        return _not_tracked(source, index, current, written, line, col)
    return None


def _not_tracked(
    source: SourceFile, index: ModuleIndex, path: str, written: str, line: int, col: int
) -> ImportIssue:
    name = path.rsplit("/", 1)[-1]
    if name in VERSION_MODULES and "*vcs-version*" in index.generated:
        return ImportIssue("ok", line, col)
    if _on_disk(source.context, path):
        return ImportIssue("untracked", line, col, {"module": written, "file": _disk_name(source, path)})
    variant = index.case_variant(path)
    if variant is not None:
        return ImportIssue("case", line, col, {"module": written, "tracked": variant, "wanted": path})
    return ImportIssue("missing", line, col, {"module": written, "file": f"{path}.py"})


def _exact_case_on_disk(source: SourceFile, path: str) -> bool:
    """Case-insensitive file systems find `Helpers.py` for `helpers`: compare the real names."""
    parent = (source.context.root / path).parent
    name = path.rsplit("/", 1)[-1]
    try:
        return any(p.name in (name, f"{name}.py") for p in parent.iterdir())
    except OSError:
        return False


def _disk_name(source: SourceFile, path: str) -> str:
    base = source.context.root / path
    return f"{path}.py" if base.with_name(base.name + ".py").is_file() else f"{path}/"


def _check_names(
    source: SourceFile, index: ModuleIndex, base: str, node: ast.ImportFrom, written: str
) -> Iterator[ImportIssue]:
    """`from pkg import name`: a name that is a module on disk but not tracked fails in production."""
    for alias in node.names:
        if alias.name == "*":
            continue
        path = _join(base, alias.name)
        if index.module(path):
            continue
        line, col = _pos(source, alias)
        # only a module on disk: a name whose case differs from a submodule may be an attribute
        # defined in the package (`from fastapi import Security` beside fastapi/security/)
        if _on_disk(source.context, path) and _exact_case_on_disk(source, path):
            module = f"{written}.{alias.name}".replace("..", ".")
            yield ImportIssue("untracked", line, col, {"module": module, "file": _disk_name(source, path)})


def _absolute(
    source: SourceFile, index: ModuleIndex, node: ast.AST, module: str, names: list[str]
) -> Iterator[ImportIssue]:
    parts = module.split(".")
    top = parts[0]
    line, col = _pos(source, node)
    roots = [r for r in _roots(source.path) if index.module(_join(r, top))]
    if roots and top in stdlib_modules() and all(f"{_join(r, top)}.py" in index.files for r in roots):
        return  # a module shadowing the stdlib one (os.py): `os.path` is set up at import time
    if roots:
        issues = [_check_chain(source, index, _join(r, top), parts[1:], module, line, col) for r in roots]
        if any(i is None for i in issues):
            if isinstance(node, ast.ImportFrom):
                ok_root = roots[issues.index(None)]
                yield from _check_names(source, index, _join(ok_root, "/".join(parts)), node, module)
            return
        strong = _strong_roots(source.path)
        first = next((i for r, i in zip(roots, issues, strict=True) if r in strong and i is not None), None)
        if first is not None:
            if first.kind != "ok":
                yield first
            return
        # only a same-named directory further up: not the module this import means
    if top in stdlib_modules():
        yield from _stdlib(source, node, module, names, line, col)
        return
    near = [r for r in _roots(source.path) if r in _strong_roots(source.path)]
    for root in near:
        path = _join(root, top)
        if not index.module(path) and _on_disk(source.context, path) and _exact_case_on_disk(source, path):
            yield ImportIssue("untracked", line, col, {"module": top, "file": _disk_name(source, path)})
            return
    for root in near:
        variant = index.case_variant(_join(root, top))
        if variant is not None:
            yield ImportIssue(
                "case", line, col, {"module": module, "tracked": variant, "wanted": _join(root, top)}
            )
            return
    if top in index.anywhere:
        return  # a module of this repo put on the path by its deployment (PYTHONPATH, a COPY)
    yield from _third_party(source, module, line, col)


def _stdlib(
    source: SourceFile, node: ast.AST, module: str, names: list[str], line: int, col: int
) -> Iterator[ImportIssue]:
    target = _target(source).version
    table = _stdlib_table()
    problem = stdlib_problem(module, target)
    if problem is not None:
        name, why = problem
        replacements = [deps.normalize(d) for d in (table.get("replaced_by") or {}).get(name, [])]
        if not any(_declared_prod(source, r) for r in replacements):
            hint = f"; declare {replacements[0]}" if replacements else ""
            yield ImportIssue("stdlib", line, col, {"module": name, "why": why + hint})
        return
    late = (table.get("names") or {}).get(module)
    if not late or not isinstance(node, ast.ImportFrom):
        return
    backport = (table.get("backports") or {}).get(module)
    for alias in node.names:
        since = late.get(alias.name)
        if since is not None and _v(since) > target:
            a_line, a_col = _pos(source, alias)
            hint = f"; import it from {backport}" if backport else ""
            yield ImportIssue(
                "stdlib",
                a_line,
                a_col,
                {"module": f"{module}.{alias.name}", "why": f"new in Python {since}{hint}"},
            )


# --- third-party imports against the declared dependencies -----------------------------------------


@dataclass
class DepView:
    """The declared dependencies, resolved once per run for quick questions."""

    prod: set[str]
    dev: set[str]
    transitive: set[str]
    project: set[str]
    sources: list[str]
    dev_closure: set[str] = field(default_factory=set)  # dev dependencies and what they install


def dep_view(context: RunContext) -> DepView:
    result: DepView = context.cached("si:deps", lambda: _build_dep_view(context))
    return result


def _build_dep_view(context: RunContext) -> DepView:
    declared = deps.declared(context)
    index = deps.dist_index(context)
    prod = declared.names(dev=False)
    for name in list(prod):
        for extra in declared.extras_of(name):
            prod |= index.extra_requirements(name, extra)
    dev = declared.names(dev=True)
    transitive: set[str] = set()
    frontier = set(prod)
    for _ in range(4):
        nxt: set[str] = set()
        for name in frontier:
            nxt |= index.requirements_of(name)
        nxt -= prod | transitive
        if not nxt:
            break
        transitive |= nxt
        frontier = nxt
    dev_closure = set(dev)
    frontier = set(dev)
    for _ in range(4):
        nxt = set()
        for name in frontier:
            nxt |= index.requirements_of(name)
        nxt -= dev_closure
        if not nxt:
            break
        dev_closure |= nxt
        frontier = nxt
    sources = sorted(declared.sources, key=lambda p: (p.count("/"), p))
    return DepView(prod, dev, transitive, declared.project_names, sources, dev_closure)


def _matches(index: deps.DistIndex, module: str, names: set[str]) -> str | None:
    """The declared distribution (of `names`) that provides `module`, if any."""
    for candidate in index.candidates(module):
        if candidate in names:
            return candidate
    for name in names:
        if index.provides(name, module):
            return name
    return None


def _declared_prod(source: SourceFile, dist: str) -> bool:
    return dist in dep_view(source.context).prod


def _third_party(source: SourceFile, module: str, line: int, col: int) -> Iterator[ImportIssue]:
    context = source.context
    view = dep_view(context)
    index = deps.dist_index(context)
    if _matches(index, module, view.project):
        return
    dist = index.candidates(module)[0]
    where = ", ".join(view.sources[:3]) if view.sources else "nothing declares dependencies"
    values = {"module": module, "dist": dist, "where": where}
    if _matches(index, module, view.prod):
        return
    dev = _matches(index, module, view.dev)
    if dev is not None:
        origin = deps.declared(context).origin_of(dev, dev=True) or "a dev group"
        yield ImportIssue(
            "third-party", line, col, {**values, "dist": dev, "origin": origin}, "dev-only", "ok"
        )
        return
    parent = _matches(index, module, view.transitive)
    if parent is not None:
        yield ImportIssue("third-party", line, col, {**values, "dist": parent}, "transitive", "ok")
        return
    dev_status = "ok" if _matches(index, module, view.dev_closure) else "undeclared"
    yield ImportIssue("third-party", line, col, values, "undeclared", dev_status)


# --- the rules over the analysis -------------------------------------------------------------------


@lru_cache(maxsize=32)
def _dev_matcher(globs: tuple[str, ...]) -> PathMatcher:
    return PathMatcher(globs)


def is_dev_path(path: str, options: Mapping[str, Any]) -> bool:
    globs = tuple(options.get("dev_paths", DEV_PATHS))
    return _dev_matcher(globs)(path)


def check_imports(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    """Import problems of one kind (`options['kind']`): untracked, missing, case, stdlib, or for
    third-party imports undeclared, dev-only, transitive, undeclared-dev."""
    kind = options.get("kind", "")
    out = []
    dev_file: bool | None = None
    for issue in _imports_of(source):
        if issue.kind in ("untracked", "missing", "case", "stdlib"):
            if issue.kind == kind:
                out.append(Match(issue.line, issue.col, _values(source, **issue.values)))
            continue
        if issue.kind != "third-party":
            continue
        if dev_file is None:
            dev_file = is_dev_path(source.path, options)
        status = issue.dev_status if dev_file else issue.status
        wanted = {"undeclared": "undeclared", "dev-only": "dev-only", "transitive": "transitive"}
        if dev_file and kind == "undeclared-dev" and status == "undeclared":
            out.append(Match(issue.line, issue.col, _values(source, **issue.values)))
        elif not dev_file and wanted.get(kind) == status:
            out.append(Match(issue.line, issue.col, _values(source, **issue.values)))
    return out


# --- SI014: framework features that need an extra ---------------------------------------------------


@lru_cache(maxsize=1)
def _frameworks() -> dict[str, Any]:
    return deps.load_data("frameworks.yaml")


def check_framework_extras(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    if source.tree is None or source.path.endswith(".pyi"):
        return []
    features = _frameworks().get("features") or []
    if not any(m in source.text for f in features for m in f.get("modules", [])):
        return []
    out = []
    index = deps.dist_index(source.context)
    view = dep_view(source.context)
    for node, guarded in iter_imports(source.tree):
        if guarded or not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        for feature in features:
            if node.module not in feature.get("modules", []):
                continue
            for alias in node.names:
                if alias.name not in feature.get("names", []):
                    continue
                missing = [
                    r
                    for r in feature.get("requires", [])
                    if deps.normalize(r) not in view.prod
                    and not _matches(index, r.replace("-", "_"), view.prod)
                ]
                if missing:
                    line, col = _pos(source, alias)
                    values = {"name": alias.name, "module": node.module, "dist": missing[0],
                              "why": str(feature.get("why", ""))}  # fmt: skip
                    out.append(Match(line, col, _values(source, **values)))
    return out


# --- SI015: the run command starts a server that is not declared ----------------------------------


def check_run_command(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    if source.tree is None:
        return []
    commands = [c for c in run_commands(source.context) if c.app_file == source.path]
    if not commands:
        return []
    view = dep_view(source.context)
    missing: dict[str, list[deploy_commands.Started]] = {}
    for command in commands:
        if deps.normalize(command.dist) not in view.prod:
            missing.setdefault(command.dist, []).append(command)
    out = []
    for dist, started in missing.items():
        line = _definition_line(source, started[0].attr)
        where = ", ".join(dict.fromkeys(c.where for c in started))
        values = {"program": started[0].program, "dist": dist, "where": where}
        out.append(Match(line, 1, _values(source, **values)))
    return out


def _definition_line(source: SourceFile, attr: str) -> int:
    name = attr.split("(")[0]
    for st in source.tree.body if source.tree is not None else []:
        targets: list[ast.expr] = []
        if isinstance(st, ast.Assign):
            targets = list(st.targets)
        elif isinstance(st, ast.AnnAssign):
            targets = [st.target]
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == name:
            return st.lineno
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return st.lineno
    return 1


def run_commands(context: RunContext) -> list[deploy_commands.Started]:
    return deploy_commands.started(context)
