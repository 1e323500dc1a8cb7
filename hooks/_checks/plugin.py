"""`plugin`: a named function in `hooks._plugins` for what data cannot express.

A plugin function is per file, `(source, options) -> Iterable[Match]`, unless it is marked
`@repo_wide`: then it is a repo checker, `(context, paths, options) -> Iterable[(path, Match)]`,
called once per run with the checked paths its rule applies to (see `hooks._checks`).
"""

from __future__ import annotations

import importlib
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from .._errors import unknown_key
from .._source import Match, RunContext, SourceFile
from .._yaml import LineDict
from . import Checker, CheckError, CheckKind, register
from .regexes import check_plugin_options

FileFunction = Callable[[SourceFile, Mapping[str, Any]], Iterable[Match]]
RepoFunction = Callable[[RunContext, Sequence[str], Mapping[str, Any]], Iterable[tuple[str, Match]]]


F = TypeVar("F", bound=Callable[..., Any])
PLUGIN_RX = re.compile(r"^[a-z][a-z0-9_]*:[A-Za-z][A-Za-z0-9_]*$")  # public module and function names


class Regex(str):
    """An option type: a regular expression, compiled when the rule loads."""


class Fields:
    """An option type: a mapping with these keys (each optional), each of its own type."""

    def __init__(self, **types: Any) -> None:
        self.types = types


class ListOf:
    """An option type: a list of values of a type that is not a class (`ListOf(Fields(...))`)."""

    def __init__(self, item: Any) -> None:
        self.item = item


def takes_options(**schema: Any) -> Callable[[F], F]:
    """Declare the options a plugin function takes and their types, checked when its rule loads
    (with the rule file's line), so `min_branches: many` is a configuration error, not a crash on
    the first file. Types: `bool`, `str`, `int` (a count: 0 or more), `float` (a finite number),
    `Regex`, `list[T]`, `dict[str, T]`, `A | B`, `Literal[...]`,
    `Fields(key=T, ...)`, `ListOf(T)` and `Any`.
    A function that declares nothing takes no options."""

    def declare(func: F) -> F:
        func.options_schema = dict(schema)  # type: ignore[attr-defined]
        return func

    return declare


def option_problem(value: Any, spec: Any, where: str) -> str | None:
    """Why `value` is not of the option type `spec` (None: it is); `where` names it in the message."""
    if spec is Any:
        return None
    origin = typing.get_origin(spec)
    if origin in (typing.Union, types.UnionType):
        reasons = [option_problem(value, arm, where) for arm in typing.get_args(spec)]
        return None if None in reasons else f"{where} must be {_describe(spec)}"
    if origin is Literal:
        allowed = typing.get_args(spec)
        return None if value in allowed else f"{where} must be one of {', '.join(map(repr, allowed))}"
    if origin is list or isinstance(spec, ListOf):
        if not isinstance(value, list):
            return f"{where} must be {_describe(spec)}"
        (item,) = (spec.item,) if isinstance(spec, ListOf) else typing.get_args(spec)
        for i, element in enumerate(value):
            problem = option_problem(element, item, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if origin is dict:
        if not isinstance(value, Mapping):
            return f"{where} must be {_describe(spec)}"
        _, item = typing.get_args(spec)
        for key, element in value.items():
            if not isinstance(key, str):
                return f"{where}: key {key!r} must be a string"
            problem = option_problem(element, item, f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(spec, Fields):
        if not isinstance(value, Mapping):
            return f"{where} must be a mapping with {', '.join(spec.types)}"
        for key, element in value.items():
            if key not in spec.types:
                return f"{where}: unknown key {key!r} (known: {', '.join(spec.types)})"
            problem = option_problem(element, spec.types[key], f"{where}.{key}")
            if problem:
                return problem
        return None
    if spec is Regex:
        if not isinstance(value, str):
            return f"{where} must be a regular expression string"
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:
            return f"{where}: invalid regular expression ({exc})"
        return None
    if spec is bool:
        return None if isinstance(value, bool) else f"{where} must be true or false"
    if spec is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"{where} must be a whole number, 0 or more (not {value!r})"
    if spec is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else f"{where} must be a number (not {value!r})"
    if spec is str:
        return None if isinstance(value, str) else f"{where} must be a string"
    raise TypeError(f"unknown option type {spec!r}")  # a plugin's own declaration is wrong


def _describe(spec: Any) -> str:
    origin = typing.get_origin(spec)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arm) for arm in typing.get_args(spec))
    if origin is list or isinstance(spec, ListOf):
        item = spec.item if isinstance(spec, ListOf) else typing.get_args(spec)[0]
        return f"a list of {_describe(item).removeprefix('a ')}s"
    if origin is dict:
        return f"a mapping of names to {_describe(typing.get_args(spec)[1]).removeprefix('a ')}s"
    if origin is Literal:
        return "one of " + ", ".join(map(repr, typing.get_args(spec)))
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
             Regex: "a regular expression"}  # fmt: skip
    return names.get(spec, "a mapping" if isinstance(spec, Fields) else "a value")


def repo_wide(func: RepoFunction) -> RepoFunction:
    """Declare a plugin function a repo checker: the engine calls it once per run, in the parent
    process, as `func(context, paths, options)` with the checked paths its rule applies to, and it
    yields `(path, Match)`. A finding on a path outside `paths` is dropped; one inside is treated as
    that file's own (its `# ava-safety: ignore[...]`, the baseline, coverage, scoring).

    The function's `admits(source)` and `reports_syntax_errors` attributes keep their per-file
    meaning: a file it does not admit, or a Python file that does not parse, gets none of its findings.
    """
    func.repo_wide = True  # type: ignore[attr-defined]
    return func


class _Plugin:
    needs_tree: bool  # a plugin is handed parsed Python (`source.tree`) unless it says otherwise

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.func = func
        self.options = options
        # a plugin that reads only text (`func.needs_tree = False`) also sees Python files that do
        # not parse, without taking their reporting from the engine's AS005
        self.needs_tree = bool(getattr(func, "needs_tree", True))
        # a plugin that checks syntax itself (syntax-imports) must see the files that do not parse;
        # the engine then leaves reporting them to it instead of its AS005 warning
        self.reports_syntax_errors = bool(getattr(func, "reports_syntax_errors", False))
        self._admits: Callable[[SourceFile], bool] | None = getattr(func, "admits", None)

    def admits(self, source: SourceFile) -> bool:
        # a plugin may say cheaply which files it cannot hit (`func.admits = lambda source: ...`),
        # so the engine neither parses nor walks them for it
        return self._admits is None or bool(self._admits(source))


class FilePlugin(_Plugin):
    shape: ClassVar[Literal["file"]] = "file"
    reads_text: ClassVar[bool] = True

    def __init__(self, func: FileFunction, options: dict[str, Any]) -> None:
        super().__init__(func, options)
        self.per_file = func

    def check_file(self, source: SourceFile) -> Iterable[Match]:
        return self.per_file(source, self.options)


class RepoPlugin(_Plugin):
    shape: ClassVar[Literal["repo"]] = "repo"

    def __init__(self, func: RepoFunction, options: dict[str, Any]) -> None:
        super().__init__(func, options)
        self.per_repo = func

    def check_repo(self, context: RunContext, paths: Sequence[str]) -> Iterable[tuple[str, Match]]:
        return self.per_repo(context, paths, self.options)


def _plugin_modules() -> list[str]:
    import pkgutil

    # by name, as compile_plugin loads them: the plugins are a higher layer than the check kinds
    plugins = importlib.import_module("hooks._plugins")
    return sorted(m.name for m in pkgutil.iter_modules(plugins.__path__) if not m.name.startswith("_"))


def _suggest(name: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (there are: {', '.join(known)})" if 0 < len(known) <= 12 else ""


def compile_plugin(fields: Mapping[str, Any]) -> Checker:
    spec = fields.get("function")
    if not isinstance(spec, str) or not PLUGIN_RX.match(spec):
        raise CheckError("function", "'function' must be 'module:function' in hooks._plugins")
    module_name, func_name = spec.split(":")
    try:
        module = importlib.import_module(f"hooks._plugins.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"hooks._plugins.{module_name}":  # the module exists; what it imports does not
            raise CheckError("function", f"plugin module {module_name!r} cannot load: {exc}") from None
        raise CheckError(
            "function", f"no plugin module {module_name!r}" + _suggest(module_name, _plugin_modules())
        ) from None
    except ImportError as exc:
        raise CheckError("function", f"plugin module {module_name!r} cannot load: {exc}") from None
    func = getattr(module, func_name, None)
    if not callable(func) or func_name.startswith("_"):
        public = [n for n, v in vars(module).items() if n.startswith("check_") and callable(v)]
        raise CheckError(
            "function",
            f"plugin module {module_name!r} has no function {func_name!r}" + _suggest(func_name, public),
        )
    options = fields.get("options", {})
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise CheckError("options", "'options' must be a mapping")
    schema: Mapping[str, Any] = getattr(func, "options_schema", {})
    for key, value in options.items():
        line = options.line_of(key) if isinstance(options, LineDict) else None
        if key not in schema:
            known = unknown_key(key, schema, "option") if schema else f"{spec} takes no options"
            raise CheckError("options", f"options: {known}", line=line)
        problem = option_problem(value, schema[key], f"options.{key}")
        if problem:
            raise CheckError("options", problem, line=line)
    check_plugin_options(dict(options))
    if getattr(func, "repo_wide", False) is True:
        return RepoPlugin(func, dict(options))
    return FilePlugin(func, dict(options))


register(
    CheckKind(
        name="plugin",
        fields=frozenset({"function", "options"}),
        required=frozenset({"function"}),
        compile=compile_plugin,
        default_files=("**/*.py",),
    )
)
