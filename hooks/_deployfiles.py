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


# --- images --------------------------------------------------------------------------------------

DOCKER_HUB = "docker.io"
UNRESOLVED = "\x00"  # stands for a part of a value known only at run time (a workflow expression)


@dataclass(frozen=True)
class ImageRef:
    """A container image reference split the way registries read it (`docker.io/library/python:3.11`)."""

    text: str
    registry: str  # host, "docker.io" for Docker Hub
    repository: str  # path inside the registry: "library/python", "team/app"
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def pinned(self) -> bool:
        """A digest, or a tag other than `latest`."""
        return self.digest is not None or (self.tag is not None and self.tag != "latest")


def parse_image(ref: str) -> ImageRef | None:
    """`registry/repo:tag@digest` as an ImageRef, or None when `ref` cannot be an image reference."""
    text = ref.strip()
    if not text or any(c.isspace() for c in text) or text.startswith(("-", "/", ":", "@")):
        return None
    name, _, digest = text.partition("@")
    tag = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
    if not name:
        return None
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or UNRESOLVED in first):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name if slash else f"library/{name}"
    return ImageRef(text, registry, repository, tag or None, digest or None)


# --- shell ---------------------------------------------------------------------------------------

_SHELL_OPERATORS = frozenset({";", "&&", "||", "|", "&", ";;", "|&"})


def shell_commands(script: str) -> list[tuple[int, list[str]]]:
    """The simple commands of a shell snippet as (0-based line, words).

    Lines continued with a backslash join; `;`, `&&`, `||`, `|` and `&` separate commands; comments
    are dropped. A line shlex cannot split (an unbalanced quote) falls back to whitespace words.
    """
    import shlex

    out: list[tuple[int, list[str]]] = []
    lines = script.split("\n")
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i].rstrip("\r")
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            logical = logical[:-1] + " " + lines[i].rstrip("\r")
        i += 1
        try:
            lexer = shlex.shlex(logical, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:
            words = logical.split("#", 1)[0].split()
        current: list[str] = []
        for word in words:
            if word in _SHELL_OPERATORS:
                if current:
                    out.append((start, current))
                current = []
            else:
                current.append(word)
        if current:
            out.append((start, current))
    return out


# --- GitHub Actions workflows --------------------------------------------------------------------

_EXPR_RX = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SHELL_VAR_RX = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class WorkflowStep:
    job: str
    index: int  # position in the job's steps
    line: int  # line of the step's first key
    data: Any  # the step mapping (LineDict)
    uses: str | None  # action without its @ref: "aws-actions/amazon-ecs-deploy-task-definition"
    env: dict[str, str]  # workflow, job and step env merged (later wins)
    enabled: bool  # False when the step or its job has a literal false `if:`


def workflow_triggers(doc: Any) -> set[str]:
    """Event names under `on:` (YAML 1.1 reads a bare `on` key as true, hence "True")."""
    if not isinstance(doc, dict):
        return set()
    on = doc.get("on", doc.get("True"))
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(e) for e in on}
    if isinstance(on, dict):
        return {str(e) for e in on}
    return set()


def _env_of(node: Any) -> dict[str, str]:
    env = node.get("env") if isinstance(node, dict) else None
    if not isinstance(env, dict):
        return {}
    out = {}
    for key, value in env.items():
        if isinstance(value, bool):
            out[str(key)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            out[str(key)] = str(value)
    return out


def _literally_false(condition: Any) -> bool:
    if condition is False:
        return True
    if isinstance(condition, str):
        text = condition.strip()
        m = _EXPR_RX.fullmatch(text)
        return (m.group(1) if m else text).strip() == "false"
    return False


def workflow_steps(doc: Any) -> list[WorkflowStep]:
    """Every step of every job, with the env it sees."""
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
        return []
    top = _env_of(doc)
    out: list[WorkflowStep] = []
    for job_name, job in doc["jobs"].items():
        if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
            continue
        job_env = {**top, **_env_of(job)}
        job_on = not _literally_false(job.get("if"))
        for index, step in enumerate(job["steps"]):
            if not isinstance(step, dict):
                continue
            uses = step.get("uses")
            action = uses.split("@", 1)[0].strip() if isinstance(uses, str) else None
            out.append(
                WorkflowStep(
                    job=str(job_name),
                    index=index,
                    line=line_of(step),
                    data=step,
                    uses=action,
                    env={**job_env, **_env_of(step)},
                    enabled=job_on and not _literally_false(step.get("if")),
                )
            )
    return out


def expand(value: str, env: dict[str, str], *, shell: bool = False) -> str:
    """`${{ env.X }}` (and `$X`/`${X}` in shell) replaced from `env`, recursively; anything else known
    only at run time (`${{ github.sha }}`, a step output, an unknown variable) becomes UNRESOLVED."""

    def expression(m: re.Match[str], depth: int) -> str:
        inner = m.group(1)
        em = re.fullmatch(r"env\.([A-Za-z_][A-Za-z0-9_]*)", inner)
        if em and em.group(1) in env and depth < 5:
            return _expand(env[em.group(1)], depth + 1)
        lit = re.fullmatch(r"'([^']*)'", inner)
        return lit.group(1) if lit else UNRESOLVED

    def variable(m: re.Match[str], depth: int) -> str:
        name = m.group(1) or m.group(2)
        if name in env and depth < 5:
            return _expand(env[name], depth + 1)
        return UNRESOLVED

    def _expand(text: str, depth: int) -> str:
        text = _EXPR_RX.sub(lambda m: expression(m, depth), text)
        if shell:
            text = _SHELL_VAR_RX.sub(lambda m: variable(m, depth), text)
        return text

    return _expand(value, 0)
