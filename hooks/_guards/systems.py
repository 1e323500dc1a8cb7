"""working-systems: which declared working systems a change touches, and what it must not break.

A system (`working_systems:` in .ava-safety.yaml) is touched when a changed file (added, modified,
deleted or renamed) is one of its entries or in their import closure, at the head of the change or
at its base (a deleted file is in the base's closure), or matches its `protect` globs, or when the
change removes or alters one of its protected elements, or drops its declaration. Each touch names
the changed file, the system and the import chain from the system's entry to the file.

A touch needs an acknowledgement (`Working-System-Ack: <name> — <reason>`, see hooks._guards.change).
URL permanence: a route in the routes lock (hooks._guards.routelock) that the change removes or
renames needs one too, by the owning system's name or the route itself (`GET /api/weather/today`).
A (method, path) declared twice for one application is an error. Smoke commands of the touched
systems run when asked (pre-push), and only those.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import _git
from .._config import Config, WorkingSystem
from .._errors import ConfigErrors, ConfigProblem
from .._glob import PathMatcher
from .._python.routes import ROUTE_GREP, Route, might_define_routes, resolve
from .change import WORKTREE, Ack, Change
from .elements import element_changes
from .graph import Closure, Graph
from .hits import Hit
from .pyfacts import FactsStore
from .routelock import LOCK_FILE, LockedRoute, parse
from .smoke import LogSink, SmokeResult, run_smoke

ACK_RULES = frozenset({"WS001", "WS002", "WS004", "WS005"})  # an acknowledgement lets these through
CHAIN_SHOWN = 4  # files of an import chain shown before eliding the middle


@dataclass(frozen=True)
class Touch:
    system: str
    path: str
    status: str
    how: str
    rule: str  # WS001 (code), WS004 (an element), WS005 (a protected path)


@dataclass
class SystemsResult:
    hits: list[Hit] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    routes: list[Route] | None = None  # the head's routes, when they were read
    smoke: list[SmokeResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts_hits: int = 0
    facts_misses: int = 0

    def touched(self) -> list[str]:
        return sorted({t.system for t in self.touches})

    def ack_for(self, system: str, route: str = "") -> Ack | None:
        """The acknowledgement that covers a system (any of "a,b"), or a route ("GET /x" or "/x"):
        a URL is acknowledged by naming it, not by naming its system."""
        if route:
            names = [route, route.split(" ", 1)[-1]]
        else:
            names = [n for n in system.split(",") if n]
        return next((a for a in self.acks if any(a.covers(n) for n in names)), None)

    def unacknowledged(self) -> list[Hit]:
        return [h for h in self.hits if h.rule in ACK_RULES and self.ack_for(h.system, h.route) is None]


def chain_text(chain: Sequence[str]) -> str:
    if len(chain) <= 1:
        return "its entry"
    shown = list(chain[:-1])
    if len(shown) > CHAIN_SHOWN:
        shown = [*shown[:2], "…", *shown[-(CHAIN_SHOWN - 2) :]]
    return "imported by " + " → ".join(shown)


def _entry_files(graph: Graph, system: WorkingSystem) -> tuple[list[str], list[str]]:
    files: list[str] = []
    missing: list[str] = []
    for entry in system.entry:
        found = graph.resolve_entry(entry)
        if found:
            files += found
        else:
            missing.append(entry)
    return files, missing


@dataclass
class _World:
    """One side of the change: its graph and each system's closure."""

    graph: Graph | None
    closures: dict[str, Closure] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)


def _world(change: Change, config: Config, store: FactsStore, *, before: bool) -> _World:
    if before and change.base is None:
        return _World(None)
    context = change.context(config, before=before)
    blobs = change.base_blobs if before else change.head_blobs
    graph = Graph(context, blobs, store)
    world = _World(graph)
    for system in config.working_systems:
        entries, missing = _entry_files(graph, system)
        world.closures[system.name] = graph.closure(entries)
        world.missing[system.name] = missing
    return world


def evaluate(
    change: Change,
    config: Config,
    store: FactsStore,
    *,
    smoke: bool = False,
    smoke_when_refused: bool = False,
    log: Callable[[], LogSink | None] | None = None,
) -> SystemsResult:
    """Everything working-systems says about a change. `smoke`: run the touched systems' smoke
    commands (not when the push is refused anyway, unless `smoke_when_refused`)."""
    result = SystemsResult(acks=change.acks())
    systems = config.working_systems
    head = _world(change, config, store, before=False)
    base = _world(change, config, store, before=True) if systems and not change.is_empty else _World(None)
    problems = []
    for system in systems:
        gone = [e for e in head.missing.get(system.name, []) if e in base.missing.get(system.name, [e])]
        for entry in gone:
            problems.append(ConfigProblem(config.display, system.line_of("entry"),
                                          f"working system '{system.name}': entry {entry!r} is no file, "
                                          "directory or module of this repository"))  # fmt: skip
    if problems:
        raise ConfigErrors(problems)
    for system in systems:
        result.touches += _touches(change, system, head, base)
    result.touches += _undeclared(change, config)
    for touch in result.touches:
        values = {"path": touch.path, "system": touch.system, "how": touch.how}
        result.hits.append(Hit(touch.rule, touch.path, 1, 1, values, touch.system))
    for system in systems:
        for element in element_changes(change, system.elements):
            result.touches.append(Touch(system.name, element.path, "M", element.what, "WS004"))
            values = {"system": system.name, "what": element.what, "kind": element.kind, "name": element.name}
            result.hits.append(Hit("WS004", element.path, element.line, 1, values, system.name))
    if _routes_wanted(change, config):
        _routes(change, config, store, head, base, result)
    unreasoned = change.unreasoned_acks()
    if unreasoned:
        result.notes.append(
            "these acknowledgements give no reason and count for nothing: "
            + "; ".join(f"Working-System-Ack: {v}" for v in unreasoned)
        )
    if smoke and (smoke_when_refused or not result.unacknowledged()):
        _smoke(change, config, result, log)
    elif smoke and any(s.smoke for s in systems if s.name in result.touched()):
        result.notes.append("smoke commands not run: the push is refused above")
    result.facts_hits, result.facts_misses = store.hits, store.misses
    return result


def _touches(change: Change, system: WorkingSystem, head: _World, base: _World) -> list[Touch]:
    out: list[Touch] = []
    protect = PathMatcher(system.protect) if system.protect else None
    now = head.closures.get(system.name, Closure())
    then = base.closures.get(system.name, Closure())
    for item in change.files:
        if protect is not None and any(p and protect(p) for p in (item.path, item.old_path)):
            verb = {"D": "deleted", "R": f"renamed from {item.old_path}", "A": "added"}.get(
                item.status, "changed"
            )
            out.append(Touch(system.name, item.path, item.status, f"a protected path, {verb}", "WS005"))
            continue
        chain: list[str] = []
        if item.after is not None and item.after in now:
            chain = now.chain(item.after)
        elif item.before is not None and item.before in then:
            chain = then.chain(item.before)
        if chain and item.status == "M" and item.path.endswith(".py") and _inert(change, item.path):
            continue  # comments, formatting, docstrings or a version stamp: nothing that runs changed
        if chain:
            how = chain_text(chain)
            if item.status == "D":
                how += "; the change deletes it"
            out.append(Touch(system.name, item.path, item.status, how, "WS001"))
    return out


# module-level names whose literal value is a stamp, not behaviour (VERSION = "v4.28.1")
_STAMP_RX = re.compile(
    r"^(__version__|((APP|SERVICE|BUILD)_)?VERSION|BUILD(_ID|_NUMBER|_DATE|_TIME)?|COMMIT(_HASH|_SHA|_ID)?"
    r"|GIT_(SHA|COMMIT)|(DEPLOY(MENT)?_)?TIMESTAMP|DEPLOY(MENT)?_(DATE|TIME)|RELEASE(_DATE)?)$",
    re.I,
)


def _inert(change: Change, path: str) -> bool:
    """The file's syntax tree is the same before and after, docstrings aside and up to the literal
    values of module-level version stamps: the change cannot alter what the system runs. A bump of
    VERSION in the config module every system imports must not ask for every system's acknowledgement."""
    old, new = change.text(path, before=True), change.text(path, before=False)
    if old is None or new is None:
        return False
    try:
        return _shape(ast.parse(old)) == _shape(ast.parse(new))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def _shape(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and isinstance(body, list) and body and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
        ):  # fmt: skip
            body[0] = ast.Pass()
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        else:
            continue
        if isinstance(statement.value, ast.Constant) and all(
            isinstance(t, ast.Name) and _STAMP_RX.match(t.id) for t in targets
        ):
            statement.value = ast.Constant(None)
    return ast.dump(tree)


def _undeclared(change: Change, config: Config) -> list[Touch]:
    """A system whose declaration the change removes from the config is touched too (else deleting
    it would be the way around the acknowledgement)."""
    shown = config.display
    if change.base is None or not any(f.path == shown for f in change.files):
        return []
    old = change.text(shown, before=True)
    if old is None:
        return []
    from .._config import load_config

    try:
        scratch = _git.state_dir(change.root) / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        temp = scratch / f"base-config.{id(change)}.yaml"
        temp.write_text(old, encoding="utf-8")
        try:
            before = load_config(change.root, temp)
        finally:
            temp.unlink(missing_ok=True)
    except (ConfigErrors, OSError, _git.GitError):
        return []
    now = {s.name for s in config.working_systems}
    return [
        Touch(s.name, shown, "M", f"the change removes working system '{s.name}' from {shown}", "WS001")
        for s in before.working_systems
        if s.name not in now
    ]


# --- routes -------------------------------------------------------------------------------------------


def _routes_wanted(change: Change, config: Config) -> bool:
    """Routes can only change with a Python file that can define or wire them, before or after the
    change (the extractor's own grep), or with the lock: otherwise the tree's routes are not read."""
    if change.mode == "example" or any(LOCK_FILE in (f.path, f.old_path) for f in change.files):
        return True
    python = [f for f in change.files if f.path.endswith(".py") or (f.old_path or "").endswith(".py")]
    change.prefetch([f.after for f in python if f.after], before=False)
    change.prefetch([f.before for f in python if f.before], before=True)
    return any(
        text is not None and might_define_routes(text)
        for f in python
        for text in (change.text(f.after, before=False), change.text(f.before, before=True))
    )


def current_routes(change: Change, config: Config, graph: Graph, *, before: bool = False) -> list[Route]:
    """Every route the revision's code defines (route files found by one `git grep`)."""
    rev = change.base if before else change.head
    blobs = graph.blobs
    if rev is None:
        return []
    if rev == WORKTREE:
        context = graph.context
        candidates = [p for p in sorted(blobs) if p.endswith(".py") and _mentions_routes(context, p)]
    else:
        try:
            candidates = [p for p in _git.grep_tree(change.root, ROUTE_GREP, rev) if p in blobs]
        except _git.GitError:
            candidates = [p for p in sorted(blobs) if p.endswith(".py")]
    excluded = config.exclude
    files = graph.routes_facts([p for p in candidates if not excluded(p)])
    return resolve(files, graph.index)


def _mentions_routes(context: object, path: str) -> bool:
    source = context.file(path)  # type: ignore[attr-defined]
    return source is not None and might_define_routes(source.text)


def owners(
    routes: Sequence[Route], config: Config, closures: dict[str, Closure]
) -> list[tuple[Route, tuple[str, ...]]]:
    """Each route of a `routes: true` system, with the systems that serve it."""
    out = []
    for route in routes:
        systems = tuple(
            s.name
            for s in config.working_systems
            if s.routes and serves(route, closures.get(s.name, Closure()))
        )
        if systems:
            out.append((route, systems))
    return out


def serves(route: Route, closure: Closure) -> bool:
    """The routes a system locks are the ones its entries define or serve: declared in an entry file,
    or served by an application an entry file makes (main.py's app, with every router it includes).
    A module the entries merely import (weather imports auth for a helper) does not make its routes
    the system's."""
    entries = {path for path, parent in closure.parents.items() if parent is None}
    return route.file in entries or route.app.rpartition(":")[0] in entries


def _routes(change: Change, config: Config, store: FactsStore, head: _World, base: _World,
            result: SystemsResult) -> None:  # fmt: skip
    assert head.graph is not None
    now = current_routes(change, config, head.graph)
    result.routes = now
    now_keys = {r.key for r in now}
    changed = {f.after for f in change.files if f.after}
    _duplicates(now, changed, result)
    locked_head = parse(change.text(LOCK_FILE, before=False))
    locked_base = parse(change.text(LOCK_FILE, before=True)) if change.base else []
    if not locked_head and not locked_base:
        return
    then_keys: set[tuple[str, str]] | None = None
    if base.graph is not None:
        then_keys = {r.key for r in current_routes(change, config, base.graph, before=True)}
    head_lines = {r.key: r.line for r in locked_head}
    seen: set[tuple[str, str]] = set()
    for locked in [*locked_head, *locked_base]:
        if locked.key in seen or locked.key in now_keys:
            continue
        seen.add(locked.key)
        if then_keys is not None and locked.key not in then_keys:
            continue  # not served before this change either: the lock is out of date, not this change
        renamed = _renamed_to(locked, now, {r.key for r in locked_head} | {r.key for r in locked_base})
        system = ",".join(locked.systems)
        detail = (f"renamed to {renamed.shown} ({renamed.file}:{renamed.line}, {renamed.function})" if renamed
                  else f"no code defines it any more (it was {locked.file}, {locked.function})")  # fmt: skip
        values = {"route": locked.shown, "system": system or "-", "detail": detail}
        line = head_lines.get(locked.key, 1)
        owner = locked.systems[0] if locked.systems else ""
        result.hits.append(Hit("WS002", LOCK_FILE, line, 1, values, owner, locked.shown))
    expected = {r.key for r, _ in owners(now, config, head.closures)}
    listed = {r.key for r in locked_head}
    if (
        locked_head
        and (expected - listed or listed - expected - seen)
        and (changed & {r.file for r in now} or LOCK_FILE in changed)
    ):
        new, stale = len(expected - listed), len(listed - expected - seen)
        values = {"new": str(new), "stale": str(stale)}
        result.hits.append(Hit("WS007", LOCK_FILE, 1, 1, values))


def _renamed_to(locked: LockedRoute, now: Sequence[Route], locked_keys: set[tuple[str, str]]) -> Route | None:
    fresh = [r for r in now if r.key not in locked_keys and r.method == locked.method]
    for route in fresh:
        if route.function == locked.function and route.file == locked.file:
            return route
    same_name = [r for r in fresh if r.function and r.function == locked.function]
    return same_name[0] if len(same_name) == 1 else None


def _duplicates(routes: Sequence[Route], changed: set[str], result: SystemsResult) -> None:
    by_key: dict[tuple[str, str, str], list[Route]] = {}
    for route in routes:
        if route.app and route.method != "MOUNT":
            by_key.setdefault((route.app, *route.key), []).append(route)
    for (app, _method, _path), found in sorted(by_key.items()):
        places = sorted({(r.file, r.line): r for r in found}.values(), key=lambda r: (r.file, r.line))
        if len(places) < 2 or not any(r.file in changed for r in places):
            continue
        first = places[0]
        for other in places[1:]:
            values = {"route": other.shown, "other": f"{first.file}:{first.line}", "app": app,
                      "function": other.function}  # fmt: skip
            result.hits.append(Hit("WS003", other.file, other.line, other.col, values, route=other.shown))


# --- smoke ----------------------------------------------------------------------------------------------


def _smoke(
    change: Change, config: Config, result: SystemsResult, log: Callable[[], LogSink | None] | None
) -> None:
    touched = set(result.touched())
    chosen = [s for s in config.working_systems if s.name in touched and s.smoke]
    if not chosen:
        return
    sink = log() if log is not None else None
    if sink is not None and sink.path is not None:
        result.notes.append(f"smoke output: tail -f {sink.path}")
    for system in chosen:
        for argv in system.smoke:
            outcome = run_smoke(
                system.name, argv, cwd=change.root, timeout_s=system.smoke_timeout_s, log=sink
            )
            result.smoke.append(outcome)
            if not outcome.ok:
                tail = " | ".join(line.strip() for line in outcome.tail[-3:] if line.strip())
                values = {"system": system.name, "command": outcome.shown, "problem": outcome.problem,
                          "tail": tail[:200]}  # fmt: skip
                result.hits.append(
                    Hit("WS006", config.display, system.line_of("smoke"), 1, values, system.name)
                )
