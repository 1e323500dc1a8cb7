"""Per-file Python facts the push guards need (imports, routes), cached by content under .git.

One JSON file, `.git/ava-safety/cache/py-facts.json`, maps `<blob sha>:<path>` (the path matters:
a relative import is resolved against it) to the file's import statements (as `imports_of` reads
them) and its routing facts (`hooks._python.routes.extract`). A file is read and parsed only on a
miss: a second run on a large repository reads git's tree listing and this file, and parses nothing.
The cache is stale when the readers' code changes (their source is part of its version). Outside git,
or when the file cannot be written, there is simply no cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._cache import JsonCache, code_version
from .._python import modules, routes
from .._python.modules import ImportRef, imports_of
from .._python.routes import FileRoutes
from .._source import RunContext

CACHE_VERSION = "1"
CACHE_FILE = "py-facts.json"
KEEP = 20_000  # entries kept: those this run used, then the most recent others


@dataclass(frozen=True)
class PyFacts:
    imports: tuple[ImportRef, ...]
    routes: FileRoutes


EMPTY = PyFacts((), FileRoutes())


def _version() -> str:
    import sys

    return code_version((modules, routes, sys.modules[__name__]), CACHE_VERSION)


def _encode(facts: PyFacts) -> dict[str, Any]:
    data: dict[str, Any] = {
        "i": [[r.module, list(r.names), r.level, r.line, r.col, r.guard] for r in facts.imports]
    }
    if not facts.routes.empty or facts.routes.dynamic:
        data["r"] = facts.routes.to_json()
    return data


def _decode(data: Mapping[str, Any]) -> PyFacts:
    refs = tuple(
        ImportRef(str(m), tuple(str(n) for n in names), int(level), int(line), int(col), guard)
        for m, names, level, line, col, guard in data.get("i", [])
    )
    raw = data.get("r")
    return PyFacts(refs, FileRoutes.from_json(raw) if isinstance(raw, Mapping) else FileRoutes())


class FactsStore:
    """The cache (hooks._cache), loaded once per run; `facts(context, paths)` fills the misses from
    the context."""

    def __init__(self, cache: JsonCache) -> None:
        self.cache = cache
        self.misses = 0
        self.hits = 0

    @classmethod
    def empty(cls) -> FactsStore:
        """No cache at all (a rule example): every file is parsed, nothing is written."""
        return cls(JsonCache.load(None, CACHE_FILE, _version()))

    @classmethod
    def load(cls, root: Path) -> FactsStore:
        return cls(JsonCache.load(root, CACHE_FILE, _version(), keep=KEEP))

    def facts(
        self, context: RunContext, blobs: Mapping[str, str], paths: Iterable[str]
    ) -> dict[str, PyFacts]:
        """The facts of these Python files of the tree `blobs` (path -> content hash) that `context`
        reads; a path the tree lacks is left out."""
        out: dict[str, PyFacts] = {}
        missing: list[str] = []
        for path in paths:
            sha = blobs.get(path)
            if sha is None or not path.endswith(".py"):
                continue
            key = f"{sha}:{path}"
            raw = self.cache.get(key)
            if raw is not None:
                try:
                    out[path] = _decode(raw)
                    self.hits += 1
                    continue
                except (TypeError, ValueError):
                    self.cache.forget(key)
            missing.append(path)
        if missing:
            context.preload(missing)
            for path in missing:
                self.misses += 1
                source = context.file(path)
                facts = EMPTY
                if source is not None and source.tree is not None:
                    facts = PyFacts(tuple(_plain(r) for r in imports_of(source)), routes.extract(source))
                context.files.pop(path, None)  # the trees of a whole repository are not kept alive
                out[path] = facts
                self.cache.put(f"{blobs[path]}:{path}", _encode(facts))
        return out

    def save(self) -> None:
        """Best effort: the used entries first, then the most recent others, up to KEEP."""
        self.cache.save()


def _plain(ref: ImportRef) -> ImportRef:
    """The reference without its syntax nodes (they are not kept across runs either)."""
    return ImportRef(ref.module, ref.names, ref.level, ref.line, ref.col, ref.guard)
