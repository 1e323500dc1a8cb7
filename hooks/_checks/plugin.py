"""`plugin`: a named function in `hooks._plugins` for what data cannot express.

A plugin function is per file, `(source, options) -> Iterable[Match]`, unless it is marked
`@repo_wide`: then it is a repo checker, `(context, paths, options) -> Iterable[(path, Match)]`,
called once per run with the checked paths its rule applies to (see `hooks._checks`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from .._source import Match, RunContext, SourceFile
from . import Checker, CheckError, CheckKind, register
from .regexes import check_plugin_options

FileFunction = Callable[[SourceFile, Mapping[str, Any]], Iterable[Match]]
RepoFunction = Callable[[RunContext, Sequence[str], Mapping[str, Any]], Iterable[tuple[str, Match]]]


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
    needs_tree: ClassVar[bool] = True  # a plugin is handed parsed Python (`source.tree`)

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.func = func
        self.options = options
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


def compile_plugin(fields: Mapping[str, Any]) -> Checker:
    spec = fields.get("function")
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise CheckError("function", "'function' must be 'module:function' in hooks._plugins")
    module_name, func_name = spec.split(":")
    try:
        module = importlib.import_module(f"hooks._plugins.{module_name}")
    except ImportError as exc:
        raise CheckError("function", f"no plugin module {module_name!r}: {exc}") from None
    func = getattr(module, func_name, None)
    if not callable(func):
        raise CheckError("function", f"plugin module {module_name!r} has no function {func_name!r}")
    options = fields.get("options", {})
    if not isinstance(options, Mapping):
        raise CheckError("options", "'options' must be a mapping")
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
