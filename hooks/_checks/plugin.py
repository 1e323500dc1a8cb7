"""`plugin`: a named function in `hooks._plugins` for what data cannot express."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._source import Match, SourceFile
from . import CheckError, CheckKind, register

PluginFunction = Callable[[SourceFile, Mapping[str, Any]], Iterable[Match]]


class PluginChecker:
    def __init__(self, fields: Mapping[str, Any]) -> None:
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
        self.func: PluginFunction = func
        # a plugin that checks syntax itself (syntax-imports) must see the files that do not parse;
        # the engine then leaves reporting them to it instead of its AS005 warning
        self.reports_syntax_errors = bool(getattr(func, "reports_syntax_errors", False))
        self._admits: Callable[[SourceFile], bool] | None = getattr(func, "admits", None)
        options = fields.get("options", {})
        if not isinstance(options, Mapping):
            raise CheckError("options", "'options' must be a mapping")
        self.options = dict(options)

    def admits(self, source: SourceFile) -> bool:
        # a plugin may say cheaply which files it cannot hit (`func.admits = lambda source: ...`),
        # so the engine neither parses nor walks them for it
        return self._admits is None or bool(self._admits(source))

    def check_file(self, source: SourceFile) -> Iterable[Match]:
        if source.is_python and source.tree is None and not self.reports_syntax_errors:
            return ()
        return self.func(source, self.options)


register(
    CheckKind(
        name="plugin",
        fields=frozenset({"function", "options"}),
        required=frozenset({"function"}),
        compile=PluginChecker,
        default_files=("**/*.py",),
    )
)
