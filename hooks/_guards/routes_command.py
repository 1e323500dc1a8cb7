"""`ava-safety routes`: the routes the working systems serve, read from the tracked files on disk,
and the routes lock written from them (the team commits it; a hook never writes it)."""

from __future__ import annotations

from pathlib import Path

from .._config import Config
from .change import WORKTREE, Change
from .graph import Closure, Graph
from .pyfacts import FactsStore
from .routelock import LOCK_FILE, render
from .systems import current_routes, owners


def _worktree(root: Path, config: Config) -> tuple[Change, Graph, dict[str, Closure]]:
    change = Change(root, None, WORKTREE, (), (), "manual", "the work tree")
    store = FactsStore.load(root)
    graph = Graph(change.context(config), change.head_blobs, store)
    closures = {}
    for system in config.working_systems:
        entries = [f for e in system.entry for f in graph.resolve_entry(e)]
        closures[system.name] = graph.closure(entries)
    store.save()
    return change, graph, closures


def lock_lines(root: Path, config: Config, *, every: bool = False) -> list[str]:
    change, graph, closures = _worktree(root, config)
    routes = current_routes(change, config, graph)
    if every:
        return [
            f"{r.method}\t{r.path}\t{r.file}:{r.line}\t{r.function}\t{r.app or '(no app found)'}"
            for r in routes
        ]
    owned = owners(routes, config, closures)
    return [line for line in render(owned).splitlines() if not line.startswith("#")]


def write_lock(root: Path, config: Config) -> tuple[Path, int, bool]:
    """Write the lock; (its path, how many routes, whether it changed)."""
    change, graph, closures = _worktree(root, config)
    owned = owners(current_routes(change, config, graph), config, closures)
    target = root / LOCK_FILE
    text = render(owned)
    if not owned:
        return target, 0, False
    try:
        old = target.read_text(encoding="utf-8")
    except OSError:
        old = None
    if old != text:
        target.write_text(text, encoding="utf-8")
    return target, len({(r.method, r.path, r.file) for r, _ in owned}), old != text
