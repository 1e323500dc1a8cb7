"""Deployment files as data: which files they are, and parsers that keep line numbers.

Shared by env-vars and deploy-config: apprunner.yaml, Dockerfiles, ECS task definitions,
docker-compose files, GitHub Actions workflows, Procfiles and dotenv files. Parsers are strict
(duplicate keys, invalid JSON escapes are errors) because the platforms are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ._glob import PathMatcher
from ._yaml import LineDict, LineList, YamlError, load_text

KINDS: dict[str, tuple[str, ...]] = {
    "apprunner": ("apprunner.yaml", "apprunner.yml"),
    "dockerfile": ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "*.dockerfile"),
    "taskdef": (
        "*task-definition*.json", "*task_definition*.json", "*taskdef*.json",
        ".aws/*.json", "ecs/**/*.json", "**/task-definitions/*.json",
    ),
    "compose": (
        "docker-compose*.yml", "docker-compose*.yaml",
        "compose.yml", "compose.yaml", "compose.*.yml", "compose.*.yaml",
    ),
    "workflow": (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    "procfile": ("Procfile",),
    "dotenv-example": (".env.example", ".env.sample", ".env.template", ".env.dist", "*.env.example"),
    "dotenv": (".env", ".env.*", "*.env"),
}  # fmt: skip
_MATCHERS = {kind: PathMatcher(globs) for kind, globs in KINDS.items()}


def classify(path: str) -> str | None:
    """The kind of deployment file a repo path is, or None."""
    for kind, matcher in _MATCHERS.items():  # order matters: examples before plain dotenv
        if matcher(path):
            return kind
    return None


class DeployFileError(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(f"{line}:{col}: {message}")
        self.line = line
        self.col = col
        self.message = message


# --- JSON ----------------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def load_json(text: str, path: str = "<json>") -> Any:
    """Strict JSON (invalid escapes and duplicate keys are errors) with LineDict/LineList lines."""
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise DeployFileError(exc.lineno, exc.colno, f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        line = _line_of_duplicate(text, str(exc))
        raise DeployFileError(line, 1, f"invalid JSON: {exc}") from None
    try:  # JSON is YAML: the YAML loader gives every mapping and key its line
        return load_text(text, path)
    except YamlError:
        return json.loads(text)


def _line_of_duplicate(text: str, message: str) -> int:
    m = re.search(r"duplicate key '(.*)'", message)
    if not m:
        return 1
    hits = [i for i, line in enumerate(text.splitlines(), 1) if f'"{m.group(1)}"' in line]
    return hits[1] if len(hits) > 1 else 1


# --- YAML ----------------------------------------------------------------------------------------


def load_yaml(text: str, path: str) -> Any:
    """Strict YAML (duplicate keys are errors) with lines; raises DeployFileError."""
    try:
        return load_text(text, path)
    except YamlError as exc:
        raise DeployFileError(exc.line, 1, exc.message) from None


def crlf_line(raw: str) -> int | None:
    """The first line that ends in CRLF, or None."""
    index = raw.find("\r\n")
    return None if index < 0 else raw.count("\n", 0, index) + 1


def get_path(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when any step is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def line_of(data: Any, key: str | None = None, default: int = 1) -> int:
    if isinstance(data, LineDict):
        return data.line_of(key) if key is not None else data.line
    if isinstance(data, LineList):
        return data.line
    return default


# --- Dockerfile ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int  # 1-based line where the instruction starts
    keyword: str  # upper case: FROM, RUN, COPY, ENV, ...
    args: str  # the rest, continuation lines joined with spaces
    exec_form: tuple[str, ...] | None  # ["a", "b"] form of CMD/ENTRYPOINT/RUN, when used
    stage: int  # index of the build stage (FROM count - 1)


_DIRECTIVE_RX = re.compile(r"^#\s*(\w+)\s*=\s*(\S+)\s*$")


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their start lines; comments, blank lines and continuations handled."""
    lines = text.splitlines()
    escape = "\\"
    for raw in lines:  # parser directives come first
        m = _DIRECTIVE_RX.match(raw)
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
    out: list[Instruction] = []
    stage = -1
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        start = i + 1
        i += 1
        if not stripped or stripped.startswith("#"):
            continue
        parts = [stripped]
        while parts[-1].endswith(escape) and i < len(lines):
            parts[-1] = parts[-1][: -len(escape)]
            nxt = lines[i].strip()
            i += 1
            if not nxt or nxt.startswith("#"):
                parts.append(escape)  # comments and blank lines inside a continuation are skipped
                continue
            parts.append(nxt)
        full = " ".join(p for p in parts if p).strip()
        keyword, _, args = full.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            stage += 1
        heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", args) if keyword in ("RUN", "COPY") else None
        if heredoc:
            end = heredoc.group(1)
            while i < len(lines) and lines[i].strip() != end:
                i += 1
            i += 1
        out.append(Instruction(start, keyword, args, _exec_form(args), max(stage, 0)))
    return out


def _exec_form(args: str) -> tuple[str, ...] | None:
    if not args.startswith("["):
        return None
    try:
        value = json.loads(args)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def dockerfile_env(instr: Instruction) -> list[tuple[str, str | None]]:
    """Names (and values) an ENV or ARG instruction sets: `ENV A=1 B=2`, `ENV A 1`, `ARG A`."""
    args = instr.args
    if instr.keyword == "ARG":
        name, _, value = args.partition("=")
        return [(name.strip(), value.strip() if _ else None)] if name.strip() else []
    if instr.keyword != "ENV":
        return []
    if "=" not in args.split(" ", 1)[0]:
        name, _, value = args.partition(" ")
        return [(name, value.strip())] if name else []
    return [
        (m.group(1), _unquote(m.group(2)))
        for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)", args)
    ]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


# --- dotenv --------------------------------------------------------------------------------------

_DOTENV_RX = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def parse_dotenv(text: str) -> list[tuple[int, str, str]]:
    """(line, name, value) for each assignment in a .env-style file."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _DOTENV_RX.match(line)
        if m:
            value = m.group(2)
            if value and value[0] not in "\"'" and " #" in value:
                value = value.split(" #", 1)[0].rstrip()
            out.append((number, m.group(1), _unquote(value)))
    return out
