"""`.ava-safety.yaml`: which packs, the repo's own rule files, thresholds and exclusions."""

from __future__ import annotations

import re
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
        "env", "services", "image_registries",
    }
)  # fmt: skip
PRINCIPLE_KEYS = frozenset({"min_score", "allow"})
ENV_KEYS = frozenset({"provided", "sources"})
PROVIDERS = ("apprunner", "ecs", "command")
SERVICE_STR_KEYS = frozenset(
    {"name", "provider", "region", "cluster", "container", "repository", "task_family", "service_arn"}
)
SERVICE_KEYS = SERVICE_STR_KEYS | {"files"}
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
    disable: frozenset[str] = frozenset()
    packs_line: int = 1
    rules_line: int = 1
    disable_line: int = 1
    env_provided: frozenset[str] = frozenset()  # set outside the repo (console, Secrets Manager)
    env_sources: tuple[str, ...] = ()  # globs of files that count as the deployment's env
    services: list[ServiceConfig] = field(default_factory=list)
    image_registries: tuple[str, ...] = ()  # allowed image registries (empty: any)

    @property
    def display(self) -> str:
        return CONFIG_NAME if self.path is None else _rel(self.path, self.root)

    def rule_files(self) -> list[Path]:
        """The repo's own rule files; a glob that matches nothing is an error, not a silent no-op."""
        found: set[Path] = set()
        problems = []
        for glob in self.rule_globs:
            matched = [p for p in self.root.glob(glob) if p.is_file()]
            if not matched:
                problems.append(
                    ConfigProblem(self.display, self.rules_line, f"'rules': no file matches {glob!r}")
                )
            found.update(matched)
        if problems:
            raise ConfigErrors(problems)
        return sorted(found)

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
    config.rule_globs = _str_list(doc, "rules", err, default=[], globs=True)
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


def _load_services(doc: LineDict, shown: str, config: Config, problems: list[ConfigProblem]) -> None:
    if "services" not in doc:
        return
    raw = doc["services"]
    if not isinstance(raw, list):
        problems.append(
            ConfigProblem(shown, doc.line_of("services"), "'services' must be a list of services")
        )
        return
    names: set[str] = set()
    for item in raw:
        if not isinstance(item, LineDict):
            problems.append(ConfigProblem(shown, doc.line_of("services"), "each service must be a mapping"))
            continue

        def err(key: str, message: str, item: LineDict = item) -> None:
            problems.append(ConfigProblem(shown, item.line_of(key), message))

        for key in item:
            if key not in SERVICE_KEYS:
                err(key, "service: " + unknown_key(key, SERVICE_KEYS))
        values: dict[str, str] = {}
        for key in SERVICE_STR_KEYS & set(item):
            if not isinstance(item[key], str) or not item[key]:
                err(key, f"service: '{key}' must be a non-empty string")
            else:
                values[key] = item[key]
        name = values.get("name")
        if name is None:
            if "name" not in item:
                err("name", "service: 'name' is required")
            continue
        if name in names:
            err("name", f"service '{name}' is declared twice")
        names.add(name)
        provider = values.get("provider", "apprunner")
        if provider not in PROVIDERS:
            err("provider", f"service '{name}': 'provider' must be one of {', '.join(PROVIDERS)}")
        files = _str_list(item, "files", err, default=[], globs=True)
        values.pop("name")
        values.pop("provider", None)
        config.services.append(
            ServiceConfig(name=name, provider=provider, files=tuple(files), line=item.line, **values)
        )


def _is_score(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100


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
