"""`python`: structural patterns written as Python code, matched on the stdlib syntax tree.

A pattern such as `uvicorn.run(..., reload=True)` is parsed once with `ast`; `$X` metavariables become
placeholder names, `...` stays the Ellipsis it parses to. The engine walks each file's tree once and
offers every node to the patterns registered for its type (see `node_types`).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal

from .._source import Match, RunContext, SourceFile
from . import CheckError, CheckKind, register
from .regexes import begin, compile_rule_regex

MV_PREFIX = "__MV_"
ANY_ARGS = "__ANY_ARGS__"
_MV_RX = re.compile(r"\$([A-Z_][A-Z0-9_]*)")
_DEF_ANY_ARGS_RX = re.compile(r"(\bdef\s+[\w$]+\s*)\(\s*\.\.\.\s*\)")
_LATER_ELLIPSIS_ARG_RX = re.compile(r",(\s*)\.\.\.(?=\s*[,)])")
# fields a pattern may leave out and still match code that has them (decorators, else branches...)
_OPTIONAL_FIELDS = frozenset(
    {"decorator_list", "returns", "type_comment", "type_params", "orelse", "finalbody", "name", "asname"}
)
_SKIP_FIELDS = frozenset({"ctx", "type_comment", "kind"})
_STRING_RX_PREFIX = "=~/"
_EXCEPT_RX = re.compile(r"except\b")

Env = dict[str, Any]


class PatternError(ValueError):
    pass


def _is_mv(name: object) -> bool:
    return isinstance(name, str) and name.startswith(MV_PREFIX)


def _is_ellipsis(node: object) -> bool:
    if isinstance(node, (ast.Expr, ast.Starred)):
        node = node.value
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _same(a: Any, b: Any) -> bool:
    """Structural equality of two bound values, ignoring positions and load/store context."""
    if isinstance(a, ast.AST):
        if type(a) is not type(b):
            return False
        return all(
            _same(getattr(a, f, None), getattr(b, f, None)) for f in a._fields if f not in _SKIP_FIELDS
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


class Pattern:
    """One compiled pattern: a root node (or a statement sequence) plus its literal words."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise PatternError("a pattern must be non-empty Python code")
        self.text = text
        source = _DEF_ANY_ARGS_RX.sub(lambda m: f"{m.group(1)}(*{ANY_ARGS})", text)
        source = _MV_RX.sub(lambda m: MV_PREFIX + m.group(1), source)
        # `except ...:` alone is a pattern for the clause itself, matched wherever one stands (the
        # finding is on the `except` line, not on its `try`): parsed inside a `try` of its own
        handler = _EXCEPT_RX.match(_dedent(source)) is not None
        try:
            module = _parse(source, handler)
        except SyntaxError as exc:
            # `f(..., key=True, ...)`: Python forbids a positional `...` after a keyword, but allows
            # `*...`, which the matcher reads as the same "any further arguments"
            try:
                module = _parse(_LATER_ELLIPSIS_ARG_RX.sub(r",\1*...", source), handler)
            except SyntaxError:
                raise PatternError(f"pattern is not valid Python: {exc.msg} in {text.strip()!r}") from None
        body: list[ast.stmt] = module.body
        if not body:  # only comments or blank lines (found by tests/adversarial_property_test.py)
            raise PatternError(f"pattern {text.strip()!r} has no code to match")
        self.sequence: list[ast.stmt] | None = None
        root: ast.AST
        if handler:
            try_node = body[0]
            if len(body) != 1 or not isinstance(try_node, ast.Try) or len(try_node.handlers) != 1:
                raise PatternError(f"pattern {text.strip()!r}: an except pattern is one `except` clause")
            if try_node.orelse or try_node.finalbody:
                raise PatternError(f"pattern {text.strip()!r}: an except pattern is one `except` clause")
            root = try_node.handlers[0]
        elif len(body) == 1:
            root = body[0].value if isinstance(body[0], ast.Expr) else body[0]
        else:
            self.sequence = body
            root = next((s for s in body if not _is_ellipsis(s)), body[0])
        self.root = root
        if (isinstance(root, ast.Name) and _is_mv(root.id)) or _is_ellipsis(root):
            raise PatternError(f"pattern {text.strip()!r} would match everything; anchor it on code")
        self.node_type: type[ast.AST] = type(root)
        self.literals = _literals(module) | ({"except"} if handler else set())

    def match(self, node: ast.AST, env: Env) -> Env | None:
        if self.sequence is not None:
            return None  # sequences are matched through match_sequence
        return _match(self.root, node, dict(env))

    def match_sequence(self, stmts: list[ast.stmt], start: int, env: Env) -> Env | None:
        assert self.sequence is not None
        pat = list(self.sequence) + [ast.Expr(ast.Constant(Ellipsis))]
        return _match_list(pat, stmts[start:], dict(env))


def _parse(source: str, handler: bool) -> ast.Module:
    text = _dedent(source)
    if handler:
        text = "try:\n    pass\n" + text
    with warnings.catch_warnings():  # "=~/\d+/" in a pattern is a regex, not an escape
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n") + "\n"


def _literals(module: ast.AST) -> frozenset[str]:
    """Words any matching file must contain: names, attributes, keywords and plain strings."""
    words: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Name) and not _is_mv(node.id):
            words.add(node.id)
        elif isinstance(node, ast.Attribute) and not _is_mv(node.attr):
            words.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg and not _is_mv(node.arg):
            words.add(node.arg)
        elif isinstance(node, ast.alias) and not _is_mv(node.name) and node.name != "*":
            words.add(node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not _is_mv(node.name):
            words.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not _is_mv(node.module):
            words.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if value != "..." and not value.startswith(_STRING_RX_PREFIX) and value.isprintable():
                if "\\" not in value and "'" not in value and '"' not in value:
                    words.add(value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            words.add(str(node.value))
    words.discard(ANY_ARGS)
    return frozenset(w for w in words if w)


# metavariable-regex constraints of the rule being matched, checked as soon as a variable is bound,
# so `f(..., $A, ...)` backtracks to the next argument instead of failing on the first one
_ACTIVE: tuple[dict[str, Any], SourceFile | None] = ({}, None)


def _bind(name: str, value: Any, env: Env) -> Env | None:
    key = name[len(MV_PREFIX) :]
    if key in env:
        return env if _same(env[key], value) else None
    regexes, source = _ACTIVE
    rx = regexes.get(key)
    if rx is not None:
        text = (
            str(value)
            if not isinstance(value, ast.AST)
            else (source.segment(value) if source is not None else ast.unparse(value))
        )
        if not rx.search(text):
            return None
    env[key] = value
    return env


def _match(p: Any, t: Any, env: Env) -> Env | None:  # noqa: C901 - a dispatcher, read top to bottom
    if isinstance(p, ast.AST):
        if isinstance(p, ast.Name) and _is_mv(p.id):
            return _bind(p.id, t, env) if isinstance(t, ast.expr) else None
        if isinstance(p, ast.Constant):
            if p.value is Ellipsis and isinstance(t, ast.expr):
                return env
            if isinstance(p.value, str) and isinstance(t, ast.Constant) and isinstance(t.value, str):
                if p.value == "...":
                    return env
                if p.value.startswith(_STRING_RX_PREFIX) and p.value.endswith("/"):
                    return env if re.search(p.value[3:-1], t.value) else None
            if not isinstance(t, ast.Constant):
                return None
            ok = type(p.value) is type(t.value) and p.value == t.value
            return env if ok else None
        if isinstance(p, ast.Expr) and isinstance(p.value, ast.Name) and _is_mv(p.value.id):
            return _bind(p.value.id, t, env) if isinstance(t, ast.stmt) else None
        if type(p) is not type(t):
            if isinstance(p, ast.FunctionDef) and isinstance(t, ast.AsyncFunctionDef):
                pass
            elif isinstance(p, ast.With) and isinstance(t, ast.AsyncWith):
                pass
            elif isinstance(p, ast.For) and isinstance(t, ast.AsyncFor):
                pass
            else:
                return None
        if isinstance(p, ast.arguments):
            if p.vararg is not None and p.vararg.arg == ANY_ARGS:
                return env
        if isinstance(p, ast.Call):
            return _match_call(p, t, env)
        for field in p._fields:
            if field in _SKIP_FIELDS:
                continue
            pv = getattr(p, field, None)
            tv = getattr(t, field, None)
            if field in _OPTIONAL_FIELDS and (pv is None or pv == []):
                continue
            if isinstance(pv, list):
                if not isinstance(tv, list):
                    return None
                if field == "handlers":
                    got = _match_subsequence(pv, tv, env)
                else:
                    got = _match_list(pv, tv, env)
            else:
                got = _match(pv, tv, env)
            if got is None:
                return None
            env = got
        return env
    if _is_mv(p):
        return _bind(p, t, env) if isinstance(t, str) else None
    return env if p == t else None


def _match_list(ps: list[Any], ts: list[Any], env: Env) -> Env | None:
    if not ps:
        return env if not ts else None
    head = ps[0]
    if _is_ellipsis(head):
        if len(ps) == 1:
            return env
        for i in range(len(ts) + 1):
            got = _match_list(ps[1:], ts[i:], dict(env))
            if got is not None:
                return got
        return None
    if not ts:
        return None
    got = _match(head, ts[0], dict(env))
    if got is None:
        return None
    return _match_list(ps[1:], ts[1:], got)


def _match_subsequence(ps: list[Any], ts: list[Any], env: Env) -> Env | None:
    if not ps:
        return env
    for i, t in enumerate(ts):
        got = _match(ps[0], t, dict(env))
        if got is not None:
            rest = _match_subsequence(ps[1:], ts[i + 1 :], got)
            if rest is not None:
                return rest
    return None


def _match_call(p: ast.Call, t: Any, env: Env) -> Env | None:
    if not isinstance(t, ast.Call):
        return None
    got = _match(p.func, t.func, env)
    if got is None:
        return None
    open_args = any(_is_ellipsis(a) for a in p.args)
    pos_pattern = [a for a in p.args]
    t_args = list(t.args)
    got = _match_list(pos_pattern, t_args, got)
    if got is None:
        return None
    remaining = list(t.keywords)
    for kw in p.keywords:
        for i, tk in enumerate(remaining):
            if kw.arg is None:
                if tk.arg is not None:
                    continue
            elif tk.arg is None:
                continue
            elif not _is_mv(kw.arg) and kw.arg != tk.arg:
                continue
            trial = dict(got)
            if kw.arg is not None and _is_mv(kw.arg):
                trial2 = _bind(kw.arg, tk.arg, trial)
                if trial2 is None:
                    continue
                trial = trial2
            matched = _match(kw.value, tk.value, trial)
            if matched is not None:
                got = matched
                del remaining[i]
                break
        else:
            return None
    if remaining and not open_args:
        return None
    return got


def _as_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise CheckError(key, f"'{key}' must be a pattern or a list of patterns")


def _compile_patterns(value: Any, key: str) -> list[Pattern]:
    try:
        return [Pattern(text) for text in _as_list(value, key)]
    except PatternError as exc:
        raise CheckError(key, str(exc)) from None


class PythonChecker:
    shape: ClassVar[Literal["tree"]] = "tree"
    reads_plain_text: ClassVar[bool] = False

    def check_text(self, source: SourceFile) -> Iterable[Match]:
        return ()  # never asked: reads_plain_text is False (Python only)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        if ("pattern" in fields) == ("pattern-either" in fields):
            raise CheckError(None, "give exactly one of 'pattern' and 'pattern-either'")
        key = "pattern" if "pattern" in fields else "pattern-either"
        self.positives = _compile_patterns(fields[key], key)
        if key == "pattern" and len(self.positives) != 1:
            raise CheckError("pattern", "'pattern' takes one pattern; use 'pattern-either' for several")
        self.negatives = (
            _compile_patterns(fields["pattern-not"], "pattern-not") if "pattern-not" in fields else []
        )
        self.inside = (
            _compile_patterns(fields["pattern-inside"], "pattern-inside")
            if "pattern-inside" in fields
            else []
        )
        self.not_inside = (
            _compile_patterns(fields["pattern-not-inside"], "pattern-not-inside")
            if "pattern-not-inside" in fields
            else []
        )
        for pat in self.inside + self.not_inside:
            if pat.sequence is not None:
                raise CheckError("pattern-inside", "inside-patterns must be a single statement or expression")
        self.regexes = _metavariable_regexes(fields.get("metavariable-regex"))
        self.focus = _focus(fields.get("focus"), self.positives, self.inside)
        self._regex_map = dict(self.regexes)
        self.sequences = [p for p in self.positives if p.sequence is not None]
        self.by_type: dict[type[ast.AST], list[Pattern]] = {}
        for pat in self.positives:
            if pat.sequence is None:
                for node_type in _node_types(pat.node_type):
                    self.by_type.setdefault(node_type, []).append(pat)
        types: set[type[ast.AST]] = set(self.by_type)
        if self.sequences:
            types.update(_BODY_OWNERS)
        self.node_types = tuple(types)
        # when every Call pattern names its function, the engine offers only calls of those names
        self.call_names = _call_names(self.by_type.get(ast.Call, []))
        self._literal_sets = [p.literals for p in self.positives]
        skip = fields.get("skip-scripts", False)
        if not isinstance(skip, bool):
            raise CheckError("skip-scripts", "'skip-scripts' must be true or false")
        self.skip_scripts = skip

    def admits(self, source: SourceFile) -> bool:
        for _name, rx in self.regexes:
            begin(rx, source)
        text = source.text
        if not any(all(w in text for w in words) for words in self._literal_sets):
            return False
        return not (self.skip_scripts and is_standalone_script(source))

    def match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None:
        global _ACTIVE
        _ACTIVE = (self._regex_map, source)
        try:
            return self._match_node(node, ancestors, source)
        finally:
            _ACTIVE = ({}, None)

    def _match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None:
        for pat in self.by_type.get(type(node), ()):
            for candidate in _alternatives(node):
                env = pat.match(candidate, {})
                if env is not None and self._accept(node, env, ancestors, source):
                    return self._to_match(node, env, source)
        if self.sequences:
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(node, field, None)
                if not isinstance(stmts, list) or not stmts or not isinstance(stmts[0], ast.stmt):
                    continue
                for pat in self.sequences:
                    for start in range(len(stmts)):
                        env = pat.match_sequence(stmts, start, {})
                        if env is not None and self._accept(stmts[start], env, ancestors + [node], source):
                            return self._to_match(stmts[start], env, source)
        return None

    def _accept(self, node: ast.AST, env: Env, ancestors: list[ast.AST], source: SourceFile) -> bool:
        for neg in self.negatives:
            if neg.sequence is None and neg.match(node, env) is not None:
                return False
        for inside in self.inside:
            found = None
            for anc in reversed(ancestors):
                found = inside.match(anc, env)
                if found is not None:
                    env.update(found)
                    break
            if found is None:
                return False
        for not_inside in self.not_inside:
            if any(not_inside.match(anc, env) is not None for anc in ancestors):
                return False
        for name, rx in self.regexes:
            if name not in env:
                return False
            if not rx.search(_text(env[name], source)):
                return False
        return True

    def _to_match(self, node: ast.AST, env: Env, source: SourceFile) -> Match:
        if self.focus is not None:
            bound = env.get(self.focus)
            if isinstance(bound, ast.AST) and hasattr(bound, "lineno"):
                node = bound
        line = getattr(node, "lineno", 1)
        col = source.char_col(line, getattr(node, "col_offset", 0))
        values = {name: _text(value, source) for name, value in env.items()}
        return Match(line, col, values, getattr(node, "end_lineno", None))


def _alternatives(node: ast.AST) -> list[ast.AST]:
    """`import a, b` is matched name by name, so `import $M` can bind each of them."""
    if isinstance(node, (ast.Import, ast.ImportFrom)) and len(node.names) > 1:
        out: list[ast.AST] = [node]
        for alias in node.names:
            one = (
                ast.Import(names=[alias])
                if isinstance(node, ast.Import)
                else ast.ImportFrom(module=node.module, names=[alias], level=node.level)
            )
            out.append(ast.copy_location(one, node))
        return out
    return [node]


def _call_names(patterns: list[Pattern]) -> frozenset[str] | None:
    names = set()
    for pat in patterns:
        func = getattr(pat.root, "func", None)
        if isinstance(func, ast.Attribute) and not _is_mv(func.attr):
            names.add(func.attr)
        elif isinstance(func, ast.Name) and not _is_mv(func.id):
            names.add(func.id)
        else:
            return None
    return frozenset(names)


def _text(value: Any, source: SourceFile) -> str:
    return source.segment(value) if isinstance(value, ast.AST) else str(value)


def _focus(value: Any, positives: list[Pattern], inside: list[Pattern]) -> str | None:
    """`focus: $X` (semgrep's focus-metavariable): the finding stands at the code bound to $X."""
    if value is None:
        return None
    if not isinstance(value, str) or not _MV_RX.fullmatch(value):
        raise CheckError("focus", "'focus' must name one metavariable, like $X")
    name = value[1:]
    bound_in_inside = any(_binds_code(p, name) for p in inside)
    for pat in positives:
        if not (_binds_code(pat, name) or bound_in_inside):
            raise CheckError(
                "focus",
                f"focus {value} is not bound to code by pattern {pat.text.strip()!r} "
                "(a metavariable in a name position, like def $F, has no place of its own)",
            )
    return name


def _binds_code(pattern: Pattern, name: str) -> bool:
    """Whether the pattern binds $name to an expression or a statement (which have positions)."""
    roots: list[ast.AST] = list(pattern.sequence) if pattern.sequence is not None else [pattern.root]
    target = MV_PREFIX + name
    return any(isinstance(n, ast.Name) and n.id == target for r in roots for n in ast.walk(r))


def _metavariable_regexes(value: Any) -> list[tuple[str, Any]]:
    if value is None:
        return []
    items: list[tuple[Any, Any]]
    if isinstance(value, Mapping) and "metavariable" in value:  # semgrep's own form, one variable
        items = [(value.get("metavariable"), value.get("regex"))]
    elif isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        items = [(v.get("metavariable"), v.get("regex")) for v in value]
    else:
        raise CheckError("metavariable-regex", "'metavariable-regex' must map $NAME to a regex")
    out = []
    for name, rx in items:
        if not isinstance(name, str) or not _MV_RX.fullmatch(name):
            raise CheckError("metavariable-regex", f"{name!r} is not a metavariable like $NAME")
        if not isinstance(rx, str):
            raise CheckError("metavariable-regex", f"the regex for {name} must be a string")
        try:
            out.append((name[1:], compile_rule_regex(rx, "metavariable-regex", 0)))
        except CheckError as exc:
            raise CheckError("metavariable-regex", f"{name}: {exc.message}") from None
    return out


_BODY_OWNERS: tuple[type[ast.AST], ...] = (
    ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor,
    ast.While, ast.With, ast.AsyncWith, ast.Try, ast.ExceptHandler,
) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())  # fmt: skip


def _node_types(node_type: type[ast.AST]) -> tuple[type[ast.AST], ...]:
    if node_type is ast.FunctionDef:
        return (ast.FunctionDef, ast.AsyncFunctionDef)
    if node_type is ast.With:
        return (ast.With, ast.AsyncWith)
    if node_type is ast.For:
        return (ast.For, ast.AsyncFor)
    return (node_type,)


def is_standalone_script(source: SourceFile) -> bool:
    """A file at the repository root that no tracked Python file imports and no deployment runs:
    a one-off script (`check_aws_tables.py`), not a module of the application."""
    path = source.path
    if "/" in path or not path.endswith(".py") or path == "__init__.py":
        return False
    context = source.context
    if path in context.fact(_deployed_files):
        return False
    name = path[: -len(".py")]
    return name not in context.fact(_imported_roots) if _may_be_imported(context, name) else True


def _may_be_imported(context: RunContext, name: str) -> bool:
    """Whether any other tracked Python file names `name` at all (a cheap test before parsing)."""
    for other in context.repo_files:
        if other.endswith(".py") and other != f"{name}.py":
            source = context.file(other)
            if source is not None and name in source.text:
                return True
    return False


def _imported_roots(context: RunContext) -> frozenset[str]:
    """The top-level modules the repository's Python files import (the one import reader's)."""
    from .._python.modules import imports_of

    found: set[str] = set()
    for path in context.repo_files:
        if not path.endswith(".py"):
            continue
        source = context.file(path)
        if source is None:
            continue
        for ref in imports_of(source):
            module = ref.absolute(path)
            if module:
                found.add(module.split(".")[0])
            else:
                found.update(ref.names)  # `from . import x` at the root
    return frozenset(found)


def _deployed_files(context: RunContext) -> frozenset[str]:
    """The repo files a deployment's commands run (`uvicorn main:app`, `python worker.py`)."""
    from .._deployment.commands import analyse, resolve
    from .._deployment.service import services

    found: set[str] = set()
    for service in services(context):
        for command in service.commands:
            for _line, words in command.commands():
                for ref in analyse(words).refs:
                    found.update(resolve(context, ref, command.bases))
    return frozenset(found)


register(
    CheckKind(
        name="python",
        fields=frozenset(
            {
                "pattern",
                "pattern-either",
                "pattern-not",
                "pattern-inside",
                "pattern-not-inside",
                "metavariable-regex",
                "focus",
                "skip-scripts",
            }
        ),
        required=frozenset(),
        compile=PythonChecker,
        default_files=("**/*.py", "**/*.pyi"),
    )
)
