"""`imports`: import-graph contracts (forbidden, independence, layers), as import-linter has them.

Each import statement of a file is an edge from the file's module to the imported module; the contract
decides whether that edge is allowed. Direct imports only, so the check stays per file and fast.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal

from .._python.names import is_package, module_name, resolve_relative
from .._source import Match, SourceFile
from . import CheckError, CheckKind, register

CONTRACTS = ("forbidden", "independence", "layers")
RELATIVE_RX = re.compile(r"\bfrom\s+\.")


def _under(module: str, pattern: str) -> str | None:
    """If `module` is `pattern` or below it, the concrete prefix it falls under (`*` = one name)."""
    mparts = module.split(".")
    pparts = pattern.split(".")
    if len(mparts) < len(pparts):
        return None
    for m, p in zip(mparts, pparts, strict=False):  # mparts may be longer: a submodule
        if p != "*" and p != m:
            return None
    return ".".join(mparts[: len(pparts)])


def _names(fields: Mapping[str, Any], key: str) -> list[str]:
    value = fields.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise CheckError(key, f"'{key}' must be a non-empty list of module names")
    return list(value)


class ImportsChecker:
    shape: ClassVar[Literal["tree"]] = "tree"
    node_types: ClassVar[tuple[type[ast.AST], ...]] = (ast.Import, ast.ImportFrom)
    call_names: ClassVar[frozenset[str] | None] = None
    reads_plain_text: ClassVar[bool] = False

    def check_text(self, source: SourceFile) -> Iterable[Match]:
        return ()  # never asked: reads_plain_text is False (Python only)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.contract = fields.get("contract")
        if self.contract not in CONTRACTS:
            raise CheckError("contract", f"'contract' must be one of {', '.join(CONTRACTS)}")
        self.sources: list[str] = []
        self.forbidden: list[str] = []
        self.modules: list[str] = []
        self.layers: list[str] = []
        self.shared: list[str] = []
        if self.contract == "forbidden":
            self.sources = _names(fields, "source_modules")
            self.forbidden = _names(fields, "forbidden_modules")
        elif self.contract == "independence":
            self.modules = _names(fields, "modules")
            if "shared" in fields:
                # a declared shared core (configuration, database) every module may import; what
                # it imports itself is still checked
                self.shared = _names(fields, "shared")
        else:
            self.layers = _names(fields, "layers")
        if "shared" in fields and self.contract != "independence":
            raise CheckError("shared", "'shared' goes with contract: independence")
        allow = fields.get("allow", [])
        if not isinstance(allow, list) or not all(isinstance(a, str) and "->" in a for a in allow):
            raise CheckError("allow", "'allow' must be a list of 'importer -> imported' strings")
        self.allow = [tuple(part.strip() for part in a.split("->", 1)) for a in allow]
        watched = self.sources + self.forbidden + self.modules + self.layers
        self._words = {w.split(".")[0] for w in watched if not w.startswith("*")}

    def admits(self, source: SourceFile) -> bool:
        text = source.text
        if "import" not in text:
            return False
        # a relative import names none of the watched packages, yet may resolve into one
        return not self._words or any(w in text for w in self._words) or RELATIVE_RX.search(text) is not None

    def _allowed(self, importer: str, imported: str) -> bool:
        return any(_under(importer, a) and _under(imported, b) for a, b in self.allow)

    def violation(self, importer: str, imported: str) -> str | None:
        if self._allowed(importer, imported):
            return None
        if self.contract == "forbidden":
            if any(_under(importer, s) for s in self.sources):
                for f in self.forbidden:
                    if _under(imported, f):
                        return f
            return None
        if self.contract == "independence":
            if any(_under(imported, s) for s in self.shared):
                return None
            mine = [p for p in (_under(importer, m) for m in self.modules) if p]
            theirs = [p for p in (_under(imported, m) for m in self.modules) if p]
            for a in mine:
                for b in theirs:
                    if a != b and not _under(a, b) and not _under(b, a):
                        return b
            return None
        low = self._layer(importer)
        high = self._layer(imported)
        if low is not None and high is not None and high < low:
            return self.layers[high]
        return None

    def _layer(self, module: str) -> int | None:
        for i, layer in enumerate(self.layers):
            if _under(module, layer):
                return i
        return None

    def match_node(self, node: ast.AST, ancestors: list[ast.AST], source: SourceFile) -> Match | None:
        importer, package = module_name(source.path), is_package(source.path)
        targets: list[str]
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (
                resolve_relative(importer, package, node.level, node.module)
                if node.level
                else (node.module or "")
            )
            targets = [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
            targets.append(base)
        else:
            return None
        for imported in targets:
            if not imported:
                continue
            hit = self.violation(importer, imported)
            if hit is not None:
                col = source.char_col(node.lineno, node.col_offset)
                values = {
                    "importer": importer,
                    "imported": imported,
                    "contract": self.contract or "",
                }
                values["target"] = hit
                return Match(node.lineno, col, values)
        return None


register(
    CheckKind(
        name="imports",
        fields=frozenset(
            {"contract", "source_modules", "forbidden_modules", "modules", "layers", "allow", "shared"}
        ),
        required=frozenset({"contract"}),
        compile=ImportsChecker,
        default_files=("**/*.py",),
    )
)
