"""Declared dependencies of a repository, and which distribution an import name comes from.

Declared: requirements*.txt (with `-r` includes), pyproject (PEP 621 dependencies and extras, PEP 735
dependency groups, Poetry, PDM, uv, Hatch environments, build-system), setup.cfg, setup.py (literal
lists only), Pipfile, and `pip install` lines of Dockerfiles. Each requirement is production or
development: dev groups, dev-named requirement files, build requirements and Pipfile dev-packages
are development; a file a Dockerfile installs is production whatever its name.

Import name → distribution, in this order: the project's own virtualenv when one is on disk
(`*.dist-info/top_level.txt` and `RECORD`, nothing imported), the bundled table
(`rules/data/import-names.yaml`), then name normalisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._bundled import data_table
from .._deployment.commands import installs
from .._deployment.files import get_path
from .._read import Unread, read_file
from .._source import PARSE_ERRORS, RunContext
from .requirements import includes, logical_lines

NAME_RX = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?")
METADATA_LIMIT = 16 * 1024 * 1024  # bytes: a RECORD of the largest wheels is a few MB
EGG_RX = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
DEV_WORDS = frozenset(
    {
        "dev", "develop", "development", "test", "tests", "testing", "lint", "linting", "doc", "docs",
        "typing", "types", "mypy", "ci", "local", "tox", "bench", "benchmark", "benchmarks", "style",
        "format", "check", "checks", "coverage", "cov", "qa", "debug", "tools", "tooling", "build",
    }
)  # fmt: skip
# what `pip install .` reads the project's own dependencies from
PROJECT_FILES = frozenset({"pyproject.toml", "setup.cfg", "setup.py", "Pipfile"})
VENV_DIRS = (".venv", "venv", "env", ".env", "virtualenv", ".virtualenv")
RECORD_DEPTH = 3
GENERATED_TABLE = "distributions.json"


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised
    extras: frozenset[str]
    origin: str  # file (and line) it came from
    dev: bool
    spec: str = field(default="", compare=False)  # as written (PEP 508, or Poetry's `name ^1.2`)


@dataclass
class Declared:
    """Everything the repository declares it needs, production and development."""

    requirements: list[Requirement] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # files that declare dependencies
    project_names: set[str] = field(default_factory=set)  # the repo's own distributions

    def add(self, name: str, extras: Iterable[str], origin: str, *, dev: bool, spec: str = "") -> None:
        self.requirements.append(
            Requirement(normalize(name), frozenset(normalize(e) for e in extras), origin, dev, spec)
        )

    def names(self, *, dev: bool) -> set[str]:
        return {r.name for r in self.requirements if r.dev == dev}

    def extras_of(self, name: str) -> set[str]:
        return {e for r in self.requirements if r.name == name and not r.dev for e in r.extras}

    def origin_of(self, name: str, *, dev: bool) -> str | None:
        for req in self.requirements:
            if req.name == name and req.dev == dev:
                return req.origin
        return None


# --- reading the repository --------------------------------------------------------------------


def load_toml(context: RunContext, path: str) -> dict[str, Any]:
    """A tracked TOML file, parsed once per run; {} when absent or broken."""
    return context.fact(_Tomls).load(path)


class _Tomls:
    """The run's TOML files (pyproject.toml, Pipfile), each parsed once for every reader."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.docs: dict[str, dict[str, Any]] = {}

    def load(self, path: str) -> dict[str, Any]:
        if path not in self.docs:
            try:
                import tomllib
            except ImportError:  # pragma: no cover - Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            text = _read_text(self.context, path)
            try:
                self.docs[path] = tomllib.loads(text) if text is not None else {}
            except tomllib.TOMLDecodeError:
                self.docs[path] = {}
        return self.docs[path]


def declared(context: RunContext) -> Declared:
    """The repository's declared dependencies, read once per run."""
    return context.fact(read_declared)


def read_declared(context: RunContext) -> Declared:
    files = context.repo_files
    out = Declared()
    docker_reqs: set[str] = set()
    names = context.by_name  # every tracked file by name: one walk, here over the distinct names
    dockerfiles = [
        n for n in names if n == "Dockerfile" or n.startswith("Dockerfile.") or n.endswith(".dockerfile")
    ]
    for path in sorted(p for n in dockerfiles for p in names[n]):
        docker_reqs |= _read_dockerfile(context, path, out)
    req_names = [n for n in names if n.endswith((".txt", ".in"))]
    req_files = sorted(p for n in req_names for p in names[n] if is_requirements_file(p))
    prod_files = {p for p in req_files if not is_dev_name(p)} | docker_reqs
    included: dict[str, set[str]] = {}
    for path in req_files:
        included[path] = set()
    # a file that a production file includes (-r) is production too
    pending = sorted(prod_files)
    seen: set[str] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for inc in includes(context, path):
            if inc not in seen:
                prod_files.add(inc)
                pending.append(inc)
    for path in sorted(set(req_files) | prod_files):
        if path in files:
            _read_requirements(context, path, out, dev=path not in prod_files)
    for path in sorted(names.get("pyproject.toml", ())):
        _read_pyproject(context, path, out)
    for path in sorted(names.get("setup.cfg", ())):
        _read_setup_cfg(context, path, out)
    for path in sorted(names.get("setup.py", ())):
        _read_setup_py(context, path, out)
    for path in sorted(names.get("Pipfile", ())):
        _read_pipfile(context, path, out)
    return out


def is_requirements_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    parent = path.rsplit("/", 2)[-2] if "/" in path else ""
    if name.endswith((".txt", ".in")) and "requirements" in name.lower():
        return True
    return parent.lower() == "requirements" and name.endswith((".txt", ".in"))


def is_dev_name(path: str) -> bool:
    """requirements-dev.txt, requirements/test.txt, dev-requirements.in ... (not base/prod)."""
    words = set(re.split(r"[-_./]+", path.lower()))
    return bool(words & DEV_WORDS)


def _read_text(context: RunContext, path: str) -> str | None:
    source = context.file(path)
    return None if source is None else source.text


def _read_requirements(context: RunContext, path: str, out: Declared, *, dev: bool) -> None:
    text = _read_text(context, path)
    if text is None:
        return
    out.sources.append(path)
    for number, line in logical_lines(text):
        _add_requirement_line(line, f"{path}:{number}", out, dev=dev)


def _add_requirement_line(line: str, origin: str, out: Declared, *, dev: bool) -> None:
    stripped = line.strip()
    if not stripped:
        return
    if stripped.startswith("-"):
        egg = EGG_RX.search(stripped)
        if stripped.startswith(("-e", "--editable")) and egg:
            out.add(egg.group(1), (), origin, dev=dev)
        return
    egg = EGG_RX.search(stripped)
    if "://" in stripped.split("@", 1)[0] or stripped.startswith(("git+", "hg+", "svn+", "bzr+")):
        if egg:
            out.add(egg.group(1), (), origin, dev=dev)
        return
    if stripped.startswith((".", "/")):
        return  # a local path: the project itself or a vendored package
    add_requirement(stripped, origin, out, dev=dev)


def add_requirement(spec: str, origin: str, out: Declared, *, dev: bool) -> None:
    m = NAME_RX.match(spec)
    if m is None:
        return
    extras = [e.strip() for e in (m.group(2) or "").split(",") if e.strip()]
    out.add(m.group(1), extras, origin, dev=dev, spec=spec.strip())


def _read_pyproject(context: RunContext, path: str, out: Declared) -> None:
    doc = load_toml(context, path)
    if not doc:
        return
    found = False
    project = doc.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("name"), str):
            out.project_names.add(normalize(project["name"]))
        for spec in _str_items(project.get("dependencies")):
            add_requirement(spec, f"{path} [project] dependencies", out, dev=False)
            found = True
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group, specs in optional.items():
                for spec in _str_items(specs):
                    add_requirement(spec, f"{path} [project.optional-dependencies] {group}", out,
                                    dev=is_dev_group(str(group)))  # fmt: skip
                    found = True
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        for group, specs in groups.items():
            for spec in _str_items(specs):
                add_requirement(spec, f"{path} [dependency-groups] {group}", out, dev=True)
                found = True
    tool = _table(doc.get("tool"))
    poetry = _table(tool.get("poetry"))
    if isinstance(poetry.get("name"), str):
        out.project_names.add(normalize(poetry["name"]))
    for section, dev in ((poetry.get("dependencies"), False), (poetry.get("dev-dependencies"), True)):
        found |= _poetry_table(section, path, out, dev=dev)
    poetry_groups = poetry.get("group")
    if isinstance(poetry_groups, dict):
        for group, spec in poetry_groups.items():
            if isinstance(spec, dict):
                found |= _poetry_table(spec.get("dependencies"), path, out, dev=group != "main")
    for dev_list in (
        get_path(tool, "uv", "dev-dependencies"),
        *(_dict_values(get_path(tool, "pdm", "dev-dependencies"))),
        *(
            e.get("dependencies")
            for e in _dict_values(get_path(tool, "hatch", "envs"))
            if isinstance(e, dict)
        ),
        *(
            e.get("extra-dependencies")
            for e in _dict_values(get_path(tool, "hatch", "envs"))
            if isinstance(e, dict)
        ),
    ):
        for spec in _str_items(dev_list):
            add_requirement(spec, f"{path} [tool] dev dependencies", out, dev=True)
    for spec in _str_items(get_path(doc, "build-system", "requires")):
        add_requirement(spec, f"{path} [build-system] requires", out, dev=True)
    if found:
        out.sources.append(path)


def is_dev_group(group: str) -> bool:
    return bool(set(re.split(r"[-_.]+", group.lower())) & DEV_WORDS)


def _poetry_table(section: Any, path: str, out: Declared, *, dev: bool) -> bool:
    if not isinstance(section, dict):
        return False
    found = False
    for name, spec in section.items():
        if str(name).lower() == "python":
            continue
        extras = spec.get("extras", []) if isinstance(spec, dict) else []
        version = spec.get("version", "") if isinstance(spec, dict) else spec
        out.add(str(name), [e for e in extras if isinstance(e, str)], f"{path} [tool.poetry]", dev=dev,
                spec=f"{name} {version}" if isinstance(version, str) else str(name))  # fmt: skip
        found = True
    return found


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str_items(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dict_values(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else []


def _read_setup_cfg(context: RunContext, path: str, out: Declared) -> None:
    import configparser

    text = _read_text(context, path)
    if text is None:
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    if parser.has_option("metadata", "name"):
        out.project_names.add(normalize(parser.get("metadata", "name")))
    found = False
    for key, dev in (("install_requires", False), ("tests_require", True), ("setup_requires", True)):
        if parser.has_option("options", key):
            for line in parser.get("options", key).splitlines():
                if line.strip():
                    add_requirement(line.strip(), f"{path} [options] {key}", out, dev=dev)
                    found = True
    if parser.has_section("options.extras_require"):
        for group, value in parser.items("options.extras_require"):
            for line in value.splitlines():
                if line.strip():
                    add_requirement(line.strip(), f"{path} extras {group}", out, dev=is_dev_group(group))
                    found = True
    if found:
        out.sources.append(path)


def _read_setup_py(context: RunContext, path: str, out: Declared) -> None:
    """`setup(install_requires=[...])` with literal lists (or module-level names bound to them)."""
    import ast

    text = _read_text(context, path)
    if text is None or "setup" not in text:
        return
    try:
        tree = ast.parse(text)
    except PARSE_ERRORS:
        return
    names: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = stmt.value

    def strings(node: ast.expr | None) -> list[str]:
        if isinstance(node, ast.Name):
            node = names.get(node.id)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return []

    found = False
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup"
        ):
            continue
        for kw in node.keywords:
            if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                out.project_names.add(normalize(kw.value.value))
            elif kw.arg in ("install_requires", "tests_require", "setup_requires"):
                for spec in strings(kw.value):
                    add_requirement(spec, f"{path} {kw.arg}", out, dev=kw.arg != "install_requires")
                    found = True
            elif kw.arg == "extras_require":
                value = names.get(kw.value.id) if isinstance(kw.value, ast.Name) else kw.value
                if isinstance(value, ast.Dict):
                    for key, val in zip(value.keys, value.values, strict=False):
                        group = key.value if isinstance(key, ast.Constant) else ""
                        for spec in strings(val):
                            add_requirement(spec, f"{path} extras_require", out, dev=is_dev_group(str(group)))
                            found = True
    if found:
        out.sources.append(path)


def _read_pipfile(context: RunContext, path: str, out: Declared) -> None:
    doc = load_toml(context, path)
    found = False
    for section, dev in (("packages", False), ("dev-packages", True)):
        table = doc.get(section)
        if isinstance(table, dict):
            for name, spec in table.items():
                extras = spec.get("extras", []) if isinstance(spec, dict) else []
                out.add(str(name), [e for e in extras if isinstance(e, str)], f"{path} [{section}]", dev=dev)
                found = True
    if found:
        out.sources.append(path)


def _read_dockerfile(context: RunContext, path: str, out: Declared) -> set[str]:
    """`RUN pip install x y -r requirements/prod.txt`: what the image installs is production.

    The pip installs are the deployment model's (hooks._deployment.commands.installs)."""
    files: set[str] = set()
    found = False
    for install in installs(context, path):
        files.update(install.requirement_files)
        for spec in install.install.packages:
            add_requirement(spec, install.where, out, dev=False)
            found = True
    if found:
        out.sources.append(path)
    return files


# --- import name → distribution ----------------------------------------------------------------


@dataclass
class DistIndex:
    """What provides an import name: the project's virtualenv, the bundled table, normalisation."""

    venv: dict[str, set[str]] = field(default_factory=dict)  # dotted prefix -> distributions
    venv_requires: dict[str, set[str]] = field(default_factory=dict)  # dist -> dists it requires
    venv_extras: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    venv_path: str | None = None
    table: dict[str, list[str]] = field(default_factory=dict)  # dotted prefix -> distributions
    requires: dict[str, set[str]] = field(default_factory=dict)
    extras: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def candidates(self, module: str) -> list[str]:
        """Normalised distribution names that may provide `module` (dotted), most likely first: those
        the virtualenv and the tables know, then guesses from the dotted name (`google-cloud-storage`)."""
        parts = module.split(".")
        out = self.known(module)
        for depth in range(len(parts), 0, -1):
            out.append(normalize("-".join(parts[:depth])))
        return list(dict.fromkeys(out))

    def known(self, module: str) -> list[str]:
        """The distributions the project's virtualenv or the tables say provide `module` (no guess)."""
        out: list[str] = []
        parts = module.split(".")
        for source in (self.venv, self.table):
            for depth in range(len(parts), 0, -1):
                found = source.get(".".join(parts[:depth]))
                if found:
                    out.extend(normalize(d) for d in (sorted(found) if isinstance(found, set) else found))
                    break
        return list(dict.fromkeys(out))

    def provides(self, dist: str, module: str) -> bool:
        """Whether a declared distribution plausibly provides `module` by its name alone."""
        top = normalize(module.split(".")[0])
        for guess in import_guesses(dist):
            if guess == top:
                return True
        return False

    def requirements_of(self, dist: str) -> set[str]:
        return self.venv_requires.get(dist, set()) | self.requires.get(dist, set())

    def extra_requirements(self, dist: str, extra: str) -> set[str]:
        return self.venv_extras.get((dist, extra), set()) | self.extras.get((dist, extra), set())


def import_guesses(dist: str) -> set[str]:
    """Import names a distribution's name suggests: python-dateutil → dateutil, PyJWT → jwt."""
    name = normalize(dist)
    out = {name}
    for prefix in ("python-", "py-", "py", "django-", "flask-"):
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            out.add(name[len(prefix) :])
    for suffix in ("-python", "-py", "-binary", "-sdk", "-client", "-slim", "-headless"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            out.add(name[: -len(suffix)])
    out |= {n.replace("-", "") for n in list(out)}
    return out


def dist_index(context: RunContext) -> DistIndex:
    """What provides an import name in this repository, built once per run."""
    return context.fact(_dist_index)


def _dist_index(context: RunContext) -> DistIndex:
    return build_dist_index(context.root)


def build_dist_index(root: Path) -> DistIndex:
    index = DistIndex()
    # the generated table of the most used distributions (bench/import_table.py), then the hand one
    # on top: its names come first and its requirement lists are added to the generated ones
    generated = generated_table()
    for dist, spec in (generated.get("distributions") or {}).items():
        name = normalize(str(dist))
        for module in spec.get("modules") or ():
            index.table.setdefault(str(module), []).append(name)
        index.requires[name] = {normalize(str(r)) for r in spec.get("requires") or ()}
        for extra, reqs in (spec.get("extras") or {}).items():
            index.extras[(name, normalize(str(extra)))] = {normalize(str(r)) for r in reqs}
    data = bundled_table()
    for module, dists in (data.get("import_names") or {}).items():
        listed = [str(d) for d in (dists if isinstance(dists, list) else [dists])]
        index.table[str(module)] = list(dict.fromkeys([*listed, *index.table.get(str(module), [])]))
    for dist, reqs in (data.get("requires") or {}).items():
        name = normalize(str(dist))
        index.requires[name] = index.requires.get(name, set()) | {normalize(str(r)) for r in reqs or ()}
    for spec, reqs in (data.get("extras") or {}).items():
        m = NAME_RX.match(str(spec))
        if m and m.group(2):
            key = (normalize(m.group(1)), normalize(m.group(2)))
            index.extras[key] = index.extras.get(key, set()) | {normalize(str(r)) for r in reqs}
    site = find_site_packages(root)
    if site is not None:
        index.venv_path = str(site)
        _read_site_packages(site, index)
    return index


def bundled_table() -> dict[str, Any]:
    return data_table("import-names.yaml")


@lru_cache(maxsize=1)
def generated_table() -> dict[str, Any]:
    """rules/data/distributions.json (bench/import_table.py): import names and Requires-Dist of the
    most used distributions, from their published metadata; {} when it is missing or unreadable."""
    import json

    from .._bundled import bundled_root

    try:
        data = json.loads((bundled_root() / "data" / GENERATED_TABLE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def find_site_packages(root: Path) -> Path | None:
    for name in VENV_DIRS:
        venv = root / name
        if not (venv / "pyvenv.cfg").is_file():
            continue
        found = sorted(venv.glob("lib/python3*/site-packages")) + sorted(venv.glob("Lib/site-packages"))
        if found:
            return found[-1]
    return None


def _read_site_packages(site: Path, index: DistIndex) -> None:
    try:
        entries = list(site.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.endswith((".dist-info", ".egg-info")) or not entry.is_dir():
            continue
        dist = normalize(entry.name.split("-", 1)[0])
        metadata = _read_file(entry / ("METADATA" if entry.name.endswith(".dist-info") else "PKG-INFO"))
        for line in metadata.splitlines():
            if line.startswith("Name:"):
                dist = normalize(line[5:].strip())
            elif line.startswith("Requires-Dist:"):
                m = NAME_RX.match(line[14:])
                if m is None:
                    continue
                extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", line)
                required = normalize(m.group(1))
                if extra:
                    index.venv_extras.setdefault((dist, normalize(extra.group(1))), set()).add(required)
                else:
                    index.venv_requires.setdefault(dist, set()).add(required)
            elif not line.strip():
                break
        modules: set[str] = set()
        for name in _read_file(entry / "top_level.txt").split():
            modules.add(name.replace("/", "."))
        for line in _read_file(entry / "RECORD").splitlines():
            path = line.split(",", 1)[0]
            if not path or path.startswith(("..", "/")) or ".dist-info/" in path or "__pycache__" in path:
                continue
            parts = path.split("/")
            leaf = parts[-1]
            if leaf.endswith((".py", ".pyi")) or ".so" in leaf or leaf.endswith(".pyd"):
                parts[-1] = leaf.split(".", 1)[0]
                if parts[-1] == "__init__":
                    parts.pop()
                for depth in range(1, min(len(parts), RECORD_DEPTH) + 1):
                    modules.add(".".join(parts[:depth]))
        for module in modules:
            if module:
                index.venv.setdefault(module, set()).add(dist)


# --- what the declared dependencies install ------------------------------------------------------


@dataclass
class DepView:
    """The declared dependencies, resolved once per run for quick questions."""

    prod: set[str]
    dev: set[str]
    transitive: set[str]
    project: set[str]
    sources: list[str]
    dev_closure: set[str] = field(default_factory=set)  # dev dependencies and what they install
    via: dict[str, str] = field(default_factory=dict)  # transitive dist -> the prod dist that installs it
    install: str = ""  # the deployment's install this view is, for messages ("" : every declaration)


def view(context: RunContext) -> DepView:
    """The declared dependencies with what they install, once per run."""
    return context.fact(build_view)


def view_for(context: RunContext, path: str) -> DepView:
    """What production installs for the code at `path`: when the service it belongs to has a known
    install (a Dockerfile's `RUN pip install -r requirements.txt`, apprunner.yaml's build commands),
    exactly that set with its `-r` includes and, for `pip install .`, the project's own declared
    dependencies; a `requirements-extra.txt` nothing installs does not count. Otherwise every
    production declaration of the repository (`view`)."""
    from .._deployment.service import service_of

    service = service_of(context, path)
    installs = service.installs if service is not None else ()
    if service is None or not any(i.files or i.packages or i.local for i in installs):
        return view(context)
    store = context.fact(_service_views)
    if service.key not in store:
        store[service.key] = _installed_view(context, installs)
    return store[service.key]


def _service_views(context: RunContext) -> dict[str, DepView]:
    return {}


def _installed_view(context: RunContext, installs: Iterable[Any]) -> DepView:
    found = declared(context)
    out = Declared()
    sites: list[str] = []
    project = False
    for install in installs:
        for path in install.files:
            if path not in out.sources:
                _read_requirements(context, path, out, dev=False)
        for spec in install.packages:
            add_requirement(spec, install.where, out, dev=False)
        project = project or bool(install.local)
        named = [*install.files[:1], *install.packages[:2], *install.local[:1]]
        sites.append(f"{install.where} installs: {', '.join(named)}" if named else install.where)
    prod = out.names(dev=False)
    extras = {name: out.extras_of(name) for name in prod}
    if project:  # `pip install .`: the project's own PEP 621 / setup dependencies come with it
        for req in found.requirements:
            if not req.dev and req.origin.split(" ", 1)[0].rsplit("/", 1)[-1] in PROJECT_FILES:
                prod.add(req.name)
                extras.setdefault(req.name, set()).update(req.extras)
    shown = "; ".join(dict.fromkeys(sites))
    return _resolved(context, prod, extras, found, [shown], shown)


def build_view(context: RunContext) -> DepView:
    found = declared(context)
    prod = found.names(dev=False)
    extras = {name: found.extras_of(name) for name in prod}
    sources = sorted(found.sources, key=lambda p: (p.count("/"), p))
    return _resolved(context, prod, extras, found, sources, "")


def _resolved(
    context: RunContext,
    prod: set[str],
    extras: dict[str, set[str]],
    found: Declared,
    sources: list[str],
    install: str,
) -> DepView:
    """Production with its extras, what it installs in turn (and through which), and development."""
    index = dist_index(context)
    prod = set(prod)
    for name in list(prod):
        for extra in extras.get(name, ()):
            prod |= index.extra_requirements(name, extra)
    dev = found.names(dev=True)
    transitive: set[str] = set()
    via: dict[str, str] = {}
    frontier = {name: name for name in prod}  # dist -> the declared dist it came through
    for _ in range(4):
        nxt: dict[str, str] = {}
        for name, root in sorted(frontier.items()):
            for required in sorted(index.requirements_of(name)):
                if required not in prod and required not in transitive and required not in nxt:
                    nxt[required] = root
        if not nxt:
            break
        transitive |= set(nxt)
        via.update(nxt)
        frontier = nxt
    dev_closure = set(dev)
    dev_frontier = set(dev)
    for _ in range(4):
        more: set[str] = set()
        for name in dev_frontier:
            more |= index.requirements_of(name)
        more -= dev_closure
        if not more:
            break
        dev_closure |= more
        dev_frontier = more
    return DepView(prod, dev, transitive, found.project_names, sources, dev_closure, via, install)


def provider(index: DistIndex, module: str, names: set[str]) -> str | None:
    """The declared distribution (of `names`) that provides `module`, if any."""
    for candidate in index.candidates(module):
        if candidate in names:
            return candidate
    for name in names:
        if index.provides(name, module):
            return name
    return None


def _read_file(path: Path) -> str:
    """A metadata file of the repository's own virtualenv (untracked: it may hold anything, a FIFO
    included), through the one bounded reader; "" when it is not there or not readable."""
    raw = read_file(path, METADATA_LIMIT)
    return "" if isinstance(raw, Unread) else raw.decode("utf-8", "replace")


__all__ = [
    "Declared",
    "DepView",
    "DistIndex",
    "Requirement",
    "declared",
    "dist_index",
    "import_guesses",
    "is_dev_name",
    "load_toml",
    "normalize",
    "provider",
    "view",
    "view_for",
]
