"""Deployment files as data: which files they are, and the one reader of each format.

apprunner.yaml, Dockerfiles, ECS task definitions, docker-compose files, GitHub Actions workflows,
Procfiles and dotenv files (and .ava-safety.yaml and the repo's rule files, which deploy-config also
parses strictly). `document(context, path)` reads a file once per run: strictly (duplicate keys and
invalid JSON escapes are errors, because the platforms are strict) with line numbers, and keeps both
what it could read and the first problem, so deploy-config reports a duplicate key while target
detection still reads the runtime. Every hook asks this reader; none parses a deployment file itself.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from .._config import CONFIG_NAME
from .._errors import ConfigErrors
from .._glob import GlobError, PathMatcher
from .._source import RunContext
from .._yaml import LineDict, LineList, YamlError, load_text

KINDS: dict[str, tuple[str, ...]] = {
    "apprunner": ("apprunner.yaml", "apprunner.yml"),
    "dockerfile": ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "*.dockerfile"),
    "taskdef": (
        "*task-def*.json", "*task_def*.json", "*taskdef*.json",  # task-definition.json, task-def.json
        ".aws/*.json", "ecs/**/*.json", "**/task-definitions/*.json",
    ),
    "compose": (
        "docker-compose*.yml", "docker-compose*.yaml",
        "compose.yml", "compose.yaml", "compose.*.yml", "compose.*.yaml",
    ),
    "workflow": (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    "buildspec": ("buildspec*.yml", "buildspec*.yaml", "**/buildspec*.yml", "**/buildspec*.yaml"),
    "procfile": ("Procfile",),
    "dotenv-example": (".env.example", ".env.sample", ".env.template", ".env.dist", "*.env.example"),
    "dotenv": (".env", ".env.*", "*.env"),
}  # fmt: skip
# A glob without a slash names the file (any depth): matched against the name alone, anchored, which
# spares the regex engine a walk over every directory of every path (--all-files classifies each
# tracked file); a glob with a slash is matched against the whole path.
_MATCHERS = {
    kind: (
        PathMatcher("/" + g for g in globs if "/" not in g),
        PathMatcher(g for g in globs if "/" in g),
    )
    for kind, globs in KINDS.items()
}
_SUFFIXES = (".json", ".yml", ".yaml")


def _may_be_deployment_file(name: str) -> bool:
    """The cheap first test, on the file name: every glob of KINDS needs one of these."""
    return name.endswith(_SUFFIXES) or "ockerfile" in name or name == "Procfile" or ".env" in name


def classify(path: str) -> str | None:
    """The kind of deployment file a repo path is, or None."""
    name = path.rpartition("/")[2]
    if not _may_be_deployment_file(name):
        return None
    for kind, (by_name, by_path) in _MATCHERS.items():  # order matters: examples before plain dotenv
        if by_name(name) or by_path(path):
            return kind
    return None


def kinds(context: RunContext) -> dict[str, str]:
    """The kind of every tracked deployment file (path -> kind), classified once per run."""
    return context.fact(_kinds)


def _kinds(context: RunContext) -> dict[str, str]:
    # the cheap test once per distinct file name, not once per tracked path
    names = context.by_name
    candidates = (p for name, paths in names.items() if _may_be_deployment_file(name) for p in paths)
    found = ((path, classify(path)) for path in sorted(candidates))
    return {path: kind for path, kind in found if kind is not None}


class DeployFileError(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(f"{line}:{col}: {message}")
        self.line = line
        self.col = col
        self.message = message


# --- JSON ----------------------------------------------------------------------------------------


class _NotANumber(ValueError):
    pass


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (RFC 8259) has no such numbers, and the platforms'
    # parsers (Go's, the AWS APIs') refuse the file
    raise _NotANumber(name)


def _finite(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):  # 1e999: too large for any platform's float
        raise _NotANumber(literal)
    return value


_CONSTANT_RX = re.compile(r"-?\b(?:NaN|Infinity)\b")


def _constant_position(text: str, name: str) -> tuple[int, int]:
    """Line and column of the first NaN/Infinity outside a string (a JSON string cannot span lines,
    so the quotes before it on its own line tell)."""
    for number, line in enumerate(text.split("\n"), start=1):
        for m in _CONSTANT_RX.finditer(line):
            if m.group(0) == name and len(re.findall(r'(?<!\\)"', line[: m.start()])) % 2 == 0:
                return number, m.start() + 1
    return 1, 1


def _literal_position(text: str, literal: str) -> tuple[int, int]:
    index = text.find(literal)
    if index < 0:
        return 1, 1
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def load_json(text: str, path: str = "<json>") -> Any:
    """Strict JSON (invalid escapes, duplicate keys, NaN and Infinity are errors) with
    LineDict/LineList lines."""
    try:
        # json's C scanner first: the syntax errors, fast, with its messages
        json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise DeployFileError(exc.lineno, exc.colno, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise DeployFileError(1, 1, "invalid JSON: nested too deeply to read") from None
    except _NotANumber as exc:
        name = str(exc)
        if name.lstrip("-") in ("NaN", "Infinity"):
            line, col = _constant_position(text, name)
            raise DeployFileError(line, col, f"invalid JSON: {name} is not a JSON number") from None
        line, col = _literal_position(text, name)
        raise DeployFileError(line, col, f"invalid JSON: {name} is too large for a number") from None
    try:
        return _json_with_lines(text, path)
    except DuplicateKey as exc:
        first = f" (first at line {exc.first})" if exc.first != exc.line else ""
        raise DeployFileError(exc.line, exc.col, f"invalid JSON: duplicate key {exc.key!r}{first}") from None
    except RecursionError:  # the line-keeping pass recurses in Python, deeper than json's C scanner
        raise DeployFileError(1, 1, "invalid JSON: nested too deeply to read") from None


class DuplicateKey(ValueError):
    def __init__(self, key: str, line: int, col: int, first: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.line, self.col, self.first = key, line, col, first


def _json_with_lines(text: str, path: str, *, allow_duplicates: bool = False) -> Any:
    """The JSON document with LineDict/LineList lines, read by a JSON parser (a task definition is not
    read as YAML: that costs 30x more). A duplicate key raises ValueError unless `allow_duplicates`
    (then the last wins, as the platforms' own loaders read it)."""
    return _LineJson(text, allow_duplicates).load()


class _LineJson:
    """json's own scanner (its Python half) with objects and arrays built as LineDict/LineList: the
    line of each mapping, key, list and item, from the offsets the scanner passes anyway."""

    def __init__(self, text: str, allow_duplicates: bool) -> None:
        import bisect
        import json.decoder
        import json.scanner

        decoder: Any = json.decoder  # the pure-Python halves typeshed does not declare
        scanner: Any = json.scanner
        self.text = text
        self.allow_duplicates = allow_duplicates
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self._bisect = bisect.bisect_left
        self._scanstring = decoder.scanstring
        self._ws = decoder.WHITESPACE.match
        self._error = decoder.JSONDecodeError
        # the attributes py_make_scanner reads from its context
        self.strict = True
        self.object_hook = None
        self.object_pairs_hook = None
        self.parse_float = float
        self.parse_int = int
        self.parse_constant = decoder._CONSTANTS.__getitem__
        self.memo: dict[str, str] = {}
        self.parse_object = self._object
        self.parse_array = self._array
        self.parse_string = decoder.scanstring
        self.scan_once = scanner.py_make_scanner(self)

    def line(self, offset: int) -> int:
        return self._bisect(self.newlines, offset) + 1

    def line_start(self, line: int) -> int:
        return self.newlines[line - 2] + 1 if line > 1 else 0

    def load(self) -> Any:
        text, ws = self.text, self._ws
        start = ws(text, 0).end()
        try:
            value, end = self.scan_once(text, start)
        except StopIteration as exc:
            raise self._error("Expecting value", text, exc.value) from None
        end = ws(text, end).end()
        if end != len(text):
            raise self._error("Extra data", text, end)
        return value

    def _object(self, s_and_end: tuple[str, int], strict: bool, scan_once: Any, *_: Any) -> tuple[Any, int]:
        s, end = s_and_end
        ws, error = self._ws, self._error
        result = LineDict()
        result.line = self.line(end - 1)
        result.key_lines = {}
        end = ws(s, end).end()
        if s[end : end + 1] == "}":
            return result, end + 1
        while True:
            if s[end : end + 1] != '"':
                raise error("Expecting property name enclosed in double quotes", s, end)
            key_line, key_start = self.line(end), end
            key, end = self._scanstring(s, end + 1, strict)
            end = ws(s, end).end()
            if s[end : end + 1] != ":":
                raise error("Expecting ':' delimiter", s, end)
            end = ws(s, end + 1).end()
            try:
                value, end = scan_once(s, end)
            except StopIteration as exc:
                raise error("Expecting value", s, exc.value) from None
            if key in result and not self.allow_duplicates:
                raise DuplicateKey(key, key_line, key_start - self.line_start(key_line) + 1,
                                   result.key_lines[key])  # fmt: skip
            result[key] = value
            result.key_lines[key] = key_line
            end = ws(s, end).end()
            nextchar = s[end : end + 1]
            if nextchar == "}":
                return result, end + 1
            if nextchar != ",":
                raise error("Expecting ',' delimiter", s, end)
            end = ws(s, end + 1).end()

    def _array(self, s_and_end: tuple[str, int], scan_once: Any, *_: Any) -> tuple[Any, int]:
        s, end = s_and_end
        ws, error = self._ws, self._error
        result = LineList()
        result.line = self.line(end - 1)
        result.item_lines = []
        end = ws(s, end).end()
        if s[end : end + 1] == "]":
            return result, end + 1
        while True:
            try:
                result.item_lines.append(self.line(end))
                value, end = scan_once(s, end)
            except StopIteration as exc:
                raise error("Expecting value", s, exc.value) from None
            result.append(value)
            end = ws(s, end).end()
            nextchar = s[end : end + 1]
            if nextchar == "]":
                return result, end + 1
            if nextchar != ",":
                raise error("Expecting ',' delimiter", s, end)
            end = ws(s, end + 1).end()


# --- YAML ----------------------------------------------------------------------------------------


def load_yaml(text: str, path: str) -> Any:
    """Strict YAML (duplicate keys are errors) with lines; raises DeployFileError, at the column of
    the offending key where known."""
    try:
        return load_text(text, path)
    except YamlError as exc:
        lines = text.split("\n")
        line_text = lines[exc.line - 1] if 1 <= exc.line <= len(lines) else ""
        col = len(line_text) - len(line_text.lstrip()) + 1
        dup = re.search(r"duplicate key '(.*?)'", exc.message)
        if dup and dup.group(1) in line_text:
            col = line_text.find(dup.group(1)) + 1
        raise DeployFileError(exc.line, col, exc.message) from None


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


# --- the reader: one parse of each file per run --------------------------------------------------


@dataclass
class Document:
    """One file as read once: its data (YAML/JSON with lines, Dockerfile instructions, Procfile
    lines) and the first problem the strict read found.

    When the strict read fails on a duplicate key, `data` still holds what the platform's own loader
    would read (the last value wins) and `error` says what is wrong; other errors leave `data` None.
    """

    path: str
    kind: str | None  # a `classify` kind, "config", "rules" or None
    text: str
    data: Any = None
    error: DeployFileError | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def line_text(self, line: int) -> str:
        lines = self.lines
        return lines[line - 1].rstrip("\r") if 1 <= line <= len(lines) else ""

    def col_of(self, line: int, needle: str) -> int:
        """1-based column of `needle` on `line`, or of the line's first non-blank character."""
        text = self.line_text(line)
        index = text.find(needle) if needle else -1
        if index < 0:
            index = len(text) - len(text.lstrip())
        return index + 1

    @property
    def usable(self) -> Any:
        """The data when the strict read succeeded, else None: what checks of validity may trust."""
        return self.data if self.error is None else None


def _documents(context: RunContext) -> dict[str, Document | None]:
    return {}


def document(context: RunContext, path: str) -> Document | None:
    """The file at repo-relative `path`, read once per run (None when it is missing or binary)."""
    store = context.fact(_documents)
    if path not in store:
        source = context.file(path)
        store[path] = None if source is None else parse(path, source.text, kind_of(context, path))
    return store[path]


@dataclass(frozen=True)
class DockerIgnore:
    """A build context's `.dockerignore`: what `docker build` leaves out of the context."""

    directory: str  # the context, repo-relative ("" for the root)
    patterns: tuple[tuple[PathMatcher, bool], ...]  # (pattern, an exception `!`), in file order

    def excludes(self, path: str) -> bool:
        """Whether repo-relative `path`, under the context, is left out (the last matching pattern
        decides; a pattern that matches a directory leaves out everything below it)."""
        if self.directory and not path.startswith(self.directory + "/"):
            return False
        relative = path[len(self.directory) + 1 :] if self.directory else path
        out = False
        for matcher, exception in self.patterns:
            if matcher(relative):
                out = not exception
        return out


def parse_dockerignore(directory: str, text: str) -> DockerIgnore:
    """Docker's rules: one pattern a line, `#` comments, anchored at the context root (`*.pyc` is
    the root's only, `**/*.pyc` any depth), cleaned like a path, `!` re-includes. A pattern Docker
    would reject is left out here (the build fails on it anyway: deploy-config's business)."""
    patterns: list[tuple[PathMatcher, bool]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        body = line[1:].strip() if exception else line
        body = posixpath.normpath(body.lstrip("/")) if body.lstrip("/") else ""
        if not body or body == "." or body.startswith("../"):
            continue
        try:
            patterns.append((PathMatcher(["/" + body]), exception))
        except (GlobError, re.error):
            continue
    return DockerIgnore(directory, tuple(patterns))


def _dockerignores(context: RunContext) -> dict[str, DockerIgnore | None]:
    return {}


def dockerignore(context: RunContext, directory: str) -> DockerIgnore | None:
    """The tracked `.dockerignore` of the build context `directory`, read once per run; None when
    there is none (a clean checkout builds with what is tracked)."""
    store = context.fact(_dockerignores)
    if directory not in store:
        path = f"{directory}/.dockerignore" if directory else ".dockerignore"
        source = context.file(path) if path in context.repo_files else None
        store[directory] = None if source is None else parse_dockerignore(directory, source.text)
    return store[directory]


def kind_of(context: RunContext, path: str) -> str | None:
    """The kind `document` reads a file as: a deployment kind, "config", "rules" or None."""
    kind = classify(path)
    if kind is not None:
        return kind
    if path == config_display(context):
        return "config"
    if path in rule_file_paths(context):
        return "rules"
    return None


def parse(path: str, text: str, kind: str | None) -> Document:
    """`text` read as a `kind` file: the one parser per format."""
    doc = Document(path, kind, text)
    try:
        if kind == "dockerfile":
            doc.data = parse_dockerfile(text)
        elif kind == "procfile":
            doc.data = parse_procfile(text)
        elif kind in ("dotenv", "dotenv-example"):
            doc.data = parse_dotenv(text)
        elif kind == "taskdef" or (kind in (None, "rules") and path.endswith(".json")):
            doc.data = load_json(text, path)
        elif kind is not None or path.endswith((".yaml", ".yml")):
            doc.data = load_yaml(text, path)
    except DeployFileError as exc:
        doc.error = exc
        if "duplicate key" in exc.message:
            doc.data = _lenient(path, text, as_json=kind == "taskdef" or path.endswith(".json"))
    return doc


def _lenient(path: str, text: str, *, as_json: bool) -> Any:
    try:
        if as_json:
            return _json_with_lines(text, path, allow_duplicates=True)
        return load_text(text, path, allow_duplicates=True)
    except (YamlError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None


def raw_scalar(doc: Document, line: int, key: str) -> str:
    """A scalar as written on its line (YAML reads an unquoted 3.10 as 3.1); "" when not found."""
    m = re.search(rf"{re.escape(key)}\s*:\s*(['\"]?)([^'\"#\s]+)\1", doc.line_text(line))
    return m.group(2) if m else ""


# --- configuration and the repository ------------------------------------------------------------


def config_display(context: RunContext) -> str:
    config = context.config
    return config.display if config.path is not None else CONFIG_NAME


def rule_file_paths(context: RunContext) -> frozenset[str]:
    """The repo's own rule files (`rules:` in .ava-safety.yaml), repo-relative."""
    return context.fact(_rule_file_paths)


def _rule_file_paths(context: RunContext) -> frozenset[str]:
    config = context.config
    try:
        files = config.rule_files()
    except ConfigErrors:
        return frozenset()
    root = context.root.resolve()
    out = set()
    for path in files:
        try:
            out.add(path.resolve().relative_to(root).as_posix())
        except ValueError:
            continue
    return frozenset(out)


def dirname(path: str) -> str:
    return posixpath.dirname(path)


def join(base: str, rel: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, rel)) if base else posixpath.normpath(rel)
    return "" if joined == "." else joined


# --- Procfile ------------------------------------------------------------------------------------


def parse_procfile(text: str) -> list[tuple[int, str, str]]:
    """(line, process type, command) for each `type: command` line of a Procfile."""
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        # the value is stripped here: `\s*(.+?)\s*$` was quadratic on a long run of spaces
        m = re.match(r"^([A-Za-z0-9_-]+)\s*:(.*)$", line)
        if m and m.group(2).strip() and not line.lstrip().startswith("#"):
            out.append((number, m.group(1), m.group(2).strip()))
    return out


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
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


@dataclass
class Stage:
    index: int
    name: str | None
    base: str | None  # the FROM image with build args resolved; None when it cannot be resolved
    base_text: str  # as written
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class DockerfileModel:
    path: str
    stages: list[Stage]
    workdir: str  # the final stage's WORKDIR ("" when none)
    bases: list[str]  # repo directories whose files the final stage has at its WORKDIR

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def chain(self, stage: Stage | None) -> list[Stage]:
        """The stage and the earlier stages it builds FROM."""
        out: list[Stage] = []
        by_name = {s.name: s for s in self.stages if s.name}
        while stage is not None and stage not in out:
            out.append(stage)
            stage = by_name.get(stage.base or "") if stage.base else None
        return out

    def last(self, keyword: str) -> Instruction | None:
        final = self.final
        found = [i for i in final.instructions if i.keyword == keyword] if final else []
        return found[-1] if found else None


_VAR_RX = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def substitute(text: str, args: dict[str, str | None]) -> str | None:
    """Build-arg references replaced by their defaults; None when one has no value."""
    missing = False

    def repl(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(3)
        value = args.get(name)
        if value is None and m.group(2) is not None:
            value = m.group(2)
        if value is None:
            missing = True
            return ""
        return value

    out = _VAR_RX.sub(repl, text)
    return None if missing else out


def _dockerfile_models(context: RunContext) -> dict[str, DockerfileModel | None]:
    return {}


def dockerfile_model(context: RunContext, path: str) -> DockerfileModel | None:
    """The Dockerfile at `path` as stages, read once per run."""
    store = context.fact(_dockerfile_models)
    if path not in store:
        doc = document(context, path)
        store[path] = (
            _dockerfile_model(path, doc.data) if doc is not None and isinstance(doc.data, list) else None
        )
    return store[path]


def _dockerfile_model(path: str, instructions: list[Instruction]) -> DockerfileModel:
    args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for instr in instructions:
        if instr.keyword == "ARG" and not stages:
            name, eq, value = instr.args.partition("=")
            args[name.strip()] = value.strip().strip("\"'") if eq else None
        elif instr.keyword == "FROM":
            words = [w for w in instr.args.split() if not w.startswith("--")]
            image = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), alias, substitute(image, args), image, instr.line))
        elif stages:
            stages[-1].instructions.append(instr)
    workdir = ""
    bases = [dirname(path), ""]
    final = stages[-1] if stages else None
    for instr in final.instructions if final else []:
        if instr.keyword == "WORKDIR":
            workdir = posixpath.join(workdir or "/", instr.args.strip().strip("\"'"))
        elif instr.keyword in ("COPY", "ADD"):
            sources, dest = copy_operands(instr)
            if len(sources) == 1 and dest.rstrip("/") in ("", ".", workdir.rstrip("/")):
                source = sources[0].rstrip("/")
                if source not in ("", ".") and not any(c in source for c in "*?[$"):
                    for root in (dirname(path), ""):
                        bases.append(join(root, source))
    return DockerfileModel(path, stages, workdir, list(dict.fromkeys(bases)))


def copy_operands(instr: Instruction) -> tuple[list[str], str]:
    """(sources, destination) of a COPY/ADD; no sources for `--from=` copies, heredocs and URLs."""
    if instr.exec_form is not None:
        words = list(instr.exec_form)
    else:
        words = instr.args.split()
    flags = [w for w in words if w.startswith("--")]
    operands = [w for w in words if not w.startswith("--")]
    if (
        any(f.startswith("--from") for f in flags)
        or len(operands) < 2
        or instr.args.lstrip().startswith("<<")
    ):
        return [], operands[-1] if operands else ""
    sources = [s for s in operands[:-1] if "://" not in s and not s.startswith("git@")]
    return sources, operands[-1]


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
        # a name starts where a word starts: retried inside a long word it was quadratic
        for m in re.finditer(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)", args)
    ]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


# --- dotenv --------------------------------------------------------------------------------------

_DOTENV_RX = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)$")  # the value is stripped


def parse_dotenv(text: str) -> list[tuple[int, str, str]]:
    """(line, name, value) for each assignment in a .env-style file."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _DOTENV_RX.match(line)
        if m:
            value = m.group(2).strip()
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


_SHELL_SPACE = frozenset(" \t\r\n")
_SHELL_PUNCTUATION = frozenset(";&|")


def shell_words(line: str) -> list[str]:  # noqa: C901 - one state machine, read top to bottom
    """The words of one shell line exactly as `shlex.shlex(line, posix=True, punctuation_chars=";&|")`
    with `whitespace_split` gives them (tests/linear_paths_test.py compares the two), in linear
    time: shlex grows each token one character at a time by string concatenation, quadratic in a
    long word (a 400 KB run command took 15 to 30 s). ValueError for an unclosed quote or escape."""
    words: list[str] = []
    token: list[str] = []
    state = " "  # " " between words, "a" in a word, "c" in punctuation, a quote, or "\\"
    escaped = " "  # the state an escape returns to
    quoted = False
    pushed: list[str] = []
    n, i = len(line), 0
    while True:
        if pushed:
            ch = pushed.pop()
        elif i < n:
            ch, i = line[i], i + 1
        else:
            ch = ""
        done = False
        if state == " ":
            if not ch:
                done, state = True, "eof"
            elif ch in _SHELL_SPACE:
                done = bool(token) or quoted
            elif ch == "#":
                i = n  # the rest of the line is a comment
            elif ch == "\\":
                escaped, state = "a", "\\"
            elif ch in _SHELL_PUNCTUATION:
                token, state = [ch], "c"
            elif ch in "'\"":
                state = ch
            else:
                token, state = [ch], "a"
        elif state in ("a", "c"):
            if not ch:
                done, state = True, "eof"
            elif ch in _SHELL_SPACE:
                state = " "
                done = bool(token) or quoted
            elif ch == "#":
                i, state = n, " "
                done = bool(token) or quoted
            elif state == "c":
                if ch in _SHELL_PUNCTUATION:
                    token.append(ch)
                else:
                    pushed.append(ch)
                    state, done = " ", True
            elif ch in "'\"":
                state = ch
            elif ch == "\\":
                escaped, state = "a", "\\"
            elif ch not in _SHELL_PUNCTUATION:
                token.append(ch)
            else:
                pushed.append(ch)
                state = " "
                done = bool(token) or quoted
        elif state in ("'", '"'):
            quoted = True
            if not ch:
                raise ValueError("No closing quotation")
            if ch == state:
                state = "a"
            elif ch == "\\" and state == '"':
                escaped, state = state, "\\"
            else:
                token.append(ch)
        else:  # after a backslash
            if not ch:
                raise ValueError("No escaped character")
            if escaped in ("'", '"') and ch != "\\" and ch != escaped:
                token.append("\\")
            token.append(ch)
            state = escaped
        if done:
            if token or quoted:
                words.append("".join(token))
            token, quoted, escaped = [], False, " "
            if state == "eof":
                return words


def shell_commands(script: str) -> list[tuple[int, list[str]]]:
    """The simple commands of a shell snippet as (0-based line, words).

    Lines continued with a backslash join; `;`, `&&`, `||`, `|` and `&` separate commands; comments
    are dropped. A line shlex cannot split (an unbalanced quote) falls back to whitespace words.
    A GitHub expression (`${{ steps.login-ecr.outputs.registry }}`) is one token, never split at
    its inner spaces: the runner substitutes it before the shell sees the line.
    """
    out: list[tuple[int, list[str]]] = []
    lines = script.split("\n")
    i = 0
    while i < len(lines):
        start = i
        parts = [lines[i].rstrip("\r")]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            parts[-1] = parts[-1][:-1]
            parts.append(lines[i].rstrip("\r"))
        logical = " ".join(parts)  # joined once: appending line by line was quadratic
        i += 1
        logical, held = _hold_expressions(logical)
        try:
            words = shell_words(logical)
        except ValueError:
            words = logical.split("#", 1)[0].split()
        if held:
            words = [_restore(w, held) for w in words]
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


_HELD_RX = re.compile("\x01([0-9]+)\x01")


def _hold_expressions(line: str) -> tuple[str, list[str]]:
    """The line with each `${{ … }}` replaced by a token without spaces, and the expressions."""
    held: list[str] = []
    if "${{" not in line:
        return line, held

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x01{len(held) - 1}\x01"

    return _EXPR_RX.sub(hold, line), held


def _restore(word: str, held: list[str]) -> str:
    return _HELD_RX.sub(lambda m: held[int(m.group(1))], word)


# --- GitHub Actions workflows --------------------------------------------------------------------

# the spaces inside are stripped by the readers: `\s*(.*?)\s*` is cubic on a long run of spaces
_EXPR_RX = re.compile(r"\$\{\{(.*?)\}\}")
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


def buildspec_steps(doc: Any) -> list[tuple[WorkflowStep, list[tuple[int, str]]]]:
    """A CodeBuild buildspec as steps, one per phase, each with its commands and their lines."""
    phases = doc.get("phases") if isinstance(doc, dict) else None
    if not isinstance(phases, dict):
        return []
    env_node = get_path(doc, "env", "variables")
    env = {str(k): str(v) for k, v in env_node.items()} if isinstance(env_node, dict) else {}
    out: list[tuple[WorkflowStep, list[tuple[int, str]]]] = []
    for index, (name, phase) in enumerate(phases.items()):
        commands = phase.get("commands") if isinstance(phase, dict) else None
        if not isinstance(commands, list):
            continue
        lines = getattr(commands, "item_lines", [])
        found = [(lines[i] if i < len(lines) else line_of(phase), str(c)) for i, c in enumerate(commands)]
        step = WorkflowStep(f"codebuild {name}", index, line_of(phase), phase, None, env, True)
        out.append((step, found))
    return out


def expand(value: str, env: dict[str, str], *, shell: bool = False) -> str:
    """`${{ env.X }}` (and `$X`/`${X}` in shell) replaced from `env`, recursively; anything else known
    only at run time (`${{ github.sha }}`, a step output, an unknown variable) becomes UNRESOLVED."""

    def expression(m: re.Match[str], depth: int) -> str:
        inner = m.group(1).strip()
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


# --- environment variables a deployment sets ------------------------------------------------------

_BRACED_RX = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+-][^}]*)?\}")
_BARE_RX = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
_RESOLVE_RX = re.compile(r"\{\{\s*resolve:(?:secretsmanager|ssm-secure|ssm):")
_ENV_NAME_RX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class EnvEntry:
    """One variable a deployment file sets, or passes through, for the service it deploys."""

    name: str
    line: int  # line of the name
    value: str | None  # the literal value; None when the file gives none (secret, pass-through, bare ARG)
    section: str  # where it is set: "run.env", "run.secrets", "ENV", "environment", "secrets", ...
    value_line: int = 0  # line of the value (0: same as `line`)
    runtime: bool = True  # the running service sees it (False: build stage only, as ARG and build.env)
    reference: bool = False  # the value comes from a secret store or the environment, not the file
    scope: str = ""  # the compose service it is set for

    @property
    def where(self) -> int:
        return self.value_line or self.line


def is_reference(value: str, *, bare: bool = True) -> bool:
    """A value filled in elsewhere: `${VAR}` (a template rendered by CI, compose, Docker), `$VAR` where
    the platform interpolates (`bare`: Dockerfile, compose), a CloudFormation dynamic reference.
    `$$` is an escaped dollar, not a reference."""
    value = value.replace("$$", "")
    if _BRACED_RX.search(value) or _RESOLVE_RX.search(value):
        return True
    return bare and _BARE_RX.search(value) is not None


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _name_value_list(
    items: Any, section: str, value_key: str, *, runtime: bool, secret: bool
) -> list[EnvEntry]:
    """`[{name: X, value: Y}]` (App Runner, ECS) as entries; items without a usable name are skipped."""
    if not isinstance(items, list):
        return []
    lines = getattr(items, "item_lines", [])
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        line = line_of(item, "name", lines[index] if index < len(lines) else line_of(items))
        value = _scalar(item.get(value_key))
        out.append(
            EnvEntry(
                item["name"], line, None if secret else value, section,
                value_line=line_of(item, value_key, line) if value_key in item else 0,
                runtime=runtime, reference=secret or (value is not None and is_reference(value, bare=False)),
            )
        )  # fmt: skip
    return out


def apprunner_env(doc: Any) -> list[EnvEntry]:
    """apprunner.yaml: `run.env` (plain values), `run.secrets` (Secrets Manager / SSM references),
    `run.network.env` (the variable App Runner puts the port in) and `build.env` (build stage only)."""
    run = get_path(doc, "run")
    out = _name_value_list(get_path(run, "env"), "run.env", "value", runtime=True, secret=False)
    out += _name_value_list(get_path(run, "secrets"), "run.secrets", "value-from", runtime=True, secret=True)
    for network in (get_path(run, "network"), get_path(doc, "network")):
        port_var = get_path(network, "env")
        if isinstance(port_var, str) and port_var:
            out.append(EnvEntry(port_var, line_of(network, "env"), None, "run.network.env", reference=True))
    out += _name_value_list(get_path(doc, "build", "env"), "build.env", "value", runtime=False, secret=False)
    return out


def taskdef_env(doc: Any) -> list[EnvEntry]:
    """An ECS task definition (as registered, or as `describe-task-definition` prints it):
    `containerDefinitions[].environment` and `.secrets` of every container."""
    if isinstance(doc, dict) and isinstance(doc.get("taskDefinition"), dict):
        doc = doc["taskDefinition"]
    containers = get_path(doc, "containerDefinitions")
    if not isinstance(containers, list):
        return []
    out: list[EnvEntry] = []
    for container in containers:
        if not isinstance(container, dict):
            continue
        name = container.get("name")
        prefix = f"containerDefinitions[{name}]" if isinstance(name, str) else "containerDefinitions[]"
        out += _name_value_list(container.get("environment"), f"{prefix}.environment", "value",
                                runtime=True, secret=False)  # fmt: skip
        out += _name_value_list(container.get("secrets"), f"{prefix}.secrets", "valueFrom",
                                runtime=True, secret=True)  # fmt: skip
    return out


def compose_env(doc: Any) -> list[EnvEntry]:
    """docker-compose `services.*.environment`, as a list (`- KEY=value`, `- KEY`) or a mapping.

    A bare `KEY` passes the value through from the shell that runs compose; `${VAR}` interpolates it:
    both are references, not plaintext."""
    services = get_path(doc, "services")
    if not isinstance(services, dict):
        return []
    out: list[EnvEntry] = []
    for name, service in services.items():
        env = get_path(service, "environment")
        scope = str(name)
        if isinstance(env, dict):
            for key, raw in env.items():
                value = _scalar(raw)
                ref = value is None or is_reference(value)
                line = line_of(env, str(key))
                out.append(EnvEntry(str(key), line, value, "environment", reference=ref, scope=scope))
        elif isinstance(env, list):
            lines = getattr(env, "item_lines", [])
            for index, item in enumerate(env):
                if not isinstance(item, str) or not item.partition("=")[0].strip():
                    continue  # an entry without a name ("=x") sets nothing
                key, eq, value = item.partition("=")
                line = lines[index] if index < len(lines) else line_of(env)
                ref = not eq or is_reference(value)
                out.append(
                    EnvEntry(
                        key.strip(), line, value if eq else None, "environment", reference=ref, scope=scope
                    )
                )
    return out


def compose_env_files(doc: Any) -> list[tuple[str, int]]:
    """The `env_file:` paths of every compose service (string, list, or list of {path: ...}), with lines."""
    services = get_path(doc, "services")
    if not isinstance(services, dict):
        return []
    out: list[tuple[str, int]] = []
    for service in services.values():
        files = get_path(service, "env_file")
        line = line_of(service, "env_file")
        if isinstance(files, str):
            out.append((files, line))
        elif isinstance(files, list):
            lines = getattr(files, "item_lines", [])
            for index, item in enumerate(files):
                at = lines[index] if index < len(lines) else line
                path = item.get("path") if isinstance(item, dict) else item
                if isinstance(path, str):
                    out.append((path, at))
    return out


def dockerfile_env_entries(instructions: list[Instruction]) -> list[EnvEntry]:
    """ENV and ARG of a Dockerfile. ENV reaches the running container only from the final stage and
    the stages it is built FROM; ARG never does (runtime=False)."""
    names: dict[str, int] = {}
    parents: dict[int, int] = {}
    for instr in instructions:
        if instr.keyword != "FROM":
            continue
        words = instr.args.split()
        words = [w for w in words if not w.startswith("--")]
        if words and words[0].lower() in names:
            parents[instr.stage] = names[words[0].lower()]
        if len(words) >= 3 and words[1].lower() == "as":
            names[words[2].lower()] = instr.stage
    final = max((i.stage for i in instructions), default=0)
    live = {final}
    while final in parents:
        final = parents[final]
        live.add(final)
    out: list[EnvEntry] = []
    for instr in instructions:
        for name, value in dockerfile_env(instr):
            if not _ENV_NAME_RX.match(name):
                continue
            runtime = instr.keyword == "ENV" and instr.stage in live
            ref = value is not None and is_reference(value)
            out.append(EnvEntry(name, instr.line, value, instr.keyword, runtime=runtime, reference=ref))
    return out


def dotenv_entries(text: str) -> list[EnvEntry]:
    return dotenv_env(parse_dotenv(text))


def dotenv_env(rows: list[tuple[int, str, str]]) -> list[EnvEntry]:
    """The entries of a parsed dotenv file (`parse_dotenv`)."""
    return [EnvEntry(name, line, value, "dotenv") for line, name, value in rows]


def env_references(text: str) -> set[str]:
    """Names a shell-like text expands: `$NAME`, `${NAME}`, `${NAME:-default}`."""
    return {m.group(1) or m.group(2) for m in _ENV_REF_RX.finditer(text)}


_ENV_REF_RX = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def sniff_kind(path: str, text: str) -> str | None:
    """The kind of a deployment file named in configuration, by its name or else by its content."""
    kind = classify(path)
    if kind is not None:
        return kind
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "taskdef" if "containerDefinitions" in text else None
    if re.search(r"^run:\s*$", text, re.M):
        return "apprunner"
    if re.search(r"^services:\s*$", text, re.M):
        return "compose"
    if re.search(r"^[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*=", text, re.M):
        return "dotenv"
    return None
