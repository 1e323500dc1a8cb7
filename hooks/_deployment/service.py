"""The deployment of each service: which files, which image, which env sources, which run command,
which dependency install. One model, built once per run, that env-vars, syntax-imports and
deploy-config ask (and deploy and pre-deploy-check, by the configured service's name).

A service is a configured one (`.ava-safety.yaml` `services:`, with its `files` globs) or, for the
deployment files no configured service claims, one per directory that holds a Dockerfile,
apprunner.yaml or Procfile (the grouping deploy-config has always used: `model.groups`). A service's
root is the directory of those files; the code under it is the service's code, so a variable read
there is checked against that service's deployment only. A file under no root (or under two
services' shared root) belongs to no service, and every service's deployment counts for it, as it
did before services were told apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .._config import ServiceConfig
from .._glob import PathMatcher
from .._source import RunContext
from .commands import FileInstall, RunCommand, build_path, installs, run_commands
from .files import (
    UNRESOLVED,
    classify,
    dirname,
    dockerfile_model,
    dockerignore,
    document,
    get_path,
    join,
    kinds,
    line_of,
    sniff_kind,
)
from .model import groups, image_of, main_container, workflow_model

ANCHOR_KINDS = ("dockerfile", "apprunner", "procfile")  # files whose directory is a service's root
ENV_SOURCE_KINDS = ("apprunner", "taskdef", "compose", "dockerfile", "dotenv-example")


@dataclass(frozen=True)
class EnvSource:
    """A file whose variables reach a service's running code."""

    path: str
    kind: str | None  # a `classify` kind; None for a file named in `env.sources` (read by content)
    scope: frozenset[str] | None = None  # a compose file: only these compose services' variables
    via: str = ""  # a compose `env_file`: the compose file that names it


@dataclass(frozen=True)
class DependencyInstall:
    """What one build step installs: `RUN pip install -r requirements.txt` in a Dockerfile,
    `pip install -r requirements.txt` in apprunner.yaml's build commands."""

    where: str  # "Dockerfile:12"
    files: tuple[str, ...]  # requirement files it installs, with the files they include (-r), repo paths
    constraints: tuple[str, ...]  # constraint files (-c), repo paths
    packages: tuple[str, ...]  # packages it names directly, as written
    missing: tuple[str, ...]  # files it names that the repository does not have
    local: tuple[str, ...] = ()  # project directories it installs (`pip install .`): their declared deps


@dataclass(frozen=True)
class ServiceImage:
    """An image a service runs: the base of the image it builds, or the image its deployment names."""

    where: str  # "Dockerfile:1", ".aws/task-definition.json:7"
    how: str  # "FROM" | "task definition" | "compose" | "workflow"
    image: str  # the reference, build arguments resolved


@dataclass(frozen=True)
class Service:
    """One service's deployment. Its files, root and env sources are known when the model is built;
    what it runs, installs and deploys is read from its files the first time it is asked."""

    key: str  # the configured name, or "dir:<directory>" for a service found by its files
    name: str | None  # the configured name
    config: ServiceConfig | None
    root: str | None  # the directory of its Dockerfile/apprunner.yaml/Procfile; None when it has none
    files: tuple[str, ...]  # its deployment files
    env_sources: tuple[EnvSource, ...] = ()  # files whose variables reach it, its own and the shared ones
    context: RunContext | None = field(default=None, compare=False, repr=False)

    def files_of(self, *kinds: str) -> tuple[str, ...]:
        return tuple(p for p in self.files if classify(p) in kinds)

    def owns(self, path: str) -> bool:
        """Whether `path` is under this service's root."""
        return self.root is not None and (self.root == "" or path.startswith(self.root + "/"))

    def ships(self, path: str) -> bool:
        """Whether the service's build puts `path` into what runs. False only when it is built from
        Dockerfiles alone and each one's context `.dockerignore` leaves the file out (infrastructure
        code such as cdk/ beside the service): an App Runner source build or a Procfile ships the
        repository as it is."""
        dockerfiles = self.files_of("dockerfile")
        if not dockerfiles or self.files_of("apprunner", "procfile"):
            return True
        context = self._context()
        for path_of in dockerfiles:
            ignored = dockerignore(context, dirname(path_of))
            if ignored is None or not ignored.excludes(path):
                return True
        return False

    @cached_property
    def commands(self) -> tuple[RunCommand, ...]:
        """What it runs: its Dockerfiles' ENTRYPOINT/CMD, its Procfile processes, `run.command`."""
        context = self._context()
        return tuple(c for path in self.files_of(*ANCHOR_KINDS) for c in run_commands(context, path))

    @cached_property
    def installs(self) -> tuple[DependencyInstall, ...]:
        """What its build installs (Dockerfile RUN, apprunner.yaml build commands); empty: not known."""
        context = self._context()
        found = (i for path in self.files_of("dockerfile", "apprunner") for i in installs(context, path))
        return tuple(_dependency_install(context, i) for i in found)

    @cached_property
    def images(self) -> tuple[ServiceImage, ...]:
        return _images(self._context(), self)

    def _context(self) -> RunContext:
        assert self.context is not None, "a Service is built by services(context)"
        return self.context


def services(context: RunContext) -> list[Service]:
    """Every service of the repository: the configured ones in config order, then those found by
    directory."""
    return context.fact(_services)


def service_named(context: RunContext, name: str) -> Service | None:
    """The configured service of that name (`.ava-safety.yaml` `services: - name:`)."""
    return next((s for s in services(context) if s.name == name), None)


def shipped(context: RunContext, path: str) -> bool:
    """Whether `path` is in what its service runs (`Service.ships`); a file of no service is."""
    service = service_of(context, path)
    return service is None or service.ships(path)


def service_of(context: RunContext, path: str) -> Service | None:
    """The service a file belongs to: a deployment file's group, else the service whose root is the
    nearest directory above the file. None when no service or more than one claims it."""
    grouped = groups(context)
    by_key = {s.key: s for s in services(context)}
    keys = grouped.of.get(path)
    if keys is not None:
        return by_key[keys[0]] if len(keys) == 1 else None
    return _owner(list(by_key.values()), path)


def _owner(found: list[Service], path: str) -> Service | None:
    owners = [s for s in found if s.owns(path)]
    if not owners:
        return None
    deepest = max(len(s.root or "") for s in owners)
    nearest = [s for s in owners if len(s.root or "") == deepest]
    return nearest[0] if len(nearest) == 1 else None


# --- building the model ----------------------------------------------------------------------------


def _services(context: RunContext) -> list[Service]:
    grouped = groups(context)
    config = context.config
    keys: list[tuple[str, ServiceConfig | None]] = [(s.name, s) for s in config.services]
    configured = {s.name for s in config.services}
    keys += [(key, None) for key in grouped.members if key not in configured]
    bare = [
        Service(key, svc.name if svc else None, svc, _root(grouped.members.get(key, [])),
                tuple(grouped.members.get(key, [])))
        for key, svc in keys
    ]  # fmt: skip
    sources = env_sources(context)
    owners = _env_owners(context, bare, sources)
    deployed = _deployed_taskdefs(context)
    out = []
    for svc in bare:
        reach = [r for r in (_reaching(source, owners, svc.key) for source in sources) if r is not None]
        out.append(replace(svc, env_sources=_deployed_sources(reach, deployed), context=context))
    return out


def _deployed_taskdefs(context: RunContext) -> frozenset[str]:
    """The task definition files a workflow renders or registers: the ones ECS really runs."""
    found: set[str] = set()
    for path, kind in kinds(context).items():
        if kind in ("workflow", "buildspec"):
            model = workflow_model(context, path)
            found.update(t.taskdef for t in (model.targets if model else []) if t.taskdef)
    return frozenset(found)


def _deployed_sources(reach: list[EnvSource], deployed: frozenset[str]) -> tuple[EnvSource, ...]:
    """When the service's deployment is known (its apprunner.yaml, the task definition a workflow
    deploys), only that deployment provides a variable: other task definitions (old copies under
    scripts/, another environment's) are not sources, and .env.example documents, it does not
    provide. Files .ava-safety.yaml names (kind None) always count."""
    runs = {s.path for s in reach if s.kind == "taskdef" and s.path in deployed}
    known = bool(runs) or any(s.kind == "apprunner" for s in reach)
    if not known:
        return tuple(reach)
    return tuple(
        s for s in reach
        if s.kind != "dotenv-example" and (s.kind != "taskdef" or not runs or s.path in runs)
    )  # fmt: skip


def _root(files: list[str]) -> str | None:
    """The deepest directory that holds every anchor file (Dockerfile, apprunner.yaml, Procfile)."""
    dirs = [dirname(p).split("/") if dirname(p) else [] for p in files if classify(p) in ANCHOR_KINDS]
    if not dirs:
        return None
    common = dirs[0]
    for parts in dirs[1:]:
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return "/".join(common)


def _dependency_install(context: RunContext, found: FileInstall) -> DependencyInstall:
    from .._python.requirements import includes

    files: list[str] = []
    pending = list(found.requirement_files)
    while pending:
        path = pending.pop(0)
        if path in files:
            continue
        files.append(path)
        pending.extend(p for p in includes(context, path) if p in context.repo_files)
    named = len(found.install.requirements) + len(found.install.constraints)
    resolved = len(found.requirement_files) + len(found.constraint_files)
    missing = () if named == resolved else _missing(context, found)
    install = found.install
    return DependencyInstall(
        found.where, tuple(files), found.constraint_files, install.packages, missing, install.local
    )


def _missing(context: RunContext, found: FileInstall) -> tuple[str, ...]:
    names = (*found.install.requirements, *found.install.constraints)
    return tuple(n for n in names if build_path(context, found.path, n) is None)


def _images(context: RunContext, svc: Service) -> tuple[ServiceImage, ...]:
    out: list[ServiceImage] = []
    for path in svc.files_of("dockerfile"):
        model = dockerfile_model(context, path)
        if model is None or model.final is None:
            continue
        base = model.chain(model.final)[-1]  # through the stages it is built FROM, the image it starts from
        if base.base is not None:
            out.append(ServiceImage(f"{path}:{base.line}", "FROM", base.base))
    for path in svc.files_of("taskdef"):
        doc = document(context, path)
        data = doc.usable if doc is not None else None
        container = main_container(data, svc.config.container if svc.config else None)
        text = container.get("image") if container is not None else None
        if container is not None and isinstance(text, str):
            out.append(ServiceImage(f"{path}:{container.line_of('image')}", "task definition", text))
    for path in svc.files_of("workflow"):
        wf = workflow_model(context, path)
        for pushed in wf.images if wf else []:
            if pushed.deployed:
                shown = pushed.image.text.replace(UNRESOLVED, "${{…}}")  # known only when it runs
                out.append(ServiceImage(pushed.site.where(), "workflow", shown))
    for path in svc.files_of("compose"):
        doc = document(context, path)
        for name, spec in own_compose_services(doc.usable if doc else None).items():
            text = spec.get("image") if isinstance(spec, dict) else None
            if isinstance(text, str) and image_of(text) is not None:
                out.append(ServiceImage(f"{path}:{line_of(spec, 'image')}", f"compose {name}", text))
    return tuple(out)


# --- the files whose variables reach a service -----------------------------------------------------


def env_sources(context: RunContext) -> list[EnvSource]:
    """Every file of the repository whose variables reach a running service, in path order; a
    compose file's tracked `env_file`s follow it."""
    return context.fact(_env_sources)


def _env_sources(context: RunContext) -> list[EnvSource]:
    config = context.config
    configured = list(config.services)
    globs = [g for s in configured for g in s.files]
    globs += list(config.env_sources)
    auto = not configured or any(not s.files for s in configured)
    chosen = PathMatcher(globs)
    known = kinds(context)
    candidates = context.repo_files if chosen else known  # without globs only classified files can count
    out: list[EnvSource] = []
    for path in sorted(candidates):
        if path.endswith(".py") or config.exclude(path):
            continue
        kind = known.get(path)
        if chosen(path) or (auto and kind in ENV_SOURCE_KINDS):
            out.append(EnvSource(path, kind))
    listed = {s.path for s in out}
    extra: list[EnvSource] = []
    for source in out:
        if _kind(context, source) != "compose":
            continue
        doc = document(context, source.path)
        for env_file, _line, _service in compose_env_files(doc.usable if doc is not None else None):
            target = join(dirname(source.path), env_file)
            # an untracked env file holds the developer's own values: it is never read
            if target in context.repo_files and target not in listed:
                listed.add(target)
                extra.append(EnvSource(target, "dotenv", via=source.path))
    # a compose file's env files come right after it, as env-vars has always listed them
    ordered: list[EnvSource] = []
    for source in out:
        ordered.append(source)
        ordered.extend(e for e in extra if e.via == source.path)
    return ordered


def _kind(context: RunContext, source: EnvSource) -> str | None:
    if source.kind in (*ENV_SOURCE_KINDS, "dotenv"):
        return source.kind
    found = context.file(source.path)
    return sniff_kind(source.path, found.text) if found is not None else None


def own_compose_services(doc: Any) -> dict[str, Any]:
    """The compose services built from this repository (`build:`): the others (postgres, redis) run
    someone else's code, and their environment is not this service's. All, when none is built here."""
    found = get_path(doc, "services")
    if not isinstance(found, dict):
        return {}
    built = {name: svc for name, svc in found.items() if isinstance(svc, dict) and "build" in svc}
    return built or dict(found)


def compose_env_files(doc: Any) -> list[tuple[str, int, str]]:
    """(path, line, compose service) of each `env_file:` of the compose services built here."""
    from .files import compose_env_files as every

    out: list[tuple[str, int, str]] = []
    for name, spec in own_compose_services(doc).items():
        out.extend((path, line, str(name)) for path, line in every({"services": {name: spec}}))
    return out


@dataclass(frozen=True)
class _Owners:
    files: dict[str, frozenset[str]]  # source path -> the services it belongs to (empty: every service's)
    compose: dict[str, dict[str, frozenset[str]]]  # compose path -> compose service -> services


def _env_owners(context: RunContext, found: list[Service], sources: list[EnvSource]) -> _Owners:
    grouped = groups(context)
    files: dict[str, frozenset[str]] = {}
    compose: dict[str, dict[str, frozenset[str]]] = {}
    for source in sources:
        keys = grouped.of.get(source.path)
        if keys is None:
            owner = _owner(found, source.path)
            keys = [owner.key] if owner is not None else []
        files[source.path] = frozenset(keys)
    for source in sources:
        if _kind(context, source) != "compose":
            continue
        doc = document(context, source.path)
        mapped = {
            str(name): _built_by(context, found, source.path, spec) or files[source.path]
            for name, spec in own_compose_services(doc.usable if doc is not None else None).items()
        }
        compose[source.path] = mapped
        for env_file, _line, name in compose_env_files(doc.usable if doc is not None else None):
            target = join(dirname(source.path), env_file)
            if target in files and target not in grouped.of:
                files[target] = files[target] | mapped.get(name, frozenset())
    return _Owners(files, compose)


def _built_by(context: RunContext, found: list[Service], compose: str, spec: Any) -> frozenset[str]:
    """The services a compose service is: the one whose Dockerfile it builds, or whose root is its
    build context."""
    build = spec.get("build") if isinstance(spec, dict) else None
    if build is None:
        return frozenset()
    build_dir = (
        build if isinstance(build, str) else build.get("context", ".") if isinstance(build, dict) else "."
    )
    context_dir = join(dirname(compose), str(build_dir))
    name = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    dockerfile = join(context_dir, str(name))
    keys = groups(context).of.get(dockerfile)
    if keys:
        return frozenset(keys)
    return frozenset(s.key for s in found if s.root == context_dir)


def _reaching(source: EnvSource, owners: _Owners, key: str) -> EnvSource | None:
    """The source as it reaches service `key`: all of it, part of a compose file, or none of it."""
    mapped = owners.compose.get(source.path)
    if mapped:
        scope = frozenset(name for name, keys in mapped.items() if not keys or key in keys)
        if not scope:
            return None
        return (
            source if scope == frozenset(mapped) else EnvSource(source.path, source.kind, scope, source.via)
        )
    keys = owners.files.get(source.path, frozenset())
    return source if not keys or key in keys else None
