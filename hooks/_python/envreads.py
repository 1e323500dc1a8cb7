"""The environment variables a Python file reads, and whether it can run without them.

Shapes found: `os.environ[...]`, `os.environ.get`, `os.getenv`, `"X" in os.environ`, the same through
`from os import environ, getenv` (any alias) or `env = os.environ`; pydantic `BaseSettings` fields
(`env_prefix`, `alias`, `validation_alias`, v1 `env=`); python-decouple `config(...)`; django-environ
`env(...)`, `env.str(...)`, `env.db()`; and module-level wrapper functions that read the variable their
argument names (`def require(name): return os.environ[name]`), across files.

A read without a default is *required*. A `.get`/`getenv` whose result is only tested (`if
os.getenv("CI"):`, `os.getenv("A") or "x"`, `== "1"`), a subscript guarded by `try: ... except
KeyError` or by `if "X" in os.environ`, and a settings field with a default are optional. A
`.get`/`getenv` without a default returns None rather than failing: it is required only when the code
then fails on it (`KEY = os.getenv("KEY")` then `if not KEY: raise ...`, or, at import and unguarded,
`int(KEY)`, `KEY.split(",")`, `KEY + "/api"`: None raises there), optional when it sits under
an `if` (a feature flag, a `"X" in os.environ` test), and otherwise *may be None* (`may_be_none`).

One front end, on the stdlib `ast` tree the engine already parsed: on the standard library and the
AVA OLO repositories (281 files that read the environment) it found exactly what the libcst front
end it replaced found, 12x faster (7x counting the parse; libcst is for where concrete syntax
matters: comments, exact spans, fixes). Only files that pass a substring prefilter are walked.
Nothing here reads the process environment.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .names import is_package, module_name, resolve_relative

# The cheap test before parsing: most files never mention these words. A line that mentions `environ`
# must also look like a read (`environ[`, `environ.get`, an import, an alias, `in ...environ`).
PREFILTER_WORDS = ("getenv", "BaseSettings", "decouple")
_ENVIRON_LINE_RX = re.compile(
    r"environ\s*(?:\[|\.get\b)|^\s*(?:from|import)\b.*\benviron\b|=\s*[\w.]*\benviron\s*(?:#|$)"
    r"|\bin\s+[\w.]*\benviron\b"
)

ENVIRON = "os.environ"
GETTERS = frozenset({"os.environ.get", "os.getenv"})
DECOUPLE_CONFIG = frozenset({"decouple.config"})
DECOUPLE_FACTORIES = frozenset({"decouple.AutoConfig", "decouple.Config"})
DJANGO_ENV_FACTORIES = frozenset({"environ.Env", "environ.environ.Env"})
SETTINGS_BASES = frozenset(
    {"pydantic.BaseSettings", "pydantic.v1.BaseSettings", "pydantic_settings.BaseSettings",
     "pydantic_settings.main.BaseSettings"}
)  # fmt: skip
PYDANTIC_V1_BASES = frozenset({"pydantic.BaseSettings", "pydantic.v1.BaseSettings"})
FIELD_FUNCTIONS = frozenset({"pydantic.Field", "pydantic.fields.Field", "pydantic.v1.Field"})
# django-environ: method -> (index of the `default` positional argument, variable read when none given)
DJANGO_METHODS: dict[str, tuple[int, str | None]] = {
    "__call__": (2, None), "get_value": (2, None), "str": (1, None), "bytes": (1, None),
    "bool": (1, None), "int": (1, None), "float": (1, None), "json": (1, None), "url": (1, None),
    "path": (1, None), "list": (2, None), "tuple": (2, None), "dict": (2, None),
    "db_url": (1, "DATABASE_URL"), "db": (1, "DATABASE_URL"), "cache_url": (1, "CACHE_URL"),
    "cache": (1, "CACHE_URL"), "email_url": (1, "EMAIL_URL"), "email": (1, "EMAIL_URL"),
    "search_url": (1, "SEARCH_URL"),
}  # fmt: skip
CAUGHT_BY = frozenset({"KeyError", "LookupError", "Exception", "BaseException"})
CONDITIONAL = "?"  # in a candidate's `guarded`: it sits under an `if` (a feature flag, any test)

# An expression as the resolver reads it: ("name", id), ("attr", base, attr), ("str", text),
# ("none",), ("ellipsis",), ("call", func, args, kwargs), ("seq", items), ("dict", pairs), ("other",)
Expr = tuple[Any, ...]
OTHER: Expr = ("other",)


@dataclass(frozen=True)
class Read:
    """One read of one variable, at its 1-based line and character column."""

    name: str
    required: bool
    detail: str  # how it is read, for messages: 'os.environ["X"]', 'Settings.db_url', ...
    line: int = 0
    col: int = 0
    alternatives: tuple[str, ...] = ()  # other names that satisfy it (pydantic AliasChoices)
    case_insensitive: bool = False  # pydantic settings match names in any case
    may_be_none: bool = False  # a getter without a default whose None nothing fails on at start


@dataclass(frozen=True)
class Wrapper:
    """A module-level function that reads the variable its argument names."""

    param: str
    index: int  # positional index of that parameter
    required: bool


@dataclass(frozen=True)
class FileEnv:
    reads: list[Read]
    wrappers: dict[str, Wrapper]  # qualified function name -> wrapper, defined in this file


def might_read(text: str, wrapper_names: Iterable[str] = ()) -> bool:
    """The cheap test before any parsing: can this text read an environment variable?"""
    if any(word in text for word in PREFILTER_WORDS):
        return True
    index = text.find("environ")
    while index != -1:
        start = text.rfind("\n", 0, index) + 1
        end = text.find("\n", index)
        end = len(text) if end == -1 else end
        if _ENVIRON_LINE_RX.search(text[start:end]):
            return True
        index = text.find("environ", end)
    names = [n for n in wrapper_names if n in text]
    return bool(names) and re.search(r"\b(?:" + "|".join(map(re.escape, names)) + r")\s*\(", text) is not None


# --- facts: what the front end extracts --------------------------------------------------------------


@dataclass
class _Cand:
    kind: str  # "sub" (x[key]), "call" (f(...)), "in" ("X" in x)
    target: Expr  # subscripted value, called function, or container
    args: list[Expr]
    kwargs: dict[str, Expr]
    loc: tuple[int, int]  # ast line, UTF-8 byte offset
    tested: bool  # the value is only tested (if/while/not/and/or/compare/bool())
    guarded: frozenset[str]  # names an enclosing `if` tests, or "*" inside `try/except KeyError`
    shadow: frozenset[str]  # parameters of enclosing functions
    function: str | None  # enclosing module-level function
    store: bool = False  # assigned or deleted, not read
    assigned: str | None = None  # `NAME = <this call>`
    start: bool = False  # runs at import, unguarded: not in a function, an `if` or a catching `try`
    breaks: bool = False  # ... and its value is used where None raises there (`int(getenv(...))`)


@dataclass
class _Class:
    name: str
    bases: list[Expr]
    fields: list[tuple[str, str, Expr | None, tuple[int, int]]]  # (name, annotation kind, value, loc)
    config: dict[str, Expr]


@dataclass
class _Facts:
    imports: list[tuple[str, str, int]] = field(default_factory=list)  # (local, dotted target, level)
    assigns: dict[str, list[Expr]] = field(default_factory=dict)
    functions: dict[str, list[str]] = field(default_factory=dict)  # module-level def -> positional params
    cands: list[_Cand] = field(default_factory=list)
    classes: list[_Class] = field(default_factory=list)
    tested: set[str] = field(default_factory=set)  # names the code tests (if NAME, NAME is None, NAME or x)
    raised: set[str] = field(default_factory=set)  # names the code raises on when missing (if not X: raise)
    broken: set[str] = field(default_factory=set)  # names used where None raises, at import, unguarded


def _annotation_kind(base: str, items: list[str]) -> str:
    if base in ("ClassVar", "typing.ClassVar"):
        return "classvar"
    if base in ("Optional", "typing.Optional") or (base in ("Union", "typing.Union") and "None" in items):
        return "optional"
    return "plain"


# --- the front end: facts from the stdlib ast ------------------------------------------------------


def _ast_expr(node: ast.AST | None) -> Expr:
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if isinstance(node, ast.Attribute):
        return ("attr", _ast_expr(node.value), node.attr)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return ("str", node.value)
        if node.value is None:
            return ("none",)
        if node.value is Ellipsis:
            return ("ellipsis",)
        if isinstance(node.value, bool):
            return ("name", str(node.value))
        return OTHER
    if isinstance(node, ast.Call):
        args: list[Expr] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.append(("star",))
                break
            args.append(_ast_expr(arg))
        kwargs = {k.arg: _ast_expr(k.value) for k in node.keywords if k.arg is not None}
        return ("call", _ast_expr(node.func), args, kwargs)
    if isinstance(node, (ast.Tuple, ast.List)):
        return ("seq", [_ast_expr(e) for e in node.elts])
    if isinstance(node, ast.Dict):
        return (
            "dict",
            [
                (_ast_expr(k), _ast_expr(v))
                for k, v in zip(node.keys, node.values, strict=True)
                if k is not None
            ],
        )
    return OTHER


def _ast_annotation(node: ast.expr, classes: set[str]) -> str:
    if isinstance(node, ast.Name) and node.id in classes:
        return "model"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = (node.left, node.right)
        if any(isinstance(s, ast.Constant) and s.value is None for s in sides):
            return "optional"
    if isinstance(node, ast.Subscript):
        base = ast.unparse(node.value)
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return _annotation_kind(base, [ast.unparse(e) for e in inner])
    return "plain"


def _ast_strings(node: ast.AST) -> set[str]:
    """String literals in an expression (not the text parts of f-strings)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Constant) and isinstance(current.value, str):
            found.add(current.value)
        elif not isinstance(current, ast.JoinedStr):
            stack.extend(ast.iter_child_nodes(current))
    return found


def _ast_catches(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, (ast.Name, ast.Attribute)) and ast.unparse(t).split(".")[-1] in CAUGHT_BY
               for t in types)  # fmt: skip


class _AstCollector:
    def __init__(self) -> None:
        self.facts = _Facts()
        self._defs = 0  # enclosing function bodies: code there does not run at import

    def run(self, tree: ast.Module) -> _Facts:
        class_names = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        self._class_names = class_names
        self._visit(tree, None, frozenset(), frozenset(), None, depth=0)
        return self.facts

    def _visit(
        self,
        node: ast.AST,
        parent: ast.AST | None,
        guarded: frozenset[str],
        shadow: frozenset[str],
        function: str | None,
        depth: int,
    ) -> None:
        facts = self.facts
        kind = type(node)
        if kind is ast.Subscript:
            n: Any = node
            facts.cands.append(
                _Cand("sub", _ast_expr(n.value), [_ast_expr(n.slice)], {}, (n.lineno, n.col_offset),
                      False, guarded, shadow, function, store=not isinstance(n.ctx, ast.Load))
            )  # fmt: skip
        elif kind is ast.Call:
            n = node
            call = _ast_expr(n)
            facts.cands.append(
                _Cand("call", call[1], call[2], call[3], (n.lineno, n.col_offset), self._tested(node, parent),
                      guarded, shadow, function, assigned=_ast_target(node, parent),
                      start=self._at_start(guarded),
                      breaks=self._at_start(guarded) and _none_breaks(node, parent))
            )  # fmt: skip
        elif kind is ast.Name:
            if self._tested(node, parent):
                facts.tested.add(node.id)  # type: ignore[attr-defined]
            elif self._at_start(guarded) and _none_breaks(node, parent):
                facts.broken.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Compare:
            n = node
            if len(n.ops) == 1 and isinstance(n.ops[0], (ast.In, ast.NotIn)):
                facts.cands.append(
                    _Cand("in", _ast_expr(n.comparators[0]), [_ast_expr(n.left)], {},
                          (n.lineno, n.col_offset), True, guarded, shadow, function)
                )  # fmt: skip
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.asname:
                    facts.imports.append((alias.asname, alias.name, 0))
                else:
                    top = alias.name.split(".")[0]
                    facts.imports.append((top, top, 0))
        elif kind is ast.ImportFrom:
            n = node
            for alias in n.names:
                if alias.name != "*":
                    target = f"{n.module}.{alias.name}" if n.module else alias.name
                    facts.imports.append((alias.asname or alias.name, target, n.level or 0))
        elif kind is ast.Assign:
            n = node
            for target in n.targets:
                if isinstance(target, ast.Name):
                    facts.assigns.setdefault(target.id, []).append(_ast_expr(n.value))
        elif kind is ast.ClassDef:
            self._class(node)  # type: ignore[arg-type]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            n = node
            params = [a.arg for a in (*n.args.posonlyargs, *n.args.args)]
            every = {*params, *(a.arg for a in n.args.kwonlyargs)}
            every |= {a.arg for a in (n.args.vararg, n.args.kwarg) if a is not None}
            if depth == 0:
                facts.functions[n.name] = params
                function = n.name
            shadow = shadow | every
            depth += 1
        elif kind is ast.Lambda:
            n = node
            shadow = shadow | {a.arg for a in (*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs)}
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            self._defs += 1
            for child in ast.iter_child_nodes(node):
                self._visit(child, node, guarded, shadow, function, depth)
            self._defs -= 1
            return
        if kind is ast.ClassDef:
            depth += 1
        if kind is ast.If or kind is ast.IfExp:
            test = node.test  # type: ignore[attr-defined]
            inner = guarded | _ast_strings(test) | {CONDITIONAL}
            if kind is ast.If and _raises(node.body):  # type: ignore[attr-defined]
                facts.raised.update(_absent_names(test))
            if kind is ast.IfExp:  # in source order: `body if test else orelse`
                self._visit(node.body, node, inner, shadow, function, depth)  # type: ignore[attr-defined]
            self._visit(test, node, guarded, shadow, function, depth)
            for child in ast.iter_child_nodes(node):
                if child is not test and not (kind is ast.IfExp and child is node.body):  # type: ignore[attr-defined]
                    self._visit(child, node, inner, shadow, function, depth)
            return
        if kind is ast.BoolOp:  # `"X" in os.environ and os.environ["X"]`: later operands are guarded
            inner = guarded
            for operand in node.values:  # type: ignore[attr-defined]
                self._visit(operand, node, inner, shadow, function, depth)
                inner = inner | _ast_strings(operand)
            return
        if kind is ast.Try or kind is getattr(ast, "TryStar", None):
            t: Any = node
            inner = guarded | {"*"} if any(_ast_catches(h) for h in t.handlers) else guarded
            for stmt in t.body:
                self._visit(stmt, node, inner, shadow, function, depth)
            for child in (*t.handlers, *t.orelse, *t.finalbody):
                self._visit(child, node, guarded, shadow, function, depth)
            return
        for child in ast.iter_child_nodes(node):
            self._visit(child, node, guarded, shadow, function, depth)

    def _at_start(self, guarded: frozenset[str]) -> bool:
        """Code that runs when the module is imported, whatever the configuration: not in a function,
        not under an `if`, not in a `try` that catches."""
        return not self._defs and CONDITIONAL not in guarded and "*" not in guarded

    @staticmethod
    def _tested(node: ast.AST, parent: ast.AST | None) -> bool:
        if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            return parent.test is node
        if isinstance(parent, (ast.BoolOp, ast.Compare)):
            return True
        if isinstance(parent, ast.UnaryOp):
            return isinstance(parent.op, ast.Not)
        if isinstance(parent, ast.Call):
            return isinstance(parent.func, ast.Name) and parent.func.id == "bool" and node in parent.args
        return False

    def _class(self, node: ast.ClassDef) -> None:
        fields: list[tuple[str, str, Expr | None, tuple[int, int]]] = []
        config: dict[str, Expr] = {}
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                value = _ast_expr(stmt.value) if stmt.value is not None else None
                if name == "model_config":
                    config.update(_config_of(value))
                    continue
                kind = _ast_annotation(stmt.annotation, self._class_names)
                fields.append((name, kind, value, (stmt.target.lineno, stmt.target.col_offset)))
            elif (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                if stmt.targets[0].id == "model_config":
                    config.update(_config_of(_ast_expr(stmt.value)))
            elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign) and len(inner.targets) == 1:
                        target = inner.targets[0]
                        if isinstance(target, ast.Name):
                            config[target.id] = _ast_expr(inner.value)
        self.facts.classes.append(_Class(node.name, [_ast_expr(b) for b in node.bases], fields, config))


# Calls that raise TypeError on None: `int(os.getenv("PORT"))` stops the service at start.
NONE_BREAKING_CALLS = frozenset({
    "int", "float", "len", "Path", "PurePath", "pathlib.Path", "json.loads", "quote", "quote_plus",
    "parse.quote", "parse.quote_plus", "urllib.parse.quote", "urllib.parse.quote_plus",
})  # fmt: skip


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _none_breaks(node: ast.AST, parent: ast.AST | None) -> bool:
    """`node` (a value that may be None) is used where None raises: an attribute or an item of it
    (`.split(",")`, `[0]`), arithmetic on it (`+ "/api"`; `"%s" % it` formats None), or the argument
    of a call that refuses None (`int(...)`, `Path(...)`)."""
    if isinstance(parent, (ast.Attribute, ast.Subscript)):
        return parent.value is node
    if isinstance(parent, ast.BinOp):
        return not isinstance(parent.op, ast.Mod) or parent.left is node
    if isinstance(parent, ast.Call) and node in parent.args and len(parent.args) == 1:
        return _dotted(parent.func) in NONE_BREAKING_CALLS
    return False


def _raises(body: list[ast.stmt]) -> bool:
    """The block fails: a `raise`, or `sys.exit(...)`/`exit(...)`, among its statements."""
    for st in body:
        if isinstance(st, ast.Raise):
            return True
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            func = st.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("exit", "_exit"):
                return True
    return False


def _absent_names(test: ast.expr) -> set[str]:
    """The names a test is true for when they are missing: `not NAME`, `NAME is None`, either under `or`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return set().union(*(_absent_names(v) for v in test.values))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        return {test.operand.id}
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.Eq))
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value in (None, "")
    ):
        return {test.left.id}
    return set()


def _ast_target(node: ast.AST, parent: ast.AST | None) -> str | None:
    """The name a value is assigned to: `NAME = value`, `NAME: T = value`."""
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1:
        target = parent.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(parent, ast.AnnAssign) and parent.value is node and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _config_of(value: Expr | None) -> dict[str, Expr]:
    """`SettingsConfigDict(env_prefix=...)` or `{"env_prefix": ...}` as a mapping."""
    if value is None:
        return {}
    if value[0] == "call":
        return dict(value[3])
    if value[0] == "dict":
        return {k[1]: v for k, v in value[1] if k[0] == "str"}
    return {}


def ast_facts(tree: ast.Module) -> _Facts:
    return _AstCollector().run(tree)


# --- resolving facts into reads ------------------------------------------------------------------


class _Resolver:
    def __init__(
        self,
        facts: _Facts,
        path: str,
        wrappers: Mapping[str, Wrapper],
        position: Callable[[tuple[int, int]], tuple[int, int]],
    ) -> None:
        self.facts = facts
        self.module = module = module_name(path)
        self.wrappers = wrappers
        self.position = position
        package = is_package(path)
        self.bindings: dict[str, str] = {}
        for local, target, level in facts.imports:
            if level:
                target = resolve_relative(module, package, level, target)
            self.bindings[local] = target
        for name in facts.functions:
            self.bindings.setdefault(name, f"{module}.{name}" if module else name)
        self.instances: dict[str, tuple[str, set[str]]] = {}  # name -> (factory, schema names with defaults)
        for _ in range(2):  # `env = os.environ` then `get = env.get`: two rounds settle the chains
            for name, values in facts.assigns.items():
                for value in values:
                    self._bind(name, value)

    def _bind(self, name: str, value: Expr) -> None:
        if value[0] == "call":
            factory = self.qualify(value[1])
            if factory in DJANGO_ENV_FACTORIES:
                defaults = {k for k, v in value[3].items() if v[0] == "seq" and len(v[1]) >= 2}
                self.instances[name] = ("django", defaults)
            elif factory in DECOUPLE_FACTORIES:
                self.instances[name] = ("decouple", set())
            return
        target = self.qualify(value)
        if target is not None and name not in self.bindings and (target == ENVIRON or target in GETTERS):
            self.bindings[name] = target

    def qualify(self, expr: Expr, shadow: frozenset[str] = frozenset()) -> str | None:
        if expr[0] == "name":
            if expr[1] in shadow:
                return None
            return self.bindings.get(expr[1])
        if expr[0] == "attr":
            base = self.qualify(expr[1], shadow)
            return f"{base}.{expr[2]}" if base is not None else None
        return None

    # -- one candidate at a time ------------------------------------------------------------------

    def reads(self) -> tuple[list[Read], dict[str, Wrapper]]:
        found = [(cand, self._cand(cand)) for cand in self.facts.cands if not cand.store]
        defined: dict[str, Wrapper] = {}
        for cand, hit in found:  # this file's wrappers first: its own calls to them are reads too
            if hit is None or hit[0][0] != "name" or cand.function is None or hit[0][1] not in cand.shadow:
                continue
            params = self.facts.functions.get(cand.function, [])
            if hit[0][1] in params:
                qualified = f"{self.module}.{cand.function}" if self.module else cand.function
                defined[qualified] = Wrapper(
                    hit[0][1], params.index(hit[0][1]), self._strength(cand, hit) != "optional"
                )
        if defined:
            self.wrappers = {**self.wrappers, **defined}
            found = [(cand, self._cand(cand)) for cand in self.facts.cands if not cand.store]
        reads: list[Read] = []
        for cand, hit in found:
            if hit is None or hit[0][0] != "str" or not hit[0][1]:
                continue
            name = hit[0][1]
            strength = "optional" if name in cand.guarded else self._strength(cand, hit)
            line, col = self.position(cand.loc)
            detail = hit[2].replace("{}", repr_key(name))
            maybe = strength == "maybe"
            reads.append(Read(name, strength == "required", detail, line, col, may_be_none=maybe))
        reads.extend(self._settings())
        return reads, defined

    def _strength(self, cand: _Cand, hit: tuple[Expr, bool, str]) -> str:
        """How a read holds up. "optional": a default; a KeyError caught around a subscript; a
        getter that returns None (os.getenv, .get) whose value is only tested, itself or through the
        name it is assigned to (`DSN = os.getenv("DSN")` then `if DSN:`), or that sits under an `if`.
        "required": a read that raises when the variable is missing (decouple and django-environ
        too), or a getter whose None the code raises on (`if not KEY: raise`). "maybe": any other
        getter without a default."""
        if hit[1] or (cand.kind == "sub" and "*" in cand.guarded):
            return "optional"
        if cand.kind != "call" or not self._returns_none(cand):
            return "required"
        if cand.breaks or (cand.assigned is not None and cand.assigned in self.facts.raised):
            return "required"
        if self._broken_name(cand):
            return "required"
        if cand.tested or (cand.assigned is not None and cand.assigned in self.facts.tested):
            return "optional"
        return "optional" if CONDITIONAL in cand.guarded else "maybe"

    def _broken_name(self, cand: _Cand) -> bool:
        """`KEY = os.getenv("KEY")` at import, then `int(KEY)` there: the name is bound once and never
        tested (`KEY = KEY or "x"` or `if KEY:` may have given it a value first)."""
        name = cand.assigned
        facts = self.facts
        return (
            cand.start
            and name is not None
            and name in facts.broken
            and name not in facts.tested
            and len(facts.assigns.get(name, ())) == 1
        )

    def _returns_none(self, cand: _Cand) -> bool:
        target = self.qualify(cand.target, cand.shadow)
        return target in GETTERS

    def _cand(self, cand: _Cand) -> tuple[Expr, bool, str] | None:
        """(key expression, has a default, detail) when the candidate reads the environment."""
        if cand.kind == "sub":
            if self.qualify(cand.target, cand.shadow) == ENVIRON:
                return cand.args[0], False, "os.environ[{}]"
            return None
        if cand.kind == "in":
            if self.qualify(cand.target, cand.shadow) == ENVIRON:
                return cand.args[0], True, "{} in os.environ"
            return None
        func = cand.target
        target = self.qualify(func, cand.shadow)
        if target in GETTERS:
            return _arg(cand, 0, "key"), _has(cand, 1, "default"), f"{target}({{}})"
        if target in DECOUPLE_CONFIG:
            return _arg(cand, 0, "option"), _has(cand, 1, "default"), "config({})"
        if target is not None and target in self.wrappers:
            wrapper = self.wrappers[target]
            short = target.rpartition(".")[2]
            return _arg(cand, wrapper.index, wrapper.param), not wrapper.required, f"{short}({{}})"
        # instances: `env = environ.Env(...)`, `config = AutoConfig(...)`
        if func[0] == "name" and func[1] not in cand.shadow and func[1] in self.instances:
            kind, defaults = self.instances[func[1]]
            if kind == "decouple":
                return _arg(cand, 0, "option"), _has(cand, 1, "default"), f"{func[1]}({{}})"
            key = _arg(cand, 0, "var")
            schema = key[0] == "str" and key[1] in defaults
            return key, schema or _has(cand, 2, "default"), f"{func[1]}({{}})"
        if func[0] == "attr" and func[1][0] == "name" and func[1][1] in self.instances:
            instance = func[1][1]
            kind, defaults = self.instances[instance]
            if kind != "django" or func[1][1] in cand.shadow or func[2] not in DJANGO_METHODS:
                return None
            index, implicit = DJANGO_METHODS[func[2]]
            key = _arg(cand, 0, "var")
            if key == OTHER and implicit is not None and not cand.args and "var" not in cand.kwargs:
                key = ("str", implicit)
            schema = key[0] == "str" and key[1] in defaults
            return key, schema or _has(cand, index, "default"), f"{instance}.{func[2]}({{}})"
        return None

    def _settings(self) -> list[Read]:
        out: list[Read] = []
        settings: dict[str, tuple[str, bool, bool]] = {}  # class -> (prefix, v1, case sensitive)
        for cls in self.facts.classes:
            inherited = None
            for base in cls.bases:
                target = self.qualify(base)
                if target in SETTINGS_BASES:
                    inherited = ("", target in PYDANTIC_V1_BASES, False)
                elif base[0] == "name" and base[1] in settings:
                    inherited = settings[base[1]]
                if inherited is not None:
                    break
            if inherited is None:
                continue
            prefix, v1, case_sensitive = inherited
            own_prefix = cls.config.get("env_prefix")
            if own_prefix is not None and own_prefix[0] == "str":
                prefix = own_prefix[1]
            sensitive = cls.config.get("case_sensitive")
            if sensitive is not None:
                case_sensitive = sensitive == ("name", "True")
            settings[cls.name] = (prefix, v1, case_sensitive)
            for name, kind, value, loc in cls.fields:
                if name.startswith("_") or kind in ("classvar", "model"):
                    continue
                read = self._field(cls.name, name, kind, value, loc, prefix, v1, case_sensitive)
                if read is not None:
                    out.append(read)
        return out

    def _field(
        self,
        cls: str,
        name: str,
        kind: str,
        value: Expr | None,
        loc: tuple[int, int],
        prefix: str,
        v1: bool,
        sensitive: bool,
    ) -> Read | None:
        default = value is not None
        names: list[str] = []
        if value is not None and value[0] == "call" and self.qualify(value[1]) in FIELD_FUNCTIONS:
            args, kwargs = value[2], value[3]
            first = args[0] if args else kwargs.get("default")
            default = (first is not None and first[0] != "ellipsis") or "default_factory" in kwargs
            for key in ("validation_alias", "alias", "env"):
                alias = kwargs.get(key)
                if alias is None:
                    continue
                if alias[0] == "str":
                    names = [alias[1]]
                elif alias[0] == "seq":
                    names = [a[1] for a in alias[1] if a[0] == "str"]
                elif alias[0] == "call":  # AliasChoices("A", "B")
                    names = [a[1] for a in alias[2] if a[0] == "str"]
                if names:
                    break
        if not names:
            names = [prefix + name]
        if not sensitive:
            names = [n.upper() for n in names]
        required = not default and not (v1 and kind == "optional")
        line, col = self.position(loc)
        return Read(names[0], required, f"{cls}.{name}", line, col, tuple(names[1:]), not sensitive)


def repr_key(name: str) -> str:
    return '"' + name + '"'


def _arg(cand: _Cand, index: int, keyword: str) -> Expr:
    if keyword in cand.kwargs:
        return cand.kwargs[keyword]
    # arguments stop at the first `*args`: a later position is unknown
    if index < len(cand.args) and cand.args[index] != ("star",):
        return cand.args[index]
    return OTHER


def _has(cand: _Cand, index: int, keyword: str) -> bool:
    if keyword in cand.kwargs:
        return True
    return len(cand.args) > index or ("star",) in cand.args


# --- the entry point -----------------------------------------------------------------------------


def _char_col(text: str) -> Callable[[int, int], int]:
    """ast's UTF-8 byte offset as a 1-based character column."""
    lines = re.split(r"\r\n|\r|\n", text)  # as ast counts lines: not at form feeds, unlike splitlines()

    def convert(line: int, offset: int) -> int:
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        return (
            offset + 1 if raw.isascii() else len(raw.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1
        )

    return convert


def analyse(
    text: str,
    path: str,
    *,
    tree: ast.Module | None = None,
    wrappers: Mapping[str, Wrapper] | None = None,
    char_col: Callable[[int, int], int] | None = None,
) -> FileEnv:
    """The reads of one file, on its `tree` (parsed here when not given: then a file that does not
    parse raises SyntaxError). `char_col` turns ast's byte offsets into 1-based character columns."""
    parsed = tree if tree is not None else ast.parse(text)
    convert = char_col or _char_col(text)
    reads, defined = _Resolver(
        ast_facts(parsed), path, wrappers or {}, lambda loc: (loc[0], convert(loc[0], loc[1]))
    ).reads()
    return FileEnv(reads, defined)
