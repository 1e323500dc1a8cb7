"""`.ava-safety.yaml`: which packs, the repo's own rule files, thresholds and exclusions."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ConfigErrors, ConfigProblem, unknown_key
from ._glob import GlobError, PathMatcher, check_glob
from ._read import MAX_FILE_SIZE
from ._yaml import LineDict, YamlError, load_file

CONFIG_NAME = ".ava-safety.yaml"
KEYS = frozenset(
    {
        "packs", "rules", "min_score", "exclude", "python", "principles", "disable",
        "env", "services", "image_registries", "history", "version_sources", "include_vendored",
        "design", "working_systems", "rollback_risk", "database", "syntax_imports",
        "max_file_size",
    }
)  # fmt: skip
PRINCIPLE_KEYS = frozenset({"min_score", "allow"})
ENV_KEYS = frozenset({"provided", "sources"})
SYNTAX_IMPORTS_KEYS = frozenset({"style"})
PROVIDERS = ("apprunner", "ecs", "command")
SERVICE_STR_KEYS = frozenset(
    {"name", "provider", "region", "cluster", "container", "repository", "task_family", "service_arn",
     "ecs_service", "image"}
)  # fmt: skip
SERVICE_KEYS = SERVICE_STR_KEYS | {
    "files", "deploy", "rollback", "current", "timeout_s", "gates", "health", "notify", "tag",
    "auto_rollback", "lock_wait_s",
}  # fmt: skip
COMMAND_KEYS = ("deploy", "rollback", "current")
HEALTH_KEYS = frozenset({"url", "expect", "passes", "timeout_s", "interval_s", "request_timeout_s"})
EXPECT_KEYS = frozenset({"status", "json", "max_ms"})
NOTIFY_KEYS = frozenset({"webhook", "format", "timeout_s", "events"})  # not `on`: YAML reads it as true
NOTIFY_FORMATS = ("slack", "json")
NOTIFY_EVENTS = ("failed", "auto_rollback", "rollback", "succeeded")
TAG_MODES = ("local", "push", "none")
# gates that are not file-level hooks; the file-level ones are the hook ids of hooks._cli.FILE_HOOKS
SPECIAL_GATES = ("git-state", "health", "aws-credentials", "live-env")
FILE_GATES = ("syntax-imports", "env-vars", "deploy-config", "constitutional-compliance", "design-rules")
# the push guards as gates: on what a deploy ships (since the service's last deploy)
GUARD_GATES = ("working-systems", "rollback-risk", "db-connection")
PLACEHOLDER_RX = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = frozenset({"service", "version", "commit", "image"})
PY_VERSION_RX = re.compile(r"^3\.[0-9]{1,2}$")
SIZE_RX = re.compile(r"^([0-9]+(?:\.[0-9]+)?)[ \t]*(bytes|B|KB|MB|GB)?$", re.IGNORECASE)  # on stripped text
SIZE_UNITS = {"": 1, "bytes": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


@dataclass(frozen=True)
class PrincipleConfig:
    min_score: float | None = None
    allow: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceConfig:
    """A deployed service: its platform and which files of the repo are its deployment's."""

    name: str
    provider: str = "apprunner"
    files: tuple[str, ...] = ()  # deployment files (globs); empty: auto-detected
    region: str | None = None
    cluster: str | None = None
    container: str | None = None
    repository: str | None = None  # ECR repository
    task_family: str | None = None
    service_arn: str | None = None
    line: int = 1
    # deploy and rollback (issue 9); `None` where the key is absent
    ecs_service: str | None = None  # ECS service name (default: the service's name)
    image: str | None = None  # image reference template for `{image}` and the AWS providers
    deploy: tuple[str, ...] | None = None  # argv templates of the command provider
    rollback: tuple[str, ...] | None = None
    current: tuple[str, ...] | None = None
    timeout_s: float = 600.0  # each provider command / platform wait
    gates: tuple[str, ...] | None = None  # None: pre-deploy-check's set
    health: HealthConfig | None = None
    notify: tuple[NotifyConfig, ...] = ()
    tag: str = "local"  # deploy/<service>/<n> tags: local | push | none
    auto_rollback: bool = True
    lock_wait_s: float = 0.0  # how long to wait for another deploy of this service to finish
    key_lines: tuple[tuple[str, int], ...] = ()  # where each key is written, for messages

    def line_of(self, key: str) -> int:
        return dict(self.key_lines).get(key, self.line)


@dataclass(frozen=True)
class HealthConfig:
    """What "healthy" means for a service: N consecutive passes of these conditions in time."""

    url: str
    status: int = 200
    json: tuple[tuple[str, str], ...] = ()  # dotted field path -> expected value (a template)
    max_ms: float | None = None
    passes: int = 3
    timeout_s: float = 60.0
    interval_s: float = 1.0
    request_timeout_s: float = 5.0


@dataclass(frozen=True)
class NotifyConfig:
    webhook: str
    format: str = "slack"  # slack | json
    timeout_s: float = 5.0
    events: tuple[str, ...] = ("failed", "auto_rollback", "rollback")


@dataclass
class Config:
    root: Path
    path: Path | None = None
    packs: list[str] = field(default_factory=lambda: ["generic"])
    rule_globs: list[str] = field(default_factory=list)
    min_score: float = 80.0
    exclude: PathMatcher = field(default_factory=lambda: PathMatcher(()))
    python: str | None = None
    principles: dict[str, PrincipleConfig] = field(default_factory=dict)
    principle_lines: dict[str, int] = field(default_factory=dict)  # where each is named, for messages
    disable: frozenset[str] = frozenset()
    packs_line: int = 1
    rules_line: int = 1
    disable_line: int = 1
    env_provided: frozenset[str] = frozenset()  # set outside the repo (console, Secrets Manager)
    env_sources: tuple[str, ...] = ()  # globs of files that count as the deployment's env
    services: list[ServiceConfig] = field(default_factory=list)
    image_registries: tuple[str, ...] = ()  # allowed image registries (empty: any)
    version_sources: tuple[str, ...] = ()  # version-consistency: globs of the files stating the version
    history: str = "sqlite"  # "sqlite" (under .git/ava-safety/) or a postgresql:// URL
    history_line: int = 1
    # vendored and generated files (hooks._vendored): False skips them, True checks them, globs
    # take back the files they match
    include_vendored: bool | PathMatcher = False
    design_tokens: tuple[str, ...] | None = None  # design.tokens: globs of the design-system stylesheets
    working_systems: list[WorkingSystem] = field(default_factory=list)  # working-systems
    rollback_risk: RiskConfig = field(default_factory=lambda: RiskConfig())  # rollback-risk
    databases: list[DatabaseConfig] = field(default_factory=list)  # db-connection (`database:`)
    syntax_style: bool = False  # syntax-imports: pyflakes' style warnings too (unused imports, ...)
    max_file_size: int = MAX_FILE_SIZE  # bytes; a bigger file is not checked (a warning says so)

    def service(self, name: str) -> ServiceConfig | None:
        return next((s for s in self.services if s.name == name), None)

    def guard_gates(self) -> tuple[str, ...]:
        """The push guards a deploy gates on by default: the ones this config gives something to do."""
        chosen = ["working-systems"] if self.working_systems else []
        chosen.append("rollback-risk")
        return (*chosen, "db-connection") if self.databases else tuple(chosen)

    @property
    def display(self) -> str:
        return CONFIG_NAME if self.path is None else _rel(self.path, self.root)

    def rule_files(self) -> list[Path]:
        """The repo's own rule files; a glob that matches nothing is an error, not a silent no-op."""
        found: set[Path] = set()
        problems = []
        for glob in self.rule_globs:
            try:
                matched = [p for p in self.root.glob(glob) if p.is_file()]
            except (ValueError, NotImplementedError, IndexError, AttributeError, OSError) as exc:
                # what pathlib refuses differs between Python versions: never a traceback
                message = f"'rules': cannot expand {glob!r} ({exc}); write a glob such as 'safety/*.yaml'"
                problems.append(ConfigProblem(self.display, self.rules_line, message))
                continue
            if not matched:
                problems.append(
                    ConfigProblem(self.display, self.rules_line, f"'rules': no file matches {glob!r}")
                )
            found.update(matched)
        if problems:
            raise ConfigErrors(problems)
        return sorted(found)

    def principle_problems(self, declared: Iterable[str]) -> list[ConfigProblem]:
        """The `principles:` names no loaded rule pack declares: a typo there must not be ignored."""
        known = set(declared)
        return [
            ConfigProblem(self.display, self.principle_lines.get(name, 1),
                          "'principles': " + unknown_key(name, known, "principle"))
            for name in self.principles if name not in known
        ]  # fmt: skip

    def min_score_for(self, principle: str, pack_default: float | None) -> float:
        own = self.principles.get(principle)
        if own is not None and own.min_score is not None:
            return own.min_score
        return pack_default if pack_default is not None else self.min_score


@dataclass(frozen=True)
class ElementsConfig:
    """What a working system shows or stores that must not change unacknowledged."""

    classes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # template element ids
    tables: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.classes or self.colors or self.ids or self.tables)


@dataclass(frozen=True)
class WorkingSystem:
    """A system that works today (`working_systems:`): its entries' import closure is protected."""

    name: str
    entry: tuple[str, ...] = ()  # files, directories or dotted modules
    routes: bool = False  # lock the routes its files define
    smoke: tuple[tuple[str, ...], ...] = ()  # argv lists, run at pre-push when it is touched
    protect: tuple[str, ...] = ()  # globs of paths that must not change or vanish unacknowledged
    elements: ElementsConfig = ElementsConfig()
    smoke_timeout_s: float = 300.0  # each smoke command
    line: int = 1
    key_lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, key: str) -> int:
        return dict(self.key_lines).get(key, self.line)


@dataclass(frozen=True)
class RiskWindow:
    """A time of the week when a push is riskier (nobody around to roll it back)."""

    name: str
    days: tuple[int, ...]  # 0 = Monday
    start: int  # minutes after midnight
    end: int  # minutes after midnight; start > end wraps past midnight


@dataclass(frozen=True)
class RiskConfig:
    """`rollback_risk:`; None where the bundled defaults (rules/data/rollback-risk.yaml) stand."""

    block_at: str = "high"
    weights: tuple[tuple[str, float], ...] = ()
    timezone: str | None = None  # an IANA name; None: this machine's local time
    windows: tuple[RiskWindow, ...] | None = None
    after_rollback_hours: float = 24.0
    line: int = 1


@dataclass(frozen=True)
class DatabaseConfig:
    """A database the service needs (`database:`), read as the service reads its settings."""

    name: str = "database"
    url_env: str = "DATABASE_URL"  # the variable holding a URL ("" for none)
    parts: tuple[tuple[str, str], ...] = (
        ("host", "DB_HOST"), ("port", "DB_PORT"), ("name", "DB_NAME"), ("user", "DB_USER"),
        ("password", "DB_PASSWORD"),
    )  # fmt: skip
    env_file: str | None = None  # variables from this file (repo-relative), else the environment
    tables: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    policy: str = "fail"  # when unreachable from here: fail | skip
    connect_timeout_s: float = 5.0
    line: int = 1

    def part(self, key: str) -> str:
        return dict(self.parts).get(key, "")


def _rel(path: Path, root: Path) -> str:
    # the directory resolved, the name kept: `.ava-safety.yaml` is shown as itself even when it is a
    # (dangling, looping) link; realpath, not resolve(): a loop must not raise RuntimeError here
    try:
        full = Path(os.path.realpath(path.parent)) / path.name
        return full.relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return str(path)


def load_config(root: Path, path: Path | None = None) -> Config:
    """Read the config (absent means defaults); raise ConfigErrors with every problem."""
    config_path = path or root / CONFIG_NAME
    config = Config(root=root)
    if path is None and not os.path.lexists(config_path):
        return config  # a dangling or looping `.ava-safety.yaml` link is not "no config": it is an error
    config.path = config_path
    shown = _rel(config_path, root)
    problems: list[ConfigProblem] = []
    try:
        doc = load_file(config_path, shown)  # a regular file of bounded size, never a FIFO
    except YamlError as exc:
        raise ConfigErrors([ConfigProblem(exc.path, exc.line, exc.message)]) from None
    if doc is None:
        return config
    if not isinstance(doc, LineDict):
        raise ConfigErrors([ConfigProblem(shown, 1, "the config must be a mapping of keys")])

    def err(key: str, message: str) -> None:
        problems.append(ConfigProblem(shown, doc.line_of(key), message))

    for key in doc:
        if key not in KEYS:
            err(key, unknown_key(key, KEYS))
    config.packs = _str_list(doc, "packs", err, default=["generic"])
    config.packs_line = doc.line_of("packs")
    config.rules_line = doc.line_of("rules")
    config.disable_line = doc.line_of("disable")
    config.rule_globs = _rule_globs(doc, err)
    config.exclude = PathMatcher(_str_list(doc, "exclude", err, default=[], globs=True))
    config.disable = frozenset(_str_list(doc, "disable", err, default=[]))
    if "min_score" in doc:
        value = doc["min_score"]
        if not _is_score(value):
            err("min_score", "'min_score' must be a number from 0 to 100, such as 80")
        else:
            config.min_score = float(value)
    if "python" in doc:
        value = doc["python"]
        text = value if isinstance(value, str) else ""  # unquoted 3.10 has already become 3.1
        if not PY_VERSION_RX.match(text):
            err(
                "python",
                "'python' must be a version like \"3.11\" (quote it, or YAML reads 3.10 as 3.1)",
            )
        else:
            config.python = text
    raw = doc.get("principles", {})
    if not isinstance(raw, LineDict):
        if "principles" in doc:
            err("principles", "'principles' must map a principle name to {min_score, allow}")
    else:
        for name, spec in raw.items():
            line = raw.line_of(name)
            if not isinstance(name, str):
                problems.append(ConfigProblem(shown, line, f"principle name {name!r} must be a string"))
                continue
            config.principle_lines[name] = line
            if not isinstance(spec, LineDict):
                problems.append(ConfigProblem(shown, line, f"principle '{name}' must be a mapping"))
                continue
            for key in spec:
                if key not in PRINCIPLE_KEYS:
                    problems.append(
                        ConfigProblem(
                            shown,
                            spec.line_of(key),
                            f"principle '{name}': {unknown_key(key, PRINCIPLE_KEYS)}",
                        )
                    )
            min_score = spec.get("min_score")
            if min_score is not None and not _is_score(min_score):
                problems.append(
                    ConfigProblem(
                        shown,
                        spec.line_of("min_score"),
                        f"principle '{name}': 'min_score' must be 0-100",
                    )
                )
                min_score = None
            allow = spec.get("allow", [])
            if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
                problems.append(
                    ConfigProblem(
                        shown,
                        spec.line_of("allow"),
                        f"principle '{name}': 'allow' must be a list of names",
                    )
                )
                allow = []
            config.principles[name] = PrincipleConfig(
                None if min_score is None else float(min_score), tuple(allow)
            )
    _load_env(doc, shown, config, problems)
    _load_services(doc, shown, config, problems)
    _load_history(doc, shown, config, problems)
    _load_include_vendored(doc, shown, config, problems)
    _load_design(doc, shown, config, problems)
    _load_working_systems(doc, shown, config, problems)
    _load_rollback_risk(doc, shown, config, problems)
    _load_database(doc, shown, config, problems)
    _load_syntax_imports(doc, shown, config, problems)
    config.version_sources = tuple(_str_list(doc, "version_sources", err, default=[], globs=True))
    config.image_registries = tuple(_str_list(doc, "image_registries", err, default=[], globs=True))
    _load_max_file_size(doc, shown, config, problems)
    if problems:
        raise ConfigErrors(problems)
    return config


def _load_max_file_size(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    """`max_file_size: 5 MB` (or a number of bytes): bigger files are skipped with a warning."""
    if "max_file_size" not in doc:
        return
    value = doc["max_file_size"]
    size = parse_size(value)
    if size is None or size < 1:
        problems.append(
            ConfigProblem(
                shown,
                doc.line_of("max_file_size"),
                f"'max_file_size' must be a size such as 5 MB, 500 KB or a number of bytes (got {value!r})",
            )
        )
        return
    config.max_file_size = size


def parse_size(value: Any) -> int | None:
    """5 MB, '500 KB', 1048576 -> bytes (binary units); None when it is not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    m = SIZE_RX.match(value.strip())
    if m is None:
        return None
    return int(float(m.group(1)) * SIZE_UNITS[(m.group(2) or "").lower()])


def _load_env(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "env" not in doc:
        return
    env = doc["env"]
    if not isinstance(env, LineDict):
        problems.append(
            ConfigProblem(shown, doc.line_of("env"), "'env' must be a mapping: {provided: [...]}")
        )
        return

    def err(key: str, message: str) -> None:
        problems.append(ConfigProblem(shown, env.line_of(key), message))

    for key in env:
        if key not in ENV_KEYS:
            err(key, "env: " + unknown_key(key, ENV_KEYS))
    config.env_provided = frozenset(_str_list(env, "provided", err, default=[]))
    config.env_sources = tuple(_str_list(env, "sources", err, default=[], globs=True))


def _load_include_vendored(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "include_vendored" not in doc:
        return
    value = doc["include_vendored"]
    if isinstance(value, bool):
        config.include_vendored = value
        return

    def err(key: str, message: str) -> None:
        problems.append(ConfigProblem(shown, doc.line_of(key), message))

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        err(
            "include_vendored",
            "'include_vendored' must be true, false or a list of globs of vendored files to check",
        )
        return
    config.include_vendored = PathMatcher(_str_list(doc, "include_vendored", err, default=[], globs=True))


DESIGN_KEYS = frozenset({"tokens"})


def _load_design(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    """`design: {tokens: [static/css/design-system.css]}`: the stylesheets that define the team's
    design tokens (their colours are the palette of a css rule with `allowed-colours`)."""
    if "design" not in doc:
        return
    design = doc["design"]
    if not isinstance(design, LineDict):
        problems.append(
            ConfigProblem(
                shown, doc.line_of("design"), "'design' must be a mapping: {tokens: [static/css/tokens.css]}"
            )
        )
        return

    def err(key: str, message: str) -> None:
        problems.append(ConfigProblem(shown, design.line_of(key), message))

    for key in design:
        if key not in DESIGN_KEYS:
            err(key, "design: " + unknown_key(key, DESIGN_KEYS))
    if "tokens" in design:
        config.design_tokens = tuple(_str_list(design, "tokens", err, default=[], globs=True))
        for glob in config.design_tokens:
            if not any(c in glob for c in "*?[") and not (config.root / glob).is_file():
                # a misspelt token file would make every colour of the project a finding
                err("tokens", f"design.tokens: {glob} is not a file; name the stylesheet that "
                    "defines the design tokens")  # fmt: skip


def _load_syntax_imports(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    """`syntax_imports: {style: true}`: pyflakes' style warnings (SI006, SI007), off by default."""
    if "syntax_imports" not in doc:
        return
    value = doc["syntax_imports"]
    if not isinstance(value, LineDict):
        problems.append(
            ConfigProblem(
                shown, doc.line_of("syntax_imports"), "'syntax_imports' must be a mapping: {style: true}"
            )
        )
        return
    for key in value:
        if key not in SYNTAX_IMPORTS_KEYS:
            problems.append(
                ConfigProblem(
                    shown, value.line_of(key), "syntax_imports: " + unknown_key(key, SYNTAX_IMPORTS_KEYS)
                )
            )
    style = value.get("style", False)
    if not isinstance(style, bool):
        problems.append(
            ConfigProblem(shown, value.line_of("style"), "syntax_imports: 'style' must be true or false")
        )
        return
    config.syntax_style = style


def _load_history(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "history" not in doc:
        return
    value = doc["history"]
    config.history_line = doc.line_of("history")
    if value == "sqlite" or (
        isinstance(value, str) and value.startswith(("postgresql://", "postgres://")) and len(value) > 13
    ):
        if isinstance(value, str) and re.search(r"://[^/@\s]*:[^@/\s]+@", value):
            problems.append(
                ConfigProblem(
                    shown,
                    config.history_line,
                    "'history': do not write the password into the URL; set PGPASSWORD or use ~/.pgpass",
                )
            )
            return
        config.history = value
        return
    problems.append(
        ConfigProblem(
            shown,
            config.history_line,
            "'history' must be 'sqlite' or a PostgreSQL URL such as postgresql://deploy@db.internal/ops",
        )
    )


def _load_services(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    """`services:` as a mapping (`web: {provider: ...}`) or a list (`- name: web`)."""
    if "services" not in doc:
        return
    raw = doc["services"]
    items: list[tuple[str | None, Any, int]] = []
    if isinstance(raw, LineDict):
        items = [(str(name), spec, raw.line_of(name)) for name, spec in raw.items()]
    elif isinstance(raw, list):
        lines = getattr(raw, "item_lines", [])
        items = [(None, spec, lines[i] if i < len(lines) else doc.line_of("services")) for i, spec in
                 enumerate(raw)]  # fmt: skip
    else:
        problems.append(
            ConfigProblem(
                shown,
                doc.line_of("services"),
                "'services' must map each service name to its settings: {web: {provider: command}}",
            )
        )
        return
    names: set[str] = set()
    for key_name, item, item_line in items:
        if isinstance(item, LineDict) and key_name is not None and "name" in item:
            problems.append(
                ConfigProblem(shown, item.line_of("name"), f"service '{key_name}': 'name' is its key already")
            )
        if item is None and key_name is not None:
            item = LineDict()
            item.line, item.key_lines = item_line, {}
        if not isinstance(item, LineDict):
            problems.append(ConfigProblem(shown, item_line, "each service must be a mapping"))
            continue
        service = _service(key_name, item, shown, problems)
        if service is None:
            continue
        if service.name in names:
            problems.append(
                ConfigProblem(shown, item.line_of("name"), f"service '{service.name}' is declared twice")
            )
        names.add(service.name)
        config.services.append(service)


def _service(
    key_name: str | None, item: LineDict, shown: str, problems: list[ConfigProblem]
) -> ServiceConfig | None:
    def err(key: str, message: str) -> None:
        problems.append(ConfigProblem(shown, item.line_of(key), message))

    label = f"service '{key_name}'" if key_name else "service"
    for key in item:
        if key not in SERVICE_KEYS:
            err(key, f"{label}: " + unknown_key(key, SERVICE_KEYS))
    values: dict[str, Any] = {}
    for key in SERVICE_STR_KEYS & set(item):
        if not isinstance(item[key], str) or not item[key]:
            err(key, f"{label}: '{key}' must be a non-empty string")
        else:
            values[key] = item[key]
    name = key_name if key_name is not None else values.get("name")
    if name is None:
        if "name" not in item:
            err("name", "service: 'name' is required")
        return None
    label = f"service '{name}'"
    values.pop("name", None)
    provider = values.pop("provider", "apprunner")
    if provider not in PROVIDERS:
        err("provider", f"{label}: 'provider' must be one of {', '.join(PROVIDERS)}")
    files = _str_list(item, "files", err, default=[], globs=True)
    for key in COMMAND_KEYS:
        if key in item:
            values[key] = _argv(item, key, label, err)
    if provider != "command":  # what a provider needs to deploy is checked when deploying
        for key in COMMAND_KEYS[:2]:
            if key in item:
                err(key, f"{label}: '{key}' is for the command provider; {provider} deploys by itself")
    if provider in ("apprunner", "ecs") and "region" in values:
        if not re.fullmatch(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]", values["region"]):
            err("region", f"{label}: 'region' {values['region']!r} is not an AWS region such as eu-central-1")
    for key, low, high in (("timeout_s", 1, 86400), ("lock_wait_s", 0, 86400)):
        if key in item:
            number = _number(item[key], low, high)
            if number is None:
                err(key, f"{label}: '{key}' must be a number of seconds from {low} to {high}")
            else:
                values[key] = number
    if "gates" in item:
        gates = _str_list(item, "gates", err, default=[])
        known = FILE_GATES + SPECIAL_GATES + GUARD_GATES
        for gate in gates:
            if gate not in known:
                err("gates", f"{label}: 'gates': {unknown_key(gate, known).replace('key', 'gate')}")
        values["gates"] = tuple(g for g in gates if g in known)
    if "health" in item:
        values["health"] = _health(item, label, shown, problems)
    if "notify" in item:
        values["notify"] = _notify(item, label, shown, problems)
    if "tag" in item:
        tag = item["tag"]
        tag = "local" if tag is True else "none" if tag is False else tag
        if tag not in TAG_MODES:
            err("tag", f"{label}: 'tag' must be one of {', '.join(TAG_MODES)} (deploy/<service>/<n> tags)")
        else:
            values["tag"] = tag
    if "auto_rollback" in item:
        if not isinstance(item["auto_rollback"], bool):
            err("auto_rollback", f"{label}: 'auto_rollback' must be true or false")
        else:
            values["auto_rollback"] = item["auto_rollback"]
    for key in ("image",):
        if key in values:
            _check_placeholders(values[key], key, label, err)
    return ServiceConfig(
        name=name,
        provider=provider,
        files=tuple(files),
        line=item.line,
        key_lines=tuple(sorted(item.key_lines.items())),
        **values,
    )


def _argv(item: LineDict, key: str, label: str, err: Any) -> tuple[str, ...] | None:
    value = item[key]
    if isinstance(value, str):
        err(
            key,
            f"{label}: '{key}' must be an argv list such as [./deploy.sh, \"{{version}}\"], "
            "never a shell string",
        )
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, (str, int)) for v in value):
        err(key, f"{label}: '{key}' must be a non-empty list of strings: [program, args...]")
        return None
    words = tuple(str(v) for v in value)
    for word in words:
        _check_placeholders(word, key, label, err)
    return words


def _check_placeholders(text: str, key: str, label: str, err: Any) -> None:
    for m in PLACEHOLDER_RX.finditer(text):
        if m.group(1) not in PLACEHOLDERS:
            close = unknown_key(m.group(1), PLACEHOLDERS).split(" (", 1)[1].rstrip(")")
            err(key, f"{label}: '{key}': unknown placeholder {{{m.group(1)}}} ({close})")


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        return None
    return float(value)


def _health(item: LineDict, label: str, shown: str, problems: list[ConfigProblem]) -> HealthConfig | None:
    spec = item["health"]
    if isinstance(spec, str):
        spec_dict = LineDict({"url": spec})
        spec_dict.line, spec_dict.key_lines = item.line_of("health"), {}
        spec = spec_dict
    if not isinstance(spec, LineDict):
        problems.append(
            ConfigProblem(shown, item.line_of("health"), f"{label}: 'health' must be a mapping with 'url'")
        )
        return None

    def err(key: str, message: str, where: LineDict = spec) -> None:
        problems.append(ConfigProblem(shown, where.line_of(key), f"{label}: health: {message}"))

    for key in spec:
        if key not in HEALTH_KEYS:
            err(key, unknown_key(key, HEALTH_KEYS))
    url = spec.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
        example = "http://127.0.0.1:8080/health"  # ava-safety: ignore[CC018] an example in a message
        err("url", f"'url' must be an http:// or https:// URL such as {example}")
        return None
    values: dict[str, Any] = {}
    limits = {"passes": (1, 100), "timeout_s": (1, 3600), "interval_s": (0.05, 600),
              "request_timeout_s": (0.1, 600)}  # fmt: skip
    for key, (low, high) in limits.items():
        if key in spec:
            number = _number(spec[key], low, high)
            if number is None or (key == "passes" and not isinstance(spec[key], int)):
                err(key, f"'{key}' must be a number from {low:g} to {high:g}")
            else:
                values[key] = int(number) if key == "passes" else number
    expect = spec.get("expect", LineDict())
    if not isinstance(expect, LineDict):
        err(
            "expect",
            "'expect' must be a mapping: {status: 200, json: {version: \"{version}\"}, max_ms: 1000}",
        )
        expect = LineDict()
    for key in expect:
        if key not in EXPECT_KEYS:
            err(key, "expect: " + unknown_key(key, EXPECT_KEYS), expect)
    if "status" in expect:
        status = expect["status"]
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            err("status", "expect: 'status' must be an HTTP status code such as 200", expect)
        else:
            values["status"] = status
    if "max_ms" in expect:
        number = _number(expect["max_ms"], 1, 600000)
        if number is None:
            err("max_ms", "expect: 'max_ms' must be a number of milliseconds", expect)
        else:
            values["max_ms"] = number
    if "json" in expect:
        fields = expect["json"]
        if not isinstance(fields, LineDict) or not all(
            isinstance(v, (str, int, float, bool)) for v in fields.values()
        ):
            err("json", "expect: 'json' must map field names to expected values: {version: \"{version}\"}",
                expect)  # fmt: skip
        else:
            pairs = []
            for field_name, expected in fields.items():
                text = str(expected).lower() if isinstance(expected, bool) else str(expected)
                _check_placeholders(
                    text, "json", label, lambda _k, m: err("json", m.split(": ", 1)[-1], expect)
                )
                pairs.append((field_name, text))
            values["json"] = tuple(pairs)
    return HealthConfig(url=url, **values)


def _notify(
    item: LineDict, label: str, shown: str, problems: list[ConfigProblem]
) -> tuple[NotifyConfig, ...]:
    raw = item["notify"]
    if isinstance(raw, LineDict):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(
            ConfigProblem(
                shown, item.line_of("notify"), f"{label}: 'notify' must be a list: [{{webhook: URL}}]"
            )
        )
        return ()
    out = []
    for spec in raw:
        if not isinstance(spec, LineDict):
            problems.append(
                ConfigProblem(
                    shown, item.line_of("notify"), f"{label}: each 'notify' entry must be {{webhook: URL}}"
                )
            )
            continue

        def err(key: str, message: str, spec: LineDict = spec) -> None:
            problems.append(ConfigProblem(shown, spec.line_of(key), f"{label}: notify: {message}"))

        for key in spec:
            if key not in NOTIFY_KEYS:
                err(key, unknown_key(key, NOTIFY_KEYS))
        url = spec.get("webhook")
        if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
            err("webhook", "'webhook' must be an http:// or https:// URL")
            continue
        values: dict[str, Any] = {}
        if "format" in spec:
            if spec["format"] not in NOTIFY_FORMATS:
                err("format", f"'format' must be one of {', '.join(NOTIFY_FORMATS)}")
            else:
                values["format"] = spec["format"]
        if "timeout_s" in spec:
            number = _number(spec["timeout_s"], 0.1, 60)
            if number is None:
                err("timeout_s", "'timeout_s' must be a number of seconds from 0.1 to 60")
            else:
                values["timeout_s"] = number
        if "events" in spec:
            events = _str_list(spec, "events", err, default=[])
            bad = [e for e in events if e not in NOTIFY_EVENTS]
            for event in bad:
                err("events", f"'events': unknown event '{event}' (one of {', '.join(NOTIFY_EVENTS)})")
            values["events"] = tuple(e for e in events if e in NOTIFY_EVENTS)
        out.append(NotifyConfig(webhook=url, **values))
    return tuple(out)


def _is_score(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100


def rule_glob_problem(glob: str) -> str | None:
    """Why a `rules:` glob cannot name rule files under the repository root (None: it can).

    These globs are expanded on the file system (pathlib), which is stricter than the path matcher
    and refuses some patterns with an exception (differently in each Python version)."""
    if glob.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", glob):
        return f"{glob!r} is absolute; write it relative to the repository root, such as 'safety/*.yaml'"
    if "\0" in glob:
        return f"{glob!r} holds a NUL character"
    parts = glob.split("/")
    if glob.endswith("/") or parts[-1] in ("**", ".."):
        return f"{glob!r} names directories, not rule files; end it with a file pattern such as '*.yaml'"
    if any(part in ("", ".") for part in parts):
        return f"{glob!r} has an empty or '.' path component; write a glob of files, such as 'safety/*.yaml'"
    if any("**" in part and part != "**" for part in parts):
        return f"{glob!r}: '**' must be a whole path component, as in 'safety/**/*.yaml'"
    return None


def _rule_globs(doc: LineDict, err: Any) -> list[str]:
    good = []
    for glob in _str_list(doc, "rules", err, default=[], globs=True):
        problem = rule_glob_problem(glob)
        if problem is None:
            good.append(glob)
        else:
            err("rules", f"'rules': {problem}")
    return good


def _str_list(doc: LineDict, key: str, err: Any, *, default: list[str], globs: bool = False) -> list[str]:
    if key not in doc:
        return list(default)
    value = doc[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        err(key, f"'{key}' must be a list of strings")
        return list(default)
    if globs:
        good = []
        for glob in value:
            try:
                check_glob(glob)
                good.append(glob)
            except GlobError as exc:
                err(key, f"'{key}': {exc}")
        return good  # a bad glob is reported, and must not reach PathMatcher (which would raise)
    return list(value)


# --- working_systems, rollback_risk, database (the push guards) ------------------------------------

SYSTEM_KEYS = frozenset({"name", "entry", "routes", "smoke", "protect", "elements", "smoke_timeout_s"})
ELEMENT_KEYS = frozenset({"classes", "colors", "ids", "tables"})
SYSTEM_NAME_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
RISK_KEYS = frozenset({"block_at", "weights", "timezone", "windows", "after_rollback_hours"})
RISK_LEVELS = ("low", "medium", "high", "critical")
WINDOW_KEYS = frozenset({"name", "days", "from", "to"})
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DATABASE_KEYS = frozenset(
    {"name", "url_env", "parts", "env_file", "tables", "extensions", "policy", "connect_timeout_s"}
)
PART_KEYS = frozenset({"host", "port", "name", "user", "password"})
DB_POLICIES = ("fail", "skip")
ENV_NAME_RX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SQL_NAME_RX = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
CSS_NAME_RX = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")
HEX_COLOR_RX = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$")
TIME_RX = re.compile(r"^([01]?[0-9]|2[0-4]):([0-5][0-9])$")


def _items(doc: LineDict, key: str) -> list[tuple[Any, int]]:
    raw = doc[key]
    lines = getattr(raw, "item_lines", [])
    return [(item, lines[i] if i < len(lines) else doc.line_of(key)) for i, item in enumerate(raw)]


def _load_working_systems(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "working_systems" not in doc:
        return
    if not isinstance(doc["working_systems"], list):
        example = "- {name: registration, entry: [app/registration.py]}"
        problems.append(ConfigProblem(shown, doc.line_of("working_systems"),
                                      f"'working_systems' must be a list: {example}"))  # fmt: skip
        return
    names: set[str] = set()
    for item, line in _items(doc, "working_systems"):
        if not isinstance(item, LineDict):
            problems.append(ConfigProblem(shown, line, "each working system must be a mapping with 'name'"))
            continue
        system = _working_system(item, shown, problems)
        if system is None:
            continue
        if system.name in names:
            problems.append(ConfigProblem(shown, item.line_of("name"),
                                          f"working system '{system.name}' is declared twice"))  # fmt: skip
        names.add(system.name)
        config.working_systems.append(system)


def _working_system(item: LineDict, shown: str, problems: list[ConfigProblem]) -> WorkingSystem | None:
    def err(key: str, message: str, where: LineDict = item) -> None:
        problems.append(ConfigProblem(shown, where.line_of(key), message))

    name = item.get("name")
    label = f"working system '{name}'" if isinstance(name, str) else "working system"
    for key in item:
        if key not in SYSTEM_KEYS:
            err(key, f"{label}: " + unknown_key(key, SYSTEM_KEYS))
    if not isinstance(name, str) or not SYSTEM_NAME_RX.match(name):
        err("name", "working system: 'name' is required: letters, digits, '-', '_' or '.' (it is what "
            "a Working-System-Ack trailer names)")  # fmt: skip
        return None
    values: dict[str, Any] = {}
    entry = _str_list(item, "entry", lambda k, m: err(k, f"{label}: {m}"), default=[])
    protect = _str_list(item, "protect", lambda k, m: err(k, f"{label}: {m}"), default=[], globs=True)
    if not entry and not protect and "elements" not in item:
        err(
            "name", f"{label}: give 'entry' (files or modules), 'protect' or 'elements': nothing is protected"
        )
    if "routes" in item:
        if not isinstance(item["routes"], bool):
            err("routes", f"{label}: 'routes' must be true or false")
        else:
            values["routes"] = item["routes"]
    if "smoke" in item:
        values["smoke"] = _smoke(item, label, err)
    if "smoke_timeout_s" in item:
        number = _number(item["smoke_timeout_s"], 1, 86400)
        if number is None:
            err("smoke_timeout_s", f"{label}: 'smoke_timeout_s' must be a number of seconds from 1 to 86400")
        else:
            values["smoke_timeout_s"] = number
    if "elements" in item:
        values["elements"] = _elements(item, label, err)
    return WorkingSystem(name=name, entry=tuple(entry), protect=tuple(protect), line=item.line,
                         key_lines=tuple(sorted(item.key_lines.items())), **values)  # fmt: skip


def _smoke(item: LineDict, label: str, err: Any) -> tuple[tuple[str, ...], ...]:
    raw = item["smoke"]
    example = "[[python, -m, pytest, -q, tests/test_registration.py]]"
    if not isinstance(raw, list) or any(isinstance(c, str) for c in raw):
        err("smoke", f"{label}: 'smoke' must be a list of argv lists such as {example}, never a shell string")
        return ()
    out = []
    for command in raw:
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(w, (str, int)) for w in command)
        ):
            err("smoke", f"{label}: each smoke command must be a non-empty list of strings: {example}")
            continue
        out.append(tuple(str(w) for w in command))
    return tuple(out)


def _elements(item: LineDict, label: str, err: Any) -> ElementsConfig:
    raw = item["elements"]
    if not isinstance(raw, LineDict):
        err(
            "elements",
            f"{label}: 'elements' must be a mapping: {{classes: [...], colors: [...], tables: [...]}}",
        )
        return ElementsConfig()
    for key in raw:
        if key not in ELEMENT_KEYS:
            err(key, f"{label}: elements: " + unknown_key(key, ELEMENT_KEYS), raw)
    checks = {"classes": (CSS_NAME_RX, "a CSS class name such as version-badge (no dot)"),
              "ids": (CSS_NAME_RX, "an element id such as farmer-count (no #)"),
              "colors": (HEX_COLOR_RX, 'a hex colour such as "#8B4513" (quoted: YAML reads # as a comment)'),
              "tables": (SQL_NAME_RX, "a table name such as farmers")}  # fmt: skip
    values: dict[str, tuple[str, ...]] = {}
    for key, (rx, what) in checks.items():
        found = _str_list(raw, key, lambda k, m: err(k, f"{label}: elements: {m}", raw), default=[])
        bad = [v for v in found if not rx.match(v)]
        for value in bad:
            err(key, f"{label}: elements: {key}: {value!r} is not {what}", raw)
        values[key] = tuple(v for v in found if rx.match(v))
    return ElementsConfig(**values)


def _load_rollback_risk(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "rollback_risk" not in doc:
        return
    spec = doc["rollback_risk"]
    if not isinstance(spec, LineDict):
        example = "{block_at: high, timezone: Europe/Ljubljana}"
        problems.append(ConfigProblem(shown, doc.line_of("rollback_risk"),
                                      f"'rollback_risk' must be a mapping: {example}"))  # fmt: skip
        return

    def err(key: str, message: str, where: LineDict = spec) -> None:
        problems.append(ConfigProblem(shown, where.line_of(key), f"rollback_risk: {message}"))

    for key in spec:
        if key not in RISK_KEYS:
            err(key, unknown_key(key, RISK_KEYS))
    values: dict[str, Any] = {"line": doc.line_of("rollback_risk")}
    if "block_at" in spec:
        level = str(spec["block_at"]).lower()
        if level not in RISK_LEVELS and level != "never":
            err("block_at", f"'block_at' must be one of {', '.join(RISK_LEVELS)} or never")
        else:
            values["block_at"] = level
    if "timezone" in spec:
        zone = spec["timezone"]
        if not isinstance(zone, str) or not _is_timezone(zone):
            err("timezone", f"'timezone' {zone!r} is not a time zone name such as Europe/Ljubljana or UTC")
        else:
            values["timezone"] = zone
    if "after_rollback_hours" in spec:
        number = _number(spec["after_rollback_hours"], 0, 24 * 365)
        if number is None:
            err("after_rollback_hours", "'after_rollback_hours' must be a number of hours such as 24")
        else:
            values["after_rollback_hours"] = number
    if "weights" in spec:
        values["weights"] = _risk_weights(spec, err)
    if "windows" in spec:
        values["windows"] = _risk_windows(spec, err)
    config.rollback_risk = RiskConfig(**values)


def _is_timezone(name: str) -> bool:
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(name)
    except (ValueError, KeyError, OSError, ImportError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def _risk_weights(spec: LineDict, err: Any) -> tuple[tuple[str, float], ...]:
    from ._bundled import data_table

    raw = spec["weights"]
    known = tuple((data_table("rollback-risk.yaml").get("factors") or {}).keys())
    if not isinstance(raw, LineDict):
        err("weights", "'weights' must map factor names to points: {destructive-ddl: 40, time-window: 0}")
        return ()
    out = []
    for name, value in raw.items():
        if name not in known:
            err("weights", unknown_key(name, known).replace("key", "factor"), raw)
        elif _number(value, 0, 100) is None:
            err("weights", f"weights: {name}: points must be a number from 0 to 100", raw)
        else:
            out.append((name, float(value)))
    return tuple(out)


def _risk_windows(spec: LineDict, err: Any) -> tuple[RiskWindow, ...]:
    raw = spec["windows"]
    example = '[{name: friday afternoon, days: [fri], from: "14:00", to: "24:00"}]'
    if not isinstance(raw, list):
        err("windows", f"'windows' must be a list such as {example} ([] for none)")
        return ()
    out = []
    for item in raw:
        if not isinstance(item, LineDict):
            err("windows", f"each window must be a mapping such as {example[1:-1]}")
            continue
        for key in item:
            if key not in WINDOW_KEYS:
                err(key, "windows: " + unknown_key(key, WINDOW_KEYS), item)
        name = item.get("name")
        days = item.get("days")
        times = [_minutes(item.get(k)) for k in ("from", "to")]
        if not isinstance(name, str) or not name:
            err("name", "windows: each window needs a 'name'", item)
            continue
        if not isinstance(days, list) or not days or any(str(d).lower()[:3] not in DAYS for d in days):
            err("days", f"windows: {name}: 'days' must list days such as [fri] or [sat, sun]", item)
            continue
        if None in times:
            err("from", f"windows: {name}: 'from' and 'to' must be times such as \"14:00\" (quoted)", item)
            continue
        start, end = times
        assert start is not None and end is not None
        out.append(
            RiskWindow(name, tuple(sorted({DAYS.index(str(d).lower()[:3]) for d in days})), start, end)
        )
    return tuple(out)


def _minutes(value: Any) -> int | None:
    m = TIME_RX.match(value) if isinstance(value, str) else None
    if m is None or (m.group(1) == "24" and m.group(2) != "00"):
        return None
    return int(m.group(1)) * 60 + int(m.group(2))


def _load_database(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "database" not in doc:
        return
    raw = doc["database"]
    items: list[tuple[Any, int]]
    if isinstance(raw, LineDict):
        items = [(raw, doc.line_of("database"))]
    elif isinstance(raw, list):
        items = _items(doc, "database")
    else:
        example = "{url_env: DATABASE_URL, tables: [farmers]}"
        message = f"'database' must be a mapping {example} or a list of them"
        problems.append(ConfigProblem(shown, doc.line_of("database"), message))
        return
    names: set[str] = set()
    for item, line in items:
        if not isinstance(item, LineDict):
            problems.append(ConfigProblem(shown, line, "each database must be a mapping"))
            continue
        database = _database(item, shown, problems, default_name="database" if len(items) == 1 else "")
        if database is None:
            continue
        if database.name in names:
            problems.append(
                ConfigProblem(shown, item.line_of("name"), f"database '{database.name}' is declared twice")
            )
        names.add(database.name)
        config.databases.append(database)


def _database(
    item: LineDict, shown: str, problems: list[ConfigProblem], *, default_name: str
) -> DatabaseConfig | None:
    def err(key: str, message: str, where: LineDict = item) -> None:
        problems.append(ConfigProblem(shown, where.line_of(key), f"database: {message}"))

    for key in item:
        if key not in DATABASE_KEYS:
            err(key, unknown_key(key, DATABASE_KEYS))
    name = item.get("name", default_name)
    if not isinstance(name, str) or not name:
        err("name", "with several databases each needs a 'name'")
        return None
    values: dict[str, Any] = {"name": name, "line": item.line}
    if "url_env" in item:
        value = item["url_env"]
        if value in (None, "", False):
            values["url_env"] = ""
        elif not isinstance(value, str) or not ENV_NAME_RX.match(value):
            err("url_env", "'url_env' must be the name of the variable holding the URL, such as DATABASE_URL")
        elif "://" in value:
            err("url_env", "'url_env' names a variable; never write the URL itself here")
        else:
            values["url_env"] = value
    if "parts" in item:
        parts = item["parts"]
        if not isinstance(parts, LineDict):
            err(
                "parts",
                "'parts' must map host, port, name, user, password to variable names: {host: DB_HOST}",
            )
        else:
            merged = dict(DatabaseConfig().parts)
            for key, value in parts.items():
                if key not in PART_KEYS:
                    err(key, "parts: " + unknown_key(key, PART_KEYS), parts)
                elif not isinstance(value, str) or not ENV_NAME_RX.match(value):
                    err(key, f"parts: {key}: must be a variable name such as DB_{key.upper()}", parts)
                else:
                    merged[key] = value
            values["parts"] = tuple(merged.items())
    if "env_file" in item:
        value = item["env_file"]
        if not isinstance(value, str) or not value or value.startswith("/") or ".." in value.split("/"):
            err("env_file", "'env_file' must be a path inside the repository, such as .env")
        else:
            values["env_file"] = value
    for key, rx, what in (
        ("tables", SQL_NAME_RX, "a table name"),
        ("extensions", SQL_NAME_RX, "an extension name"),
    ):
        found = _str_list(item, key, lambda k, m: err(k, m), default=[])
        for bad in (v for v in found if not rx.match(v)):
            err(key, f"'{key}': {bad!r} is not {what}")
        values[key] = tuple(v for v in found if rx.match(v))
    if "policy" in item:
        if item["policy"] not in DB_POLICIES:
            err(
                "policy",
                "'policy' must be fail (an unreachable database blocks) or skip (it is said and passes)",
            )
        else:
            values["policy"] = item["policy"]
    if "connect_timeout_s" in item:
        number = _number(item["connect_timeout_s"], 1, 120)
        if number is None:
            err("connect_timeout_s", "'connect_timeout_s' must be a number of seconds from 1 to 120")
        else:
            values["connect_timeout_s"] = number
    return DatabaseConfig(**values)
