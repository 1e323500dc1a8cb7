"""syntax-imports: will this file start on the deployment's Python, with what production installs?

One analysis per file, shared by every SI rule (each rule filters it): syntax for the target
version, pyflakes on the tree the engine parsed, and every import resolved by the module resolver
(hooks._python.modules: the git index, the target's standard library) with its third-party imports
matched against the declared dependencies (hooks._python.deps). Repo-wide facts (target, declared
dependencies, distribution index, module index, run commands) are computed once per run.
"""

from __future__ import annotations

import ast
import codecs
import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from .._bundled import data_table
from .._checks import Match
from .._checks.plugin import takes_options
from .._deployment import commands as deploy_commands
from .._deployment.service import shipped
from .._glob import PathMatcher
from .._python import deps, modules
from .._python import target as pytarget
from .._python.syntax import newer_syntax
from .._source import RunContext, SourceFile

Version = tuple[int, int]
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
LAZY_ANNOTATIONS = (3, 14)  # annotations evaluated only when asked for (PEP 649)
PROBE_ERRORS = frozenset({"NameError"})  # a try that catches it by name expects a name to be missing
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
    kind: str  # untracked | missing | case | stdlib | third-party (modules.Unresolved's kinds)
    line: int
    col: int
    values: dict[str, str] = field(default_factory=dict)
    status: str = ""  # third-party: undeclared | dev-only | transitive (for production code)
    dev_status: str = ""  # third-party, for test/tooling code: undeclared | ok
    dev_values: dict[str, str] = field(default_factory=dict)  # the values test/tooling messages show


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
    except (RecursionError, MemoryError):  # CPython cannot compile it either
        return 1, 1, "too deeply nested to compile"
    return 1, 1, "cannot parse"  # pragma: no cover - the engine's parse failed, so this one does


# --- SI003-SI007: pyflakes ----------------------------------------------------------------------


@takes_options(messages=list[Any], claimed=list[Any], others=bool, style=bool)
def check_pyflakes(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    """pyflakes findings of the message classes `options['messages']`, or (`others: true`) of
    every class no other rule names (`options['claimed']`). A `style: true` rule (unused imports and
    variables, f-strings without placeholders: they never stop a service, and ruff does them better)
    runs only when .ava-safety.yaml says `syntax_imports: {style: true}`."""
    if source.tree is None or source.path.endswith(".pyi"):
        return []
    if options.get("style") and not getattr(source.context.config, "syntax_style", False):
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
        target = _target(source).version
        checker = _deferring_checker() if target >= LAZY_ANNOTATIONS else _checker()
        builtins = _builtins_up_to(target)
        try:
            messages = checker(source.tree, filename=source.path, builtins=builtins).messages
        except RecursionError:  # deeper than pyflakes recurses (3.13 parses what 3.12 could not)
            messages = []
        found = []
        probed: set[str] | None = None  # the node index is built only for a file with an undefined name
        strings: set[tuple[int, int]] = set()
        for msg in sorted(messages, key=lambda m: (m.lineno, m.col)):
            kind = type(msg).__name__
            if _noqa(source, msg.lineno, kind):
                continue
            if kind == "UndefinedName":
                if probed is None:
                    probed = _probed_names(source)
                    strings = {
                        (n.lineno, n.col_offset)  # type: ignore[attr-defined]
                        for n in source.nodes(ast.Constant)
                        if isinstance(n.value, str)  # type: ignore[attr-defined]
                    }
                if msg.message_args[0] in probed:
                    continue  # `try: get_ipython except NameError:` — the code expects it may be missing
                if (msg.lineno, msg.col) in strings:
                    kind = "UndefinedNameInString"  # a string annotation: fails only if evaluated
            found.append((msg, kind))
        _FLAKES[source] = found
    return found


@lru_cache(maxsize=1)
def _checker() -> Any:
    from pyflakes.checker import Checker

    return Checker


@lru_cache(maxsize=1)
def _deferring_checker() -> Any:
    """pyflakes as if every module said `from __future__ import annotations`: a target whose
    annotations are evaluated lazily (PEP 649, Python 3.14) holds no forward reference that fails.
    A name defined nowhere is still reported: pydantic and FastAPI evaluate annotations at start."""

    class Deferring(_checker()):  # type: ignore[misc]
        @property
        def annotationsFutureEnabled(self) -> bool:  # noqa: N802 - pyflakes' name
            return True

        @annotationsFutureEnabled.setter
        def annotationsFutureEnabled(self, value: bool) -> None:  # noqa: N802
            pass

    return Deferring


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
    """Names used inside a try whose handlers name NameError: a probe, expected to be missing sometimes.
    `except Exception:` is not a probe: it swallows a typo (`forcast(city)`) into a silent failure."""
    names: set[str] = set()
    for node in source.nodes(ast.Try):
        if any(_names_error(h) for h in node.handlers):  # type: ignore[attr-defined]
            for st in node.body:  # type: ignore[attr-defined]
                names.update(n.id for n in ast.walk(st) if isinstance(n, ast.Name))
    return names


def _names_error(handler: ast.ExceptHandler) -> bool:
    """`except NameError:` (alone or in a tuple); a bare `except:` or `except Exception:` is no probe."""
    return handler.type is not None and modules.catches(handler, PROBE_ERRORS)


def _guarded_spans(source: SourceFile) -> list[tuple[int, int]]:
    """Line spans that run only on some Pythons (a version check) or expect a NameError."""
    spans = []
    for node in source.nodes(ast.If):
        if modules.guard_kind(node.test) == "version":  # type: ignore[attr-defined]
            spans.append((node.lineno, node.end_lineno or node.lineno))  # type: ignore[attr-defined]
    for node in source.nodes(ast.Try):
        if any(_names_error(h) for h in node.handlers) and node.body:  # type: ignore[attr-defined]
            spans.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))  # type: ignore[attr-defined]
    return spans


def _builtins_up_to(target: Version) -> set[str]:
    table = modules.stdlib_table().get("builtins") or {}
    return {name for name, since in table.items() if modules.since(since) <= target}


def _builtins_after_target(source: SourceFile) -> list[Match]:
    """Builtins the target does not have yet (aiter on 3.9): pyflakes knows the hook's builtins."""
    target = _target(source).version
    table = modules.stdlib_table().get("builtins") or {}
    late = {name: modules.since(v) for name, v in table.items() if modules.since(v) > target}
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
            added = pytarget.version_text(late[name])
            text = f"undefined name {name!r} in Python {_target(source).text} (a builtin from {added})"
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


# --- third-party imports against the declared dependencies -----------------------------------------


def _imports_of(source: SourceFile) -> list[ImportIssue]:
    """The file's imports that fail in production, once per file for every SI rule."""
    found = _IMPORTS.get(source)
    if found is None:
        found = []
        for unresolved in modules.unresolved(source, _target(source).version):
            if unresolved.kind == "third-party":
                module = unresolved.values["module"]
                found.extend(_third_party(source, module, unresolved.line, unresolved.col))
            elif unresolved.kind == "stdlib" and unresolved.replaced_by:
                if not any(_declared_prod(source, r) for r in unresolved.replaced_by):
                    why = f"{unresolved.values['why']}; declare {unresolved.replaced_by[0]}"
                    values = {**unresolved.values, "why": why}
                    found.append(ImportIssue(unresolved.kind, unresolved.line, unresolved.col, values))
            else:
                found.append(ImportIssue(unresolved.kind, unresolved.line, unresolved.col, unresolved.values))
        _IMPORTS[source] = found
    return found


def _declared_prod(source: SourceFile, dist: str) -> bool:
    return dist in deps.view_for(source.context, source.path).prod


def _third_party(source: SourceFile, module: str, line: int, col: int) -> Iterator[ImportIssue]:
    """One third-party import against production (what the file's service installs, or every
    production declaration) and, for test and tooling code, against every declaration. Three cases:
    declared under another name (no finding), installed only through a declared package's own
    requirements (SI016, a warning), provided by nothing (SI011)."""
    context = source.context
    view = deps.view_for(context, source.path)
    everything = deps.view(context)
    index = deps.dist_index(context)
    if deps.provider(index, module, everything.project):
        return
    known = index.known(module)
    dist = known[0] if known else ""
    what = f"{dist} is not a declared dependency" if dist else "no declared dependency provides it"
    values = {"module": module, "dist": dist or deps.normalize(module.split(".")[0]), "what": what,
              "where": _where(view)}  # fmt: skip
    dev_values = {**values, "where": _where(everything)}
    anywhere = everything.dev_closure | everything.prod | everything.transitive
    dev_status = "ok" if deps.provider(index, module, anywhere) else "undeclared"
    if deps.provider(index, module, view.prod):
        return
    dev = deps.provider(index, module, everything.dev)
    if dev is not None and not deps.provider(index, module, view.transitive):
        origin = deps.declared(context).origin_of(dev, dev=True) or "a dev group"
        found = {**values, "dist": dev, "origin": origin}
        yield ImportIssue("third-party", line, col, found, "dev-only", "ok", found)
        return
    parent = deps.provider(index, module, view.transitive)
    if parent is not None:
        found = {**values, "dist": parent, "via": view.via.get(parent, "a declared package")}
        yield ImportIssue("third-party", line, col, found, "transitive", "ok", found)
        return
    yield ImportIssue("third-party", line, col, values, "undeclared", dev_status, dev_values)


def _where(view: deps.DepView) -> str:
    """Which declaration the check used, for a message: the deployment's install, or the files."""
    if view.install:
        return f"checked what {view.install}"
    return ", ".join(view.sources[:3]) if view.sources else "nothing declares dependencies"


# --- the rules over the analysis -------------------------------------------------------------------


@lru_cache(maxsize=32)
def _dev_matcher(globs: tuple[str, ...]) -> PathMatcher:
    return PathMatcher(globs)


def is_dev_path(path: str, options: Mapping[str, Any]) -> bool:
    globs = tuple(options.get("dev_paths", DEV_PATHS))
    return _dev_matcher(globs)(path)


@takes_options(
    kind=Literal["untracked", "missing", "case", "stdlib", "undeclared", "dev-only", "transitive",
                 "undeclared-dev"],
    dev_paths=list[str],
)  # fmt: skip
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
            # tests and tooling, and what the service's .dockerignore leaves out of its image (cdk/)
            dev_file = is_dev_path(source.path, options) or not shipped(source.context, source.path)
        status = issue.dev_status if dev_file else issue.status
        wanted = {"undeclared": "undeclared", "dev-only": "dev-only", "transitive": "transitive"}
        if dev_file and kind == "undeclared-dev" and status == "undeclared":
            out.append(Match(issue.line, issue.col, _values(source, **(issue.dev_values or issue.values))))
        elif not dev_file and wanted.get(kind) == status:
            out.append(Match(issue.line, issue.col, _values(source, **issue.values)))
    return out


# --- SI014: framework features that need an extra ---------------------------------------------------


@lru_cache(maxsize=1)
def _frameworks() -> dict[str, Any]:
    return data_table("frameworks.yaml")


def check_framework_extras(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    if source.tree is None or source.path.endswith(".pyi"):
        return []
    features = _frameworks().get("features") or []
    if not any(m in source.text for f in features for m in f.get("modules", [])):
        return []
    out = []
    index = deps.dist_index(source.context)
    view = deps.view_for(source.context, source.path)
    for ref in modules.imports_of(source):
        if ref.guarded or not isinstance(ref.node, ast.ImportFrom) or not ref.module:
            continue
        for feature in features:
            if ref.module not in feature.get("modules", []):
                continue
            for alias in ref.node.names:
                if alias.name not in feature.get("names", []):
                    continue
                missing = [
                    r
                    for r in feature.get("requires", [])
                    if deps.normalize(r) not in view.prod
                    and not deps.provider(index, r.replace("-", "_"), view.prod)
                ]
                if missing:
                    line, col = modules.position(source, alias)
                    values = {"name": alias.name, "module": ref.module, "dist": missing[0],
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
    view = deps.view_for(source.context, source.path)
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


# --- SI018: source CPython refuses to decode ----------------------------------------------------------

CODING_RX = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")  # PEP 263, as tokenize reads it
BLANK_OR_COMMENT_RX = re.compile(r"^[ \t\f]*(?:#.*)?$")


def check_source_encoding(source: SourceFile, options: Mapping[str, Any]) -> list[Match]:
    """SI018: a .py file whose bytes CPython cannot decode, so `import` raises SyntaxError: not
    UTF-8 and no coding declaration, a declared encoding Python does not know or that does not
    decode the file, or UTF-16/32 text (Python never reads source as UTF-16)."""
    read_as = getattr(source, "encoding", None)  # the codec the reader decoded the bytes with, if it says
    if isinstance(read_as, str) and read_as.startswith(("utf-16", "utf-32")):
        return [Match(1, 1, {"detail": f"{read_as.upper()} text; Python reads source as UTF-8"})]
    declared: tuple[int, int, str, codecs.CodecInfo] | None = None
    for number, line in enumerate(source.lines[:2], start=1):
        m = CODING_RX.match(line)
        if m is None:
            if BLANK_OR_COMMENT_RX.match(line):
                continue  # a declaration counts on line 2 only below a comment or a blank line
            break
        try:
            declared = (number, m.start(1) + 1, m.group(1), codecs.lookup(m.group(1)))
        except LookupError:
            return [Match(number, m.start(1) + 1, {"detail": f"unknown encoding {m.group(1)!r} declared"})]
        break
    if source.bad_byte is not None:
        where = _undecodable_outside_comments(source)
        if where is None:
            return []
        detail = f"not {declared[2]} as declared" if declared else "not UTF-8 and no coding declaration"
        return [Match(*where, values={"detail": detail})]
    if declared is None:
        return []
    at_line, at_col, name, codec = declared
    if codec.name == "ascii" and not source.text.isascii():
        return [Match(at_line, at_col, {"detail": f"not {name} as declared"})]
    if read_as == "utf-8" and codec.name != "utf-8":  # the bytes are UTF-8, CPython decodes them as declared
        try:
            source.text.encode("utf-8").decode(codec.name)
        except UnicodeDecodeError:
            return [Match(at_line, at_col, {"detail": f"not {name} as declared"})]
    return []


def _undecodable_outside_comments(source: SourceFile) -> tuple[int, int] | None:
    """Where the first byte that did not decode (a U+FFFD in the text) sits in a token CPython
    decodes: it skips the bytes of comments, so `# caf\xe9` imports and `'caf\xe9'` does not."""
    import io
    import tokenize

    try:
        for token in tokenize.generate_tokens(io.StringIO(source.text).readline):
            if (
                token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)
                or "\ufffd" not in token.string
            ):
                continue
            before = token.string[: token.string.index("\ufffd")]
            line = token.start[0] + before.count("\n")
            col = len(before) - before.rfind("\n") if "\n" in before else token.start[1] + len(before) + 1
            return line, col
    except (tokenize.TokenError, SyntaxError):
        return None  # SI001 reports a file that does not tokenize
    return None


# it reads text, not the tree: a file that does not decode may not parse either
check_source_encoding.needs_tree = False  # type: ignore[attr-defined]
