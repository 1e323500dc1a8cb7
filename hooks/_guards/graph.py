"""The import graph of one revision, from its entry files outward, and the chain behind each link.

Edges are `ModuleIndex.imported_files` of each import statement (`hooks._python.modules`, the one
resolver): a module, the packages on the way, the submodules a `from` import names. Imports under
`if TYPE_CHECKING:` never run, so they link nothing. The closure is walked breadth first, one level
at a time, reading each level's files in one git call; the chain to a file is a shortest one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .._python.modules import ModuleIndex, module_index
from .._python.routes import FileRoutes
from .._source import RunContext
from .pyfacts import FactsStore, PyFacts


@dataclass
class Closure:
    """Files reachable from the entries; `parents[f]` is the file that imports `f` on a shortest
    chain (None for an entry)."""

    parents: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # the line of the import that reached the file

    def __contains__(self, path: object) -> bool:
        return path in self.parents

    def chain(self, path: str) -> list[str]:
        """entry, ..., path (empty when `path` is not reached)."""
        if path not in self.parents:
            return []
        out = [path]
        seen = {path}
        parent = self.parents[path]
        while parent is not None and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.parents[parent]
        return list(reversed(out))


class Graph:
    """The import graph of the revision `context` reads (`blobs`: its files and content hashes)."""

    def __init__(self, context: RunContext, blobs: Mapping[str, str], store: FactsStore) -> None:
        self.context = context
        self.blobs = blobs
        self.store = store
        self.index: ModuleIndex = module_index(context)
        self._facts: dict[str, PyFacts] = {}
        self._edges: dict[str, list[tuple[str, int]]] = {}

    def facts(self, paths: Iterable[str]) -> dict[str, PyFacts]:
        wanted = [p for p in dict.fromkeys(paths) if p not in self._facts]
        if wanted:
            self._facts.update(self.store.facts(self.context, self.blobs, wanted))
        return {p: self._facts[p] for p in paths if p in self._facts}

    def edges(self, path: str) -> list[tuple[str, int]]:
        """(imported file, line of the import) for every first-party file `path` imports."""
        found = self._edges.get(path)
        if found is None:
            facts = self.facts([path]).get(path)
            found = []
            for ref in facts.imports if facts is not None else ():
                if ref.guard == "type-checking":
                    continue
                for target in self.index.imported_files(ref, path):
                    if target != path:
                        found.append((target, ref.line))
            self._edges[path] = found
        return found

    def closure(self, entries: Iterable[str]) -> Closure:
        out = Closure()
        level = [e for e in dict.fromkeys(entries) if e in self.blobs]
        for entry in level:
            out.parents[entry] = None
        while level:
            self.facts([p for p in level if p.endswith(".py")])
            following: list[str] = []
            for path in level:
                if not path.endswith(".py"):
                    continue
                for target, line in self.edges(path):
                    if target not in out.parents:
                        out.parents[target] = path
                        out.lines[target] = line
                        following.append(target)
            level = following
        return out

    def routes_facts(self, paths: Sequence[str]) -> dict[str, FileRoutes]:
        return {p: f.routes for p, f in self.facts(paths).items() if not f.routes.empty}

    def resolve_entry(self, entry: str) -> list[str]:
        """The files an `entry:` names: a file, a directory (its Python files), or a dotted module."""
        entry = entry.strip().strip("/")
        if entry in self.blobs:
            return [entry]
        under = sorted(p for p in self.blobs if p.startswith(entry + "/") and p.endswith(".py"))
        if under:
            return under
        if entry and "/" not in entry and not entry.endswith(".py"):
            found = self.index.resolve(entry)
            if found is not None and not found.endswith("/"):
                return [found]
            if found is not None:  # a namespace package: its files
                return sorted(p for p in self.blobs if p.startswith(found) and p.endswith(".py"))
        return []
