"""`.ava-safety.yaml`: which packs, the repo's own rule files, thresholds and exclusions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ConfigErrors, ConfigProblem, unknown_key
from ._glob import GlobError, PathMatcher, check_glob
from ._yaml import LineDict, YamlError, load_file

CONFIG_NAME = ".ava-safety.yaml"
KEYS = frozenset(
    {
        "packs", "rules", "min_score", "exclude", "python", "principles", "disable",
        "env", "services", "image_registries", "history", "version_sources",
    }
)  # fmt: skip
PRINCIPLE_KEYS = frozenset({"min_score", "allow"})
ENV_KEYS = frozenset({"provided", "sources"})
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
PLACEHOLDER_RX = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = frozenset({"service", "version", "commit", "image"})
PY_VERSION_RX = re.compile(r"^3\.[0-9]{1,2}$")


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

    def service(self, name: str) -> ServiceConfig | None:
        return next((s for s in self.services if s.name == name), None)

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


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_config(root: Path, path: Path | None = None) -> Config:
    """Read the config (absent means defaults); raise ConfigErrors with every problem."""
    config_path = path or root / CONFIG_NAME
    config = Config(root=root)
    if path is None and not config_path.exists():
        return config
    config.path = config_path
    shown = _rel(config_path, root)
    problems: list[ConfigProblem] = []
    try:
        doc = load_file(config_path, shown)
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
    config.version_sources = tuple(_str_list(doc, "version_sources", err, default=[], globs=True))
    config.image_registries = tuple(_str_list(doc, "image_registries", err, default=[], globs=True))
    if problems:
        raise ConfigErrors(problems)
    return config


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
        known = FILE_GATES + SPECIAL_GATES
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
