"""env-vars: what the code reads from the environment against what the deployment provides.

Each `check_*` takes `(source, options)` and yields Matches for the file it is given. Two repo-wide
facts are computed once per run, reading tracked files from the repo root: the deployment (which
files count, what each sets) and every read in the repo's Python files (for "declared but never
read", aliases and wrapper functions, cached by content under .git/ava-safety/cache). Reads are found
by hooks._python.envreads on the stdlib `ast` tree, for the checked files the one the engine parsed.

Never reads the process environment; never prints a value: messages name variables, and a value
shows at most masked (`postgresql://admin:***@db/app`).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .._cache import JsonCache, code_version
from .._checks.plugin import Regex, repo_wide, takes_options
from .._deployment import files as df
from .._deployment.service import EnvSource, env_sources, own_compose_services, service_of, shipped
from .._mask import mask_url
from .._python.envreads import FileEnv, Read, Wrapper, analyse, might_read
from .._source import Match, RunContext, SourceFile

CACHE_VERSION = 2
GREP_WORDS = "environ|getenv|BaseSettings|decouple"  # PREFILTER_WORDS and "environ", for git grep
SOURCE_KINDS = ("apprunner", "taskdef", "compose", "dockerfile", "dotenv-example")
CONFIG_FILE = ".ava-safety.yaml"
QUOTE_FUNCTIONS = frozenset({"quote", "quote_plus", "urlquote", "url_quote", "quote_from_bytes"})
QUOTED_NAME_RX = re.compile(r"quot|escap|encod", re.I)
URL_CREDENTIALS_RX = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)([^@\s]+)(@.*)$")
USERINFO_BEFORE_RX = re.compile(r"://[^/@?#\s]*:$")
TRIVIAL_VALUES = frozenset({"", "true", "false", "yes", "no", "on", "off", "0", "1", "none", "null"})


# --- the deployment ------------------------------------------------------------------------------


@dataclass
class Source:
    path: str
    kind: str
    entries: list[df.EnvEntry]  # everything the file sets, any stage or container
    provides: list[df.EnvEntry]  # what reaches the running service
    error: str | None = None


@dataclass
class Deployment:
    sources: list[Source]
    provided: dict[str, tuple[str, int]]  # name -> where it is first set (path, line)
    outside: frozenset[str]  # `.ava-safety.yaml` env.provided: set in the console, Secrets Manager...
    references: set[str]  # $NAME used by deployment files and scripts (their commands read it)
    upper: frozenset[str] = frozenset()

    def provides(self, read: Read, platform: frozenset[str]) -> bool:
        for name in (read.name, *read.alternatives):
            if name in self.provided or name in self.outside or name in platform:
                return True
            if read.case_insensitive and name.upper() in self.upper:
                return True
        return False

    def searched(self) -> str:
        """The sources, for a message: `apprunner.yaml, Dockerfile, .env.example (+2 more)`."""
        names = [s.path for s in self.sources]
        if self.outside:
            names.append(f"{CONFIG_FILE} env.provided")
        if not names:
            return f"no deployment files (list outside values in {CONFIG_FILE} env.provided)"
        shown = names[:3]
        more = f" (+{len(names) - 3} more)" if len(names) > 3 else ""
        return ", ".join(shown) + more

    def only(self, reach: Sequence[EnvSource]) -> Deployment:
        """The part of this deployment that reaches one service (`Service.env_sources`)."""
        scopes = {s.path: s.scope for s in reach}
        sources = []
        for source in self.sources:
            if source.path not in scopes:
                continue
            scope = scopes[source.path]
            if scope is not None:  # a compose file: only the compose services that are this service
                source = Source(
                    source.path, source.kind,
                    [e for e in source.entries if e.scope in scope],
                    [e for e in source.provides if e.scope in scope], source.error,
                )  # fmt: skip
            sources.append(source)
        return _deployment_of(sources, self.outside, self.references)


def _deployment_of(sources: list[Source], outside: frozenset[str], references: set[str]) -> Deployment:
    provided: dict[str, tuple[str, int]] = {}
    for source in sources:
        for entry in source.provides:
            provided.setdefault(entry.name, (source.path, entry.line))
    upper = frozenset(n.upper() for n in (*provided, *outside))
    return Deployment(sources, provided, outside, references, upper)


def _config(context: RunContext) -> Any:
    return context.config


def parse_source(path: str, text: str, kind: str | None) -> Source:
    """What one deployment file sets; a file that does not parse sets nothing (deploy-config says why)."""
    return _source(df.parse(path, text, _source_kind(path, text, kind)))


def _source_kind(path: str, text: str, kind: str | None) -> str | None:
    return kind if kind in SOURCE_KINDS or kind == "dotenv" else df.sniff_kind(path, text)


def _source(doc: df.Document) -> Source:
    kind = doc.kind
    if kind not in (*SOURCE_KINDS, "dotenv"):
        return Source(doc.path, kind or "unknown", [], [])
    assert kind is not None
    if doc.error is not None:
        return Source(doc.path, kind, [], [], error=doc.error.message)
    own: set[int] | None = None
    if kind == "apprunner":
        entries = df.apprunner_env(doc.data)
    elif kind == "taskdef":
        entries = df.taskdef_env(doc.data)
    elif kind == "compose":
        entries = df.compose_env(doc.data)
        own = {e.line for e in df.compose_env({"services": own_compose_services(doc.data)})}
    elif kind == "dockerfile":
        entries = df.dockerfile_env_entries(doc.data)
    else:
        entries = df.dotenv_env(doc.data)
    provides = [
        e for e in entries
        if (e.runtime or e.section == "ARG") and (own is None or e.line in own)
    ]  # fmt: skip
    return Source(doc.path, kind, entries, provides)


def _read_source(context: RunContext, found: EnvSource) -> tuple[Source, str] | None:
    """The source and its text, read through the deployment reader."""
    doc = df.document(context, found.path)
    if doc is None:
        return None
    kind = _source_kind(found.path, doc.text, found.kind)
    if doc.kind != kind:  # named by .ava-safety.yaml (env.sources, a compose env_file): read by content
        doc = df.parse(found.path, doc.text, kind)
    return _source(doc), doc.text


def _read_text(context: RunContext, path: str) -> str | None:
    source = context.file(path)  # the run's reader: bounded, never through a link out of the repository
    return None if source is None else source.text


def deployment(context: RunContext) -> Deployment:
    """Every deployment source of the repository: what a read is checked against when the file that
    reads belongs to no one service."""
    return context.fact(_compute_deployment)


def _service_deployments(context: RunContext) -> dict[str, Deployment]:
    return {}


def deployment_for(context: RunContext, path: str) -> Deployment:
    """The deployment a read in `path` is checked against: that of the service whose code it is
    (hooks._deployment.service), or every service's when it is no one service's code."""
    service = service_of(context, path)
    everything = deployment(context)
    if service is None:
        return everything
    store = context.fact(_service_deployments)
    if service.key not in store:
        store[service.key] = everything.only(service.env_sources)
    return store[service.key]


def _compute_deployment(context: RunContext) -> Deployment:
    sources: list[Source] = []
    references: set[str] = set()
    for found in env_sources(context):
        read = _read_source(context, found)
        if read is None:
            continue
        sources.append(read[0])
        if not found.via:  # a compose env_file holds values, not commands
            references |= df.env_references(read[1])
    known = df.kinds(context)
    for path in sorted(context.repo_files):  # scripts and workflows expand variables too
        if path.endswith(".sh") or path in ("Procfile", "Makefile") or known.get(path) == "workflow":
            text = _read_text(context, path)
            if text is not None:
                references |= df.env_references(text)
    outside = frozenset(getattr(_config(context), "env_provided", frozenset()) or ())
    return _deployment_of(sources, outside, references)


def _platform(deploy: Deployment, options: Mapping[str, Any]) -> frozenset[str]:
    """Variables the platform sets itself (App Runner's PORT, ECS metadata) and the OS always does."""
    names = set(options.get("always_provided", ()))
    by_kind = options.get("platform_provided", {}) or {}
    for kind in {s.kind for s in deploy.sources}:
        names.update(by_kind.get(kind, ()))
    return frozenset(names)


# --- every read in the repo ----------------------------------------------------------------------


@dataclass
class RepoReads:
    wrappers: dict[str, Wrapper]
    reads: dict[str, list[tuple[str, Read]]]  # name (as read) -> [(path, read)]
    upper: frozenset[str] = frozenset()

    def is_read(self, name: str) -> bool:
        return name in self.reads or name.upper() in self.upper


def repo_reads(context: RunContext) -> RepoReads:
    """Every read in the repository's tracked Python files, once per run."""
    return context.fact(_compute_reads)


def _compute_reads(context: RunContext) -> RepoReads:
    """Every read in the repository's tracked Python files, through a cache of per-file results
    keyed by content under .git/ava-safety/cache (a file is parsed only on a miss)."""
    exclude = getattr(_config(context), "exclude", None)

    def wanted(path: str) -> bool:
        return (
            path.endswith(".py")
            and path in context.repo_files
            and not (exclude is not None and exclude(path))
        )

    cache = _ReadsCache.load(context.root)
    results: dict[str, tuple[list[Read], dict[str, Wrapper]]] = {}
    for path in _candidates(context, GREP_WORDS, wanted):
        source = context.file(path)
        if source is not None and might_read(source.text):
            results[path] = cache.get(path, source.text, "") or cache.put(
                path, source.text, "", _analyse(source, {})
            )
    wrappers = {name: w for reads, defined in results.values() for name, w in defined.items()}
    if wrappers:  # calls to another file's wrapper: look again with all of them known
        short = sorted({name.rpartition(".")[2] for name in wrappers})
        key = json.dumps(sorted((n, w.param, w.index, w.required) for n, w in wrappers.items()))
        for path in sorted(set(results) | set(_candidates(context, "|".join(short), wanted))):
            source = context.file(path)
            if source is not None and (path in results or might_read(source.text, short)):
                found = cache.get(path, source.text, key)
                results[path] = found or cache.put(path, source.text, key, _analyse(source, wrappers))
    cache.save()
    reads: dict[str, list[tuple[str, Read]]] = {}
    for path, (file_reads, _defined) in sorted(results.items()):
        for read in file_reads:
            reads.setdefault(read.name, []).append((path, read))
            for alternative in read.alternatives:
                reads.setdefault(alternative, []).append((path, read))
    upper = frozenset(n.upper() for n, hits in reads.items() if any(r.case_insensitive for _, r in hits))
    return RepoReads(wrappers, reads, upper)


def _analyse(source: SourceFile, wrappers: Mapping[str, Wrapper]) -> tuple[list[Read], dict[str, Wrapper]]:
    if source.tree is None:
        return [], {}
    env = analyse(source.text, source.path, tree=source.tree, wrappers=wrappers, char_col=source.char_col)
    return env.reads, env.wrappers


def _candidates(context: RunContext, pattern: str, wanted: Callable[[str], bool]) -> list[str]:
    """Tracked Python files whose text matches `pattern`: one `git grep` in a repository, else a scan."""
    from .. import _git

    rx = re.compile(pattern)
    try:
        found = [p for p in _git.grep_tracked(context.root, pattern) if wanted(p)]
        # git grep reads the work tree: the files this run reads from the index (outside a sparse
        # checkout, changed since `git add`) are tested on the text the run checks
        seen = set(found)
        scan = sorted(p for p in context.index if wanted(p) and p not in seen)
    except _git.GitError:
        found, scan = [], sorted(p for p in context.repo_files if wanted(p))
    for path in scan:
        source = context.file(path)
        if source is not None and rx.search(source.text):
            found.append(path)
    return found


class _ReadsCache:
    """Per-file results keyed by (path, content, the wrappers known), in hooks._cache's file
    `env-vars-reads.json`; stale when hooks/_python/envreads.py or modules.py changes. Entries this
    run did not use are dropped on save, so the file tracks the repository instead of growing."""

    def __init__(self, cache: JsonCache) -> None:
        self.cache = cache

    @classmethod
    def load(cls, root: Path) -> _ReadsCache:
        from .._python import envreads, modules

        return cls(
            JsonCache.load(root, "env-vars-reads.json", code_version((envreads, modules), CACHE_VERSION))
        )

    @staticmethod
    def _key(path: str, text: str, wrappers: str) -> str:
        return hashlib.sha1(f"{path}\0{wrappers}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, path: str, text: str, wrappers: str) -> tuple[list[Read], dict[str, Wrapper]] | None:
        key = self._key(path, text, wrappers)
        raw = self.cache.get(key)
        if raw is None:
            return None
        try:
            reads = [
                Read(n, bool(r), d, int(ln), int(c), tuple(a), bool(ci), bool(m))
                for n, r, d, ln, c, a, ci, m in raw["r"]
            ]
            defined = {name: Wrapper(p, int(i), bool(r)) for name, (p, i, r) in raw["w"].items()}
        except (KeyError, TypeError, ValueError):
            self.cache.forget(key)
            return None
        return reads, defined

    def put(
        self, path: str, text: str, wrappers: str, result: tuple[list[Read], dict[str, Wrapper]]
    ) -> tuple[list[Read], dict[str, Wrapper]]:
        reads, defined = result
        self.cache.put(
            self._key(path, text, wrappers),
            {
                "r": [
                    [
                        r.name,
                        r.required,
                        r.detail,
                        r.line,
                        r.col,
                        list(r.alternatives),
                        r.case_insensitive,
                        r.may_be_none,
                    ]
                    for r in reads
                ],
                "w": {name: [w.param, w.index, w.required] for name, w in defined.items()},
            },
        )
        return result

    def save(self) -> None:
        self.cache.save()


_FILE_ENVS: weakref.WeakKeyDictionary[SourceFile, FileEnv | None] = weakref.WeakKeyDictionary()


def file_env(source: SourceFile) -> FileEnv | None:
    """The reads of the file being checked, once per file for every rule that asks; None when it
    does not parse or cannot read the environment."""
    if source.tree is None:
        return None
    if source in _FILE_ENVS:
        return _FILE_ENVS[source]
    repo = repo_reads(source.context)
    short = {name.rpartition(".")[2] for name in repo.wrappers}
    env = None
    if might_read(source.text, short):
        env = analyse(
            source.text, source.path, tree=source.tree, wrappers=repo.wrappers, char_col=source.char_col
        )
    _FILE_ENVS[source] = env
    return env


# --- EV001: required and not provided ------------------------------------------------------------


@takes_options(always_provided=list[str], platform_provided=dict[str, list[str]], reads=Literal["maybe"])
def check_required_provided(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """Reads no deployment source provides: the required ones, or (`reads: maybe`) the getters
    without a default whose None nothing fails on at start (EV008, a warning)."""
    env = file_env(source)
    if env is None:
        return
    maybe = options.get("reads") == "maybe"
    missing = [r for r in env.reads if (r.may_be_none if maybe else r.required)]
    if not missing:
        return
    if not shipped(source.context, source.path):
        return  # left out of every image the service builds (.dockerignore: cdk/): never runs there
    deploy = deployment_for(source.context, source.path)
    if any(s.error is not None for s in deploy.sources):
        return  # what an unreadable file sets is unknown: EV009 says so on that file, not here per read
    platform = _platform(deploy, options)
    missing = [r for r in missing if not deploy.provides(r, platform)]
    for read in missing:
        yield Match(
            read.line, read.col, {"var": read.name, "read": read.detail, "sources": deploy.searched()}
        )


# --- EV009: a deployment source that does not parse ---------------------------------------------


def check_source_unreadable(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """A deployment source env-vars cannot read: the variables it sets are unknown, so the reads of
    the code it deploys are not checked against it (and not reported missing one by one)."""
    own = _own_source(source)
    if own is None or own.error is None:
        return
    doc = df.document(source.context, source.path)
    line = doc.error.line if doc is not None and doc.error is not None else 1
    error = own.error.removeprefix("invalid YAML: ").removeprefix("invalid JSON: ").partition("; ")[0]
    yield Match(line, 1, {"error": error})


# --- deployment files: the file's own entries ----------------------------------------------------


def _own_source(source: SourceFile) -> Source | None:
    """This file as a deployment source, when it is one: detected by name, named by the config
    (services[].files, env.sources, which then decide alone), or a compose service's env_file."""
    return source.context.fact(_sources_by_path).get(source.path)


def _sources_by_path(context: RunContext) -> dict[str, Source]:
    return {s.path: s for s in deployment(context).sources}


def _col(source: SourceFile, line: int, token: str) -> int:
    index = source.line_text(line).find(token) if token else -1
    return index + 1 if index >= 0 else 1


@lru_cache(maxsize=16)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def name_matcher(patterns: Iterable[str]) -> Any:
    """A predicate for variable names matching any of these shell-style patterns (`AWS_*`)."""
    import fnmatch

    joined = "|".join(fnmatch.translate(str(p)) for p in patterns)
    if not joined:
        return lambda name: False
    return _compile(joined).match


def is_secret_name(name: str, value: str, options: Mapping[str, Any]) -> bool:
    """PASSWORD/SECRET/TOKEN names hold secrets whatever their value; a `*_KEY` name only when the
    value is shaped like a key (SORT_KEY=created_at is not one)."""
    upper = name.upper()
    not_secret = options.get("not_secret_names")
    if not_secret and _compile(str(not_secret)).search(upper):
        return False
    if _compile(str(options.get("secret_names", "PASSWORD|SECRET|TOKEN"))).search(upper):
        return True
    if not _compile(str(options.get("key_names", "_KEY$"))).search(upper):
        return False
    return len(value) >= int(options.get("min_key_length", 16)) and not any(c.isspace() for c in value)


def _url_password(value: str) -> str | None:
    m = URL_CREDENTIALS_RX.match(value.strip())
    return m.group(2) if m else None


def placeholder(value: str, options: Mapping[str, Any]) -> str | None:
    """The label of the placeholder pattern a value matches (`your-…`, `changeme`), or None."""
    text = value.strip()
    for label, pattern in (options.get("placeholders") or {}).items():
        if re.search(str(pattern), text, re.I):
            return str(label)
    return None


def _checked_entries(source: SourceFile) -> list[df.EnvEntry]:
    """Entries with a literal value, in files whose values are deployment config (not examples, not
    `.env` files, which EV004 covers)."""
    own = _own_source(source)
    if own is None or own.kind == "dotenv-example" or is_dotenv_name(source.path):
        return []
    return [e for e in own.entries if e.value is not None and not e.reference]


def _compose_env_file(source: SourceFile) -> bool:
    """A tracked env file a compose file names (`env_file:`), or the `.env` beside a compose file,
    which compose reads to fill `${VAR}` in it: what it holds is deployed."""
    found = env_sources(source.context)
    if any(s.path == source.path and s.via for s in found):
        return True
    folder, _, name = source.path.rpartition("/")
    return name == ".env" and any(s.kind == "compose" and s.path.rpartition("/")[0] == folder for s in found)


def is_dotenv_name(path: str) -> bool:
    """`.env`, `.env.local`, `.env.production`: by convention one machine's or one environment's own
    values (EV004), unlike a service's `web.env` that compose reads."""
    name = path.rpartition("/")[2]
    return df.classify(path) == "dotenv" and (name == ".env" or name.startswith(".env."))


# --- EV002: a secret in plaintext ----------------------------------------------------------------


@takes_options(
    secret_names=Regex,
    key_names=Regex,
    not_secret_names=Regex,
    min_key_length=int,
    placeholders=dict[str, Regex],
)
def check_plaintext_secret(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    for entry in _checked_entries(source):
        value = entry.value or ""
        if value.strip().lower() in TRIVIAL_VALUES or placeholder(value, options):
            continue  # a placeholder is EV003's
        password = _url_password(value)
        if password is not None and not df.is_reference(password):
            shown = mask_url(value.strip())  # and if the masker missed it, nothing of it
            what = f"a URL with its password written in ({'***' if shown == value.strip() else shown})"
            yield _entry_match(source, entry, {"what": what})
        elif is_secret_name(entry.name, value, options):
            yield _entry_match(source, entry, {"what": "a secret-looking name with a plaintext value (***)"})


def _entry_match(source: SourceFile, entry: df.EnvEntry, values: dict[str, str]) -> Match:
    """At the value where it has a line of its own (`value:` in YAML, JSON), else at the name."""
    if entry.value_line:
        col = _col(source, entry.value_line, entry.value or "")
        return Match(entry.value_line, col, {"var": entry.name, "section": entry.section, **values})
    return Match(
        entry.line,
        _col(source, entry.line, entry.name),
        {"var": entry.name, "section": entry.section, **values},
    )


# --- EV003: placeholder values -------------------------------------------------------------------


@takes_options(placeholders=dict[str, Regex], secret=dict[str, Any])
def check_placeholder(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """Placeholders in deployment config, and in a committed `.env` a compose file deploys with
    (`env_file: .env`, full-stack-fastapi-template's `SECRET_KEY=changethis`)."""
    entries = _checked_entries(source)
    if not entries and is_dotenv_name(source.path) and _compose_env_file(source):
        entries = [e for e in df.dotenv_entries(source.text) if e.value]
    for entry in entries:
        value = entry.value or ""
        label = placeholder(value, options)
        if label is not None:
            secret = is_secret_name(entry.name, value, options.get("secret") or {})
            shown = "" if secret else f": {value.strip()!r}"  # a placeholder is no secret; its name may be
            yield _entry_match(source, entry, {"pattern": label, "shown": shown})


# --- EV010: debug mode in a production deployment -----------------------------------------------


@takes_options(names=list[str], values=list[str])
def check_debug_in_production(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """DEBUG=True (DJANGO_DEBUG, FLASK_DEBUG, ...) set by a production deployment: apprunner.yaml or a
    task definition (compose files and Dockerfiles also serve laptops)."""
    own = _own_source(source)
    if own is None or own.kind not in ("apprunner", "taskdef"):
        return
    names = name_matcher(options.get("names", ("DEBUG",)))
    truthy = {str(v).lower() for v in options.get("values", ("true", "1", "yes", "on"))}
    for entry in _checked_entries(source):
        if names(entry.name.upper()) and (entry.value or "").strip().lower() in truthy:
            yield _entry_match(source, entry, {"value": (entry.value or "").strip()})


# --- EV004: a committed .env with values ---------------------------------------------------------


def check_committed_dotenv(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    if not is_dotenv_name(source.path):
        return
    valued = [e for e in df.dotenv_entries(source.text) if e.value]
    if not valued:
        return
    names = ", ".join(e.name for e in valued[:3]) + (f" +{len(valued) - 3} more" if len(valued) > 3 else "")
    yield Match(valued[0].line, 1, {"count": str(len(valued)), "names": names})


# --- EV005: a password put into a URL unquoted ---------------------------------------------------


def check_unquoted_url_password(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    if "://" not in source.text or source.tree is None:
        return
    quoted = _quoted_names(source)
    seen: set[int] = set()  # `a + b + c` is also `a + b`: one finding per expression
    for node in source.nodes(ast.JoinedStr, ast.BinOp, ast.Call):
        parts = _url_parts(node)
        if parts is None:
            continue
        for expr in _password_slots(parts):
            if id(expr) not in seen and not _is_quoted(expr, quoted):
                seen.add(id(expr))
                line = getattr(expr, "lineno", 1)
                col = source.char_col(line, getattr(expr, "col_offset", 0))
                yield Match(line, col, {"expr": source.segment(expr)})


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            return func.id
    return ""


def _quoted_names(source: SourceFile) -> set[str]:
    """Names assigned from a quote call anywhere in the file (`pw = quote_plus(raw)`)."""
    names: set[str] = set()
    for node in source.nodes(ast.Assign):
        if isinstance(node, ast.Assign) and _call_name(node.value) in QUOTE_FUNCTIONS:
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _is_quoted(expr: ast.AST, quoted: set[str]) -> bool:
    if isinstance(expr, ast.Constant):
        return True
    if _call_name(expr) in QUOTE_FUNCTIONS:
        return True
    name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else ""
    return name in quoted or bool(name and QUOTED_NAME_RX.search(name))


Part = str | ast.expr


def _url_parts(node: ast.AST) -> list[Part] | None:
    """A string built from literal text and expressions: f-string, `+` chain, `%` or `.format()`."""
    if isinstance(node, ast.JoinedStr):
        out = _fstring_parts(node)
        return out if _has_scheme(out) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        flat: list[Part] = []
        stack: list[ast.expr] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                stack.extend((current.right, current.left))
            elif isinstance(current, ast.Constant) and isinstance(current.value, str):
                flat.append(current.value)
            elif isinstance(current, ast.JoinedStr):
                flat.extend(_fstring_parts(current))
            else:
                flat.append(current)
        return flat if _has_scheme(flat) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        if (
            isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and "://" in node.left.value
        ):
            values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return _percent_parts(node.left.value, values, node.right)
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = node.func.value
        if isinstance(template, ast.Constant) and isinstance(template.value, str) and "://" in template.value:
            return _format_parts(template.value, node)
    return None


def _fstring_parts(node: ast.JoinedStr) -> list[Part]:
    out: list[Part] = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            out.append(value.value)
        elif isinstance(value, ast.FormattedValue):
            out.append(value.value)
    return out


def _has_scheme(parts: Sequence[Part]) -> bool:
    return any(isinstance(p, str) and "://" in p for p in parts)


def _percent_parts(template: str, values: list[ast.expr], right: ast.expr) -> list[Part] | None:
    keyed = isinstance(right, ast.Dict)
    out: list[Part] = []
    index = 0
    position = 0
    for m in re.finditer(r"%(?:\((\w+)\))?[-#0 +]*(?:[1-9]\d*)?(?:\.\d+)?([sdrifx%])", template):
        out.append(template[position : m.start()])
        position = m.end()
        if m.group(2) == "%":
            out.append("%")
            continue
        if keyed and m.group(1):
            assert isinstance(right, ast.Dict)
            value = next(
                (v for k, v in zip(right.keys, right.values, strict=True)
                 if isinstance(k, ast.Constant) and k.value == m.group(1)),
                None,
            )  # fmt: skip
            out.append(value if value is not None else "\x00")
        elif index < len(values):
            out.append(values[index])
            index += 1
        else:
            return None
    out.append(template[position:])
    return out


def _format_parts(template: str, call: ast.Call) -> list[Part] | None:
    import string

    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    out: list[Part] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, _spec, _conv in parsed:
        out.append(literal)
        if name is None:
            continue
        value: Part = "\x00"
        if name == "":
            if auto < len(call.args) and not isinstance(call.args[auto], ast.Starred):
                value = call.args[auto]
            auto += 1
        elif name.isdigit():
            index = int(name)
            if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
                value = call.args[index]
        elif name in keywords:
            value = keywords[name]
        out.append(value)
    return out


def _password_slots(parts: Sequence[Part]) -> Iterator[ast.expr]:
    """Expressions that sit where a URL's password goes: after `scheme://user:`, before `@`."""
    before = ""
    for index, part in enumerate(parts):
        if isinstance(part, str):
            before += part
            continue
        after = parts[index + 1] if index + 1 < len(parts) else ""
        if USERINFO_BEFORE_RX.search(before) and isinstance(after, str) and after.startswith("@"):
            yield part
        before += "\x00"


# --- EV006: declared but never read --------------------------------------------------------------


def _declared(source: SourceFile) -> list[tuple[str, int]]:
    """(name, line) this file declares for the running service: a deployment source's entries, or
    the `env.provided` list of .ava-safety.yaml."""
    if source.path == CONFIG_FILE:
        try:
            doc = df.load_yaml(source.text, source.path)
        except df.DeployFileError:
            return []
        items = df.get_path(doc, "env", "provided")
        if not isinstance(items, list):
            return []
        lines = getattr(items, "item_lines", [])
        return [
            (str(v), lines[i] if i < len(lines) else 1) for i, v in enumerate(items) if isinstance(v, str)
        ]
    own = _own_source(source)
    if own is None:
        return []
    return [(e.name, e.line) for e in own.provides if e.section != "ARG"]


@takes_options(ignore=list[str])
@repo_wide
def check_never_read(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    ignore = name_matcher(options.get("ignore", ()))
    for path in paths:
        source = context.file(path)
        declared = _declared(source) if source is not None else []
        if source is None or not declared:
            continue
        repo = repo_reads(context)
        deploy = deployment(context)
        seen: set[str] = set()
        for name, line in declared:
            if name in seen or repo.is_read(name) or name in deploy.references or ignore(name):
                continue
            seen.add(name)
            yield path, Match(line, _col(source, line, name), {"var": name})


# --- EV007: two names for one value --------------------------------------------------------------


@dataclass
class _Names:
    where: dict[str, str] = field(default_factory=dict)  # name -> "read in x.py:3" / "set in y:4"
    partners: dict[str, str] = field(default_factory=dict)


def _names(context: RunContext, options: Mapping[str, Any]) -> _Names:
    """Every name the code reads or the deployment sets, and its likely partner (EV007 is a repo
    checker: this runs once per run)."""
    names = _Names()
    for name, hits in repo_reads(context).reads.items():
        path, read = hits[0]
        names.where.setdefault(name, f"read in {path}:{read.line}")
    deploy = deployment(context)
    for source in deploy.sources:
        for entry in source.provides:
            names.where.setdefault(entry.name, f"set in {source.path}:{entry.line}")
    for name in sorted(deploy.outside):
        names.where.setdefault(name, f"in {CONFIG_FILE} env.provided")
    synonyms = _synonyms(options)
    ignore = name_matcher(options.get("ignore", ()))
    keys = [n for n in names.where if not ignore(n)]
    names.partners.update(alias_partners(keys, synonyms, int(options.get("min_contained_length", 4))))
    return names


def alias_partners(names: Iterable[str], synonyms: Mapping[str, str], min_len: int = 4) -> dict[str, str]:
    """Each name's partner: the first (sorted) other name `is_alias` pairs it with.

    Found through keys instead of comparing every pair (4,000 names took 20 s): names alike but for
    underscores share their letters; names alike once synonyms are equal share their words; and the
    one-prefix-word case shares every word after the first, where the first words are matched by
    their prefixes and suffixes of at least `min_len` letters. Linear in the total length of names."""
    keys = sorted(set(names))
    upper = {n: n.upper() for n in keys}
    words = {n: tuple(synonyms.get(t, t) for t in upper[n].split("_") if t) for n in keys}
    best: dict[str, str] = {}

    def offer(name: str, other: str) -> None:
        if upper[name] != upper[other] and (name not in best or other < best[name]):
            best[name] = other

    for key_of in (lambda n: upper[n].replace("_", ""), lambda n: words[n]):
        groups: dict[object, list[str]] = {}
        for n in keys:
            groups.setdefault(key_of(n), []).append(n)
        for group in groups.values():
            for n in group:  # the group is sorted: its first name of another spelling is the least
                other = next((o for o in group if upper[o] != upper[n]), None)
                if other is not None:
                    offer(n, other)
    # one first word each, the same words after it; one first word contains the other at an end
    members: dict[tuple[str, ...], list[str]] = {}  # the words after the first -> names
    for n in keys:
        if len(words[n]) >= 2:
            members.setdefault(words[n][1:], []).append(n)
    for group in members.values():
        firsts: dict[str, str] = {}  # a first word -> the least name with it
        for n in group:
            firsts.setdefault(words[n][0], n)
        longer: dict[str, str] = {}  # a proper prefix or suffix of a first word -> the least name
        for word, least in firsts.items():
            for k in range(min_len, len(word)):
                for part in (word[:k], word[-k:]):
                    if part not in longer or least < longer[part]:
                        longer[part] = least
        for n in group:
            first = words[n][0]
            if first in longer:  # a longer first word starts or ends with this one
                offer(n, longer[first])
            for k in range(min_len, len(first)):  # a shorter one starts or ends this one
                for part in (first[:k], first[-k:]):
                    if part in firsts:
                        offer(n, firsts[part])
    return best


def _synonyms(options: Mapping[str, Any]) -> dict[str, str]:
    table: dict[str, str] = {}
    for group in options.get("synonyms", ()):
        words = [str(w).upper() for w in group]
        for word in words:
            table[word] = words[0]
    return table


def is_alias(a: str, b: str, synonyms: Mapping[str, str], min_len: int = 4) -> bool:
    """Do two variable names look like two names for one value?

    Same letters apart from underscores (OPEN_WEATHER_API_KEY, OPENWEATHER_API_KEY); same words once
    synonyms are equal (DB_PASSWORD, DATABASE_PASSWORD); or the same ending after a one-word prefix
    that contains the other (OPENWEATHER_API_KEY, WEATHER_API_KEY). A different added word
    (TEST_DATABASE_URL, GOOGLE_MAPS_API_KEY vs GOOGLE_API_KEY) is a different value, not an alias.
    """
    ua, ub = a.upper(), b.upper()
    if ua == ub:
        return False
    if ua.replace("_", "") == ub.replace("_", ""):
        return True
    ta = [synonyms.get(t, t) for t in ua.split("_") if t]
    tb = [synonyms.get(t, t) for t in ub.split("_") if t]
    if ta == tb:
        return True
    common = 0
    while common < min(len(ta), len(tb)) and ta[-1 - common] == tb[-1 - common]:
        common += 1
    if common == 0:
        return False
    pa, pb = ta[: len(ta) - common], tb[: len(tb) - common]
    if len(pa) != 1 or len(pb) != 1:
        return False
    short, long = sorted((pa[0], pb[0]), key=len)
    return len(short) >= min_len and short != long and (long.endswith(short) or long.startswith(short))


@takes_options(min_contained_length=int, synonyms=list[list[str]], ignore=list[str])
@repo_wide
def check_aliases(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    names = _names(context, options)
    if not names.partners:
        return
    # the names each Python file reads, from the repo-wide index: only a file that reads a name with
    # a partner is analysed again for positions (a file the index does not know, always)
    read_in: dict[str, set[str]] = {}
    for name, hits in repo_reads(context).reads.items():
        for where, _read in hits:
            read_in.setdefault(where, set()).add(name)
    for path in paths:
        source = context.file(path)
        if source is None:
            continue
        if path.endswith(".py"):
            known = read_in.get(path)
            if known is not None and not any(n in names.partners for n in known):
                continue
            env = file_env(source) if _might_read_here(source) else None
            if env is None:
                continue
            occurrences: Iterable[tuple[str, int, int]] = (
                (r.name, r.line, r.col) for r in _first_of_each(env, source, options)
            )
        else:
            occurrences = ((n, line, _col(source, line, n)) for n, line in _declared(source))
        seen: set[str] = set()
        for name, line, col in occurrences:
            partner = names.partners.get(name)
            if partner is None or name in seen:
                continue
            seen.add(name)
            values = {"var": name, "other": partner, "where": names.where.get(partner, "")}
            yield path, Match(line, col, values)


def _first_of_each(env: FileEnv, source: SourceFile, options: Mapping[str, Any]) -> list[Read]:
    """The first read (by position, not by the order a parser walks) of each name with a partner."""
    partners = _names(source.context, options).partners
    firsts: dict[str, Read] = {}
    for read in sorted((r for r in env.reads if r.name in partners), key=lambda r: (r.line, r.col)):
        firsts.setdefault(read.name, read)
    return list(firsts.values())


# --- cheap tests the engine asks before it parses a file for a rule ---------------------------------


def _might_read_here(source: SourceFile) -> bool:
    """Can this Python file read the environment (directly, or through a known wrapper)?"""
    wrappers = repo_reads(source.context).wrappers
    return might_read(source.text, {name.rpartition(".")[2] for name in wrappers})


check_required_provided.admits = _might_read_here  # type: ignore[attr-defined]
check_aliases.admits = lambda source: not source.path.endswith(".py") or _might_read_here(source)  # type: ignore[attr-defined]
check_unquoted_url_password.admits = lambda source: "://" in source.text  # type: ignore[attr-defined]
