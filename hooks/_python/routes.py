"""The HTTP routes a repository's code defines: FastAPI, Starlette and Flask, read from the syntax tree.

Per file (`extract`, cacheable by content): the router objects it makes (`FastAPI()`, `APIRouter(
prefix=...)`, `Starlette(routes=...)`, `Flask()`, `Blueprint(url_prefix=...)`), the routes it
declares on them (`@app.get(...)`, `@router.api_route(..., methods=[...])`, `@bp.route(...)`,
`add_api_route`, `add_url_rule`, `Route(...)`/`Mount(...)` lists, `app.mount(...)`), what it includes
where (`include_router(r, prefix=...)`, `register_blueprint(bp, url_prefix=...)`, `mount`, `Mount(app=
...)`), and the names it imports (a router included from another module).

Across files (`resolve`): every route's full path from the application that serves it down the chain
of includes, prefixes joined. A router included nowhere keeps its own prefix and no application
(`app == ""`): it may be included dynamically. A path or prefix that is not a string literal (nor a
module constant of the same file) stands as `{its source}` (`{settings.API_V1_STR}/items/`): stable
while the code is, so it can be locked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._source import SourceFile
from .modules import ModuleIndex, imports_of

# a cheap test before parsing (also as a `git grep -E` pattern): can this file define or wire routes?
ROUTE_GREP = (
    r"@[A-Za-z_][A-Za-z0-9_.]*\.(get|post|put|patch|delete|head|options|trace|route|api_route|websocket"
    r"|websocket_route)\(|include_router|register_blueprint|add_api_route|add_url_rule|APIRouter|Blueprint"
    r"|FastAPI\(|Flask\(|Starlette\(|Mount\(|Route\(|\.mount\("
)
_GREP_RX = re.compile(ROUTE_GREP)
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
WEBSOCKET = frozenset({"websocket", "websocket_route"})
APP_KINDS = {"FastAPI": "fastapi", "Starlette": "starlette", "Flask": "flask", "Quart": "flask"}
ROUTER_KINDS = {"APIRouter": "router", "Blueprint": "blueprint", "Router": "router"}
MOUNT = "MOUNT"  # the method of a mounted sub-application or static files: every method, below a prefix


def might_define_routes(text: str) -> bool:
    return _GREP_RX.search(text) is not None


@dataclass(frozen=True)
class RouterDef:
    name: str  # the local name it is bound to
    kind: str  # fastapi | starlette | flask (applications) | router | blueprint
    prefix: str
    line: int

    @property
    def is_app(self) -> bool:
        return self.kind in ("fastapi", "starlette", "flask")


@dataclass(frozen=True)
class RouteDef:
    owner: str  # local name of the router (or application) it is declared on
    methods: tuple[str, ...]
    path: str
    function: str  # the handler's name ("" when it is not a plain name)
    line: int
    col: int


@dataclass(frozen=True)
class Include:
    parent: str  # local name
    child: tuple[str, ...]  # a local name, or (module alias, attribute)
    prefix: str | None  # None: the child's own prefix stands (a blueprint without url_prefix=)
    line: int


@dataclass(frozen=True)
class FileRoutes:
    routers: tuple[RouterDef, ...] = ()
    routes: tuple[RouteDef, ...] = ()
    includes: tuple[Include, ...] = ()
    bindings: tuple[tuple[str, str, str], ...] = ()  # (local name, absolute module, attribute or "")
    dynamic: int = 0  # paths and prefixes that are not literals (kept as `{expr}`)

    @property
    def empty(self) -> bool:
        return not (self.routers or self.routes or self.includes)

    def to_json(self) -> dict[str, Any]:
        return {
            "routers": [[r.name, r.kind, r.prefix, r.line] for r in self.routers],
            "routes": [[r.owner, list(r.methods), r.path, r.function, r.line, r.col] for r in self.routes],
            "includes": [[i.parent, list(i.child), i.prefix, i.line] for i in self.includes],
            "bindings": [list(b) for b in self.bindings],
            "dynamic": self.dynamic,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileRoutes:
        return cls(
            tuple(RouterDef(str(n), str(k), str(p), int(ln)) for n, k, p, ln in data.get("routers", [])),
            tuple(
                RouteDef(str(o), tuple(m), str(p), str(f), int(ln), int(c))
                for o, m, p, f, ln, c in data.get("routes", [])
            ),  # fmt: skip
            tuple(Include(str(a), tuple(c), p, int(ln)) for a, c, p, ln in data.get("includes", [])),
            tuple((str(a), str(b), str(c)) for a, b, c in data.get("bindings", [])),
            int(data.get("dynamic", 0)),
        )


# --- one file ---------------------------------------------------------------------------------------


def extract(source: SourceFile) -> FileRoutes:
    """The routing facts of one Python file (empty when it has none or does not parse)."""
    tree = source.tree
    if tree is None or not might_define_routes(source.text):
        return FileRoutes()
    reader = _FileReader(source, tree)
    reader.read()
    if not (reader.routers or reader.routes or reader.includes):
        return FileRoutes(dynamic=reader.dynamic)
    return FileRoutes(
        tuple(reader.routers.values()),
        tuple(reader.routes),
        tuple(reader.includes),
        tuple(reader.bindings),
        reader.dynamic,
    )


def _last(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return tuple(reversed(parts))
    return ()


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return _keyword(call, name)


class _FileReader:
    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.routers: dict[str, RouterDef] = {}
        self.routes: list[RouteDef] = []
        self.includes: list[Include] = []
        self.bindings: list[tuple[str, str, str]] = []
        self.constants: dict[str, str] = {}
        self.lists: dict[str, ast.List] = {}
        self.dynamic = 0
        self._anon = 0

    def read(self) -> None:
        for ref in imports_of(self.source):
            statement = ref.node
            if ref.guard == "type-checking" or statement is None:
                continue
            module = ref.absolute(self.source.path)
            if isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    if alias.name != "*":
                        self.bindings.append((alias.asname or alias.name, module, alias.name))
            elif ref.alias is not None:
                local = ref.alias.asname or ref.alias.name.split(".")[0]
                self.bindings.append((local, ref.alias.name if ref.alias.asname else local, ""))
        for node in self.tree.body:  # module constants: prefixes and route lists written once
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                name = node.targets[0].id
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    self.constants[name] = node.value.value
                elif isinstance(node.value, ast.List):
                    self.lists[name] = node.value
        for found in ast.walk(self.tree):
            if isinstance(found, (ast.Assign, ast.AnnAssign)):
                self._assignment(found)
        for found in ast.walk(self.tree):
            if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in found.decorator_list:
                    self._decorator(decorator, found)
            elif isinstance(found, ast.Call):
                self._call(found)

    # a string: a literal, a module constant, or a concatenation / f-string of those; anything else
    # (`settings.API_V1_STR`) stands as `{its source}`: stable while the code is, so it can be locked
    def text(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.text(node.left), self.text(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                elif isinstance(value, ast.FormattedValue):
                    parts.append(self.text(value.value) or "{?}")
            return "".join(parts)
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            self.dynamic += 1
            return "{" + ast.unparse(node) + "}"
        return None

    def _assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if not isinstance(value, ast.Call) or len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return
        called = _last(value.func)
        name = targets[0].id
        kind = APP_KINDS.get(called) or ROUTER_KINDS.get(called)
        if kind is None:
            return
        prefix_node = _keyword(value, "url_prefix" if kind == "blueprint" else "prefix")
        prefix = (self.text(prefix_node) if prefix_node is not None else "") or ""
        self.routers[name] = RouterDef(name, kind, prefix, node.lineno)
        if kind == "starlette" or (kind == "router" and called == "Router"):
            self._route_list(name, _keyword(value, "routes"))

    def _methods(self, call: ast.Call, default: tuple[str, ...] = ("GET",)) -> tuple[str, ...]:
        given = _keyword(call, "methods")
        if isinstance(given, (ast.List, ast.Tuple, ast.Set)):
            found = tuple(
                sorted(
                    {
                        e.value.upper()
                        for e in given.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    }
                )
            )
            return found or default
        return default

    def _add(self, owner: str, methods: tuple[str, ...], path_node: ast.expr | None, function: str,
             at: ast.AST) -> None:  # fmt: skip
        path = self.text(path_node)
        if path is None:
            self.dynamic += 1
            return
        line = getattr(at, "lineno", 1)
        col = self.source.char_col(line, getattr(at, "col_offset", 0))
        self.routes.append(RouteDef(owner, methods, path, function, line, col))

    def _owner(self, node: ast.expr) -> str | None:
        """The router a decorator or call is made on: a plain name (local or imported)."""
        return node.id if isinstance(node, ast.Name) else None

    def _decorator(self, decorator: ast.expr, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            return
        attr = decorator.func.attr
        owner = self._owner(decorator.func.value)
        if owner is None:
            return
        path = _arg(decorator, 0, "path") or _keyword(decorator, "rule")
        if attr in HTTP_METHODS:
            self._add(owner, (attr.upper(),), path, func.name, decorator)
        elif attr in ("api_route", "route"):
            self._add(owner, self._methods(decorator), path, func.name, decorator)
        elif attr in WEBSOCKET:
            self._add(owner, ("WS",), path, func.name, decorator)

    def _call(self, call: ast.Call) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        owner = self._owner(func.value)
        if owner is None:
            return
        attr = func.attr
        if attr == "include_router":
            child = _arg(call, 0, "router")
            prefix = _keyword(call, "prefix")
            self._include(owner, child, prefix, call, default="")
        elif attr == "register_blueprint":
            self._include(owner, _arg(call, 0, "blueprint"), _keyword(call, "url_prefix"), call, default=None)
        elif attr == "mount":
            self._mount(owner, _arg(call, 0, "path"), _arg(call, 1, "app"), call)
        elif attr == "add_api_route":
            handler = _arg(call, 1, "endpoint")
            self._add(
                owner, self._methods(call), _arg(call, 0, "path"), _last(handler) if handler else "", call
            )
        elif attr == "add_url_rule":
            handler = _arg(call, 2, "view_func")
            self._add(
                owner, self._methods(call), _arg(call, 0, "rule"), _last(handler) if handler else "", call
            )
        elif attr in ("add_route", "add_websocket_route"):
            handler = _arg(call, 1, "endpoint") or _arg(call, 1, "route")
            methods = ("WS",) if attr == "add_websocket_route" else self._methods(call)
            self._add(owner, methods, _arg(call, 0, "path"), _last(handler) if handler else "", call)

    def _include(self, parent: str, child: ast.expr | None, prefix_node: ast.expr | None, call: ast.Call,
                 *, default: str | None) -> None:  # fmt: skip
        ref = _dotted(child) if child is not None else ()
        if not ref:
            return
        prefix = default if prefix_node is None else self.text(prefix_node)
        if prefix_node is not None and prefix is None:
            self.dynamic += 1
            return
        self.includes.append(Include(parent, ref, prefix, call.lineno))

    def _mount(self, parent: str, path_node: ast.expr | None, app: ast.expr | None, at: ast.AST) -> None:
        path = self.text(path_node)
        if path is None:
            self.dynamic += 1
            return
        ref = _dotted(app) if app is not None else ()
        if ref and (ref[0] in self.routers or len(ref) > 1 or any(b[0] == ref[0] for b in self.bindings)):
            self.includes.append(Include(parent, ref, path, getattr(at, "lineno", 1)))
            return
        # a mounted ASGI/WSGI app we do not read (StaticFiles, a WSGI bridge): its prefix is a route
        self._add(parent, (MOUNT,), path_node, _last(app.func) if isinstance(app, ast.Call) else "", at)

    def _route_list(self, owner: str, routes: ast.expr | None, prefix: str = "") -> None:
        if isinstance(routes, ast.Name):
            routes = self.lists.get(routes.id)
        if not isinstance(routes, (ast.List, ast.Tuple)):
            return
        for item in routes.elts:
            if not isinstance(item, ast.Call):
                continue
            called = _last(item.func)
            path_node = _arg(item, 0, "path")
            if called in ("Route", "WebSocketRoute"):
                handler = _arg(item, 1, "endpoint")
                methods = ("WS",) if called == "WebSocketRoute" else self._methods(item)
                self._add(owner, methods, path_node, _last(handler) if handler else "", item)
            elif called == "Mount":
                path = self.text(path_node)
                if path is None:
                    self.dynamic += 1
                    continue
                inner = _keyword(item, "routes")
                app = _arg(item, 1, "app")
                if inner is not None:
                    self._anon += 1
                    name = f"<mount:{item.lineno}:{self._anon}>"
                    self.routers[name] = RouterDef(name, "router", "", item.lineno)
                    self.includes.append(Include(owner, (name,), path, item.lineno))
                    self._route_list(name, inner)
                else:
                    self._mount(owner, path_node, app, item)


# --- across files -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Route:
    method: str
    path: str  # the full path, prefixes joined
    file: str  # where it is declared
    function: str
    line: int
    col: int = field(default=1, compare=False)
    app: str = field(default="", compare=False)  # "file:name" of the application serving it; "" none found

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the URL (path parameters' names do not: `/f/{id}` is `/f/{item}`)."""
        return self.method, normalise(self.path)

    @property
    def shown(self) -> str:
        return f"{self.method} {self.path}"


_PARAM_RX = re.compile(r"\{([^{}:]*)(:[^{}]*)?\}|<(?:([^<>:]*):)?[^<>]*>")


def normalise(path: str) -> str:
    """`/items/{item_id}` and `/items/{id}` are one URL; Flask's `<int:id>` keeps its converter."""

    def repl(m: re.Match[str]) -> str:
        if m.group(0).startswith("{"):
            return "{" + (m.group(2) or "") + "}"
        return "<" + (m.group(3) or "") + ">"

    text = _PARAM_RX.sub(repl, path)
    return text if text == "/" else text.rstrip("/") or "/"


def join(*parts: str) -> str:
    out = ""
    for part in parts:
        if not part:
            continue
        if out.endswith("/") and part.startswith("/"):
            out += part[1:]
        elif out and not out.endswith("/") and not part.startswith("/"):
            out += "/" + part
        else:
            out += part
    return out or "/"


Node = tuple[str, str]  # (file, local name)


def resolve(files: Mapping[str, FileRoutes], index: ModuleIndex) -> list[Route]:
    """Every route of these files with its full path, each once per chain of includes that serves it."""
    resolver = _Resolver(files, index)
    return sorted(set(resolver.routes()))


class _Resolver:
    def __init__(self, files: Mapping[str, FileRoutes], index: ModuleIndex) -> None:
        self.files = files
        self.index = index
        self.kinds: dict[Node, RouterDef] = {}
        self.children: dict[Node, list[tuple[Node, str | None]]] = {}
        self.routes_of: dict[Node, list[tuple[str, RouteDef]]] = {}
        self.included: set[Node] = set()
        for path, facts in files.items():
            for router in facts.routers:
                self.kinds[(path, router.name)] = router
        for path, facts in files.items():
            for route in facts.routes:
                owner = self.target(path, (route.owner,))
                if owner is not None:
                    self.routes_of.setdefault(owner, []).append((path, route))
            for inc in facts.includes:
                parent = self.target(path, (inc.parent,))
                child = self.target(path, inc.child)
                if parent is None or child is None or parent == child:
                    continue
                self.children.setdefault(parent, []).append((child, inc.prefix))
                self.included.add(child)

    def target(self, path: str, ref: tuple[str, ...], depth: int = 0) -> Node | None:
        """The router a reference in `path` names: local, imported (`from m import router as r`),
        or an attribute of an imported module (`m.router`), through up to five re-exports."""
        if not ref or depth > 5:
            return None
        facts = self.files.get(path)
        name = ref[0]
        if len(ref) == 1 and (path, name) in self.kinds:
            return path, name
        binding = next((b for b in facts.bindings if b[0] == name), None) if facts is not None else None
        if binding is None:
            return None
        _local, module, attr = binding
        rest = ref[1:]
        if attr:  # from module import attr
            target_file = self.index.resolve(f"{module}.{attr}", path)
            if target_file is not None and not target_file.endswith("/") and rest:
                return self.target(target_file, rest, depth + 1)  # a submodule, then its attribute
            module_file = self.index.resolve(module, path)
            if module_file is None or module_file.endswith("/"):
                return None
            return self.target(module_file, (attr, *rest), depth + 1)
        if not rest:  # import m; the module itself is not a router
            return None
        dotted = ".".join((module, *rest[:-1])) if len(rest) > 1 else module
        module_file = self.index.resolve(dotted, path)
        if module_file is None or module_file.endswith("/"):
            return None
        return self.target(module_file, (rest[-1],), depth + 1)

    def routes(self) -> Iterator[Route]:
        nodes = set(self.kinds) | set(self.routes_of)
        roots = sorted(n for n in nodes if n not in self.included)
        for root in roots:
            router = self.kinds.get(root)
            app = f"{root[0]}:{root[1]}" if router is not None and router.is_app else ""
            own = router.prefix if router is not None else ""
            yield from self._walk(root, own, app, (root,))

    def _walk(self, node: Node, prefix: str, app: str, seen: tuple[Node, ...]) -> Iterator[Route]:
        for path, route in self.routes_of.get(node, []):
            full = join(prefix, route.path)
            for method in route.methods:
                yield Route(method, full, path, route.function, route.line, route.col, app)
        for child, include_prefix in self.children.get(node, []):
            if child in seen:
                continue
            router = self.kinds.get(child)
            own = router.prefix if router is not None else ""
            if router is not None and router.kind == "blueprint":
                inner = include_prefix if include_prefix is not None else own  # url_prefix= replaces it
            else:
                inner = join(include_prefix or "", own)
            yield from self._walk(child, join(prefix, inner) if inner else prefix, app, (*seen, child))
