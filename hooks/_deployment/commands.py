"""The one command analyser: what a deployment's commands run.

A command is read the same way wherever it is written (a Dockerfile CMD/ENTRYPOINT/RUN, a Procfile
line, apprunner.yaml `run.command` and build commands, a workflow step): `VAR=value` prefixes and
wrappers (`exec`, `tini --`, `gosu app`, `doppler run --`) are skipped, `sh -c "a && b"` is split,
`python -m uvicorn` is uvicorn. What it finds: the server it starts and the distribution that
installs it (SI015), the ports it listens on (DC009), the files and modules it names (DC005), and
what `pip install` installs (the service's dependencies). The tables (wrappers, shells, servers and
their options) are data: rules/data/commands.yaml, read once per process.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .._source import RunContext
from .files import (
    Instruction,
    dirname,
    dockerfile_model,
    document,
    get_path,
    join,
    kinds,
    line_of,
    shell_commands,
)

TABLE = "commands.yaml"
PYTHON_RX = re.compile(r"^python(?:[23](?:\.\d+)?)?$")
PIP_RX = re.compile(r"^pip(?:3(?:\.\d+)?)?$")
APP_RX = re.compile(r"^([A-Za-z_][\w.]*):[A-Za-z_][\w.]*(?:\(.*\))?$")  # module:attr, module:factory()
MODULE_RX = re.compile(r"[A-Za-z_][\w.]*")
ENV_ASSIGN_RX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
RUN_KINDS = ("dockerfile", "procfile", "apprunner")  # files that say what a service runs
APPRUNNER_BUILD_PHASES = ("pre-build", "build", "post-build")
MAX_SHELL_DEPTH = 3


# --- the tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wrapper:
    args: int = 0  # arguments it takes before the command (gosu USER cmd)
    until: str | None = None  # its own arguments end at this word (doppler run ... -- cmd)
    subcommand: str | None = None  # a word that follows it (newrelic-admin run-program cmd)


@dataclass(frozen=True)
class Server:
    name: str
    dist: str
    port: frozenset[str] = frozenset()
    bind: frozenset[str] = frozenset()
    app_positional: bool = False
    app_options: frozenset[str] = frozenset()
    script: frozenset[str] = frozenset()
    config: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tables:
    wrappers: Mapping[str, Wrapper]
    shells: frozenset[str]
    servers: Mapping[str, Server]
    app_dir_options: frozenset[str]
    worker_options: frozenset[str]
    worker_classes: Mapping[str, str]
    requirement_options: tuple[str, ...]
    constraint_options: tuple[str, ...]
    pip_value_options: frozenset[str]
    pip_installing: frozenset[str]


def _words(value: Any) -> frozenset[str]:
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()


@lru_cache(maxsize=1)
def tables() -> Tables:
    """rules/data/commands.yaml, read once per process."""
    from .._bundled import bundled_root
    from .._yaml import load_file

    data = load_file(bundled_root() / "data" / TABLE)
    wrappers = {
        str(name): Wrapper(int(spec.get("args", 0)), spec.get("until"), spec.get("subcommand"))
        for name, spec in data["wrappers"].items()
    }
    servers = {
        str(name): Server(
            str(name),
            str(spec["dist"]),
            _words(spec.get("port")),
            _words(spec.get("bind")),
            spec.get("app") == "positional",
            _words(spec.get("app_options")),
            _words(spec.get("script")),
            _words(spec.get("config")),
        )  # fmt: skip
        for name, spec in data["servers"].items()
    }
    pip = data["pip"]
    return Tables(
        wrappers=wrappers,
        shells=_words(data["shells"]),
        servers=servers,
        app_dir_options=_words(data["app_dir_options"]),
        worker_options=_words(data["worker_options"]),
        worker_classes={str(k): str(v) for k, v in data["worker_classes"].items()},
        requirement_options=tuple(str(o) for o in pip["requirement_options"]),
        constraint_options=tuple(str(o) for o in pip["constraint_options"]),
        pip_value_options=_words(pip["value_options"]),
        pip_installing=_words(pip["installing"]),
    )


# --- one command ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A file or module a command names."""

    kind: str  # "script" | "module" | "file"
    value: str  # a relative or absolute path, or a dotted module name
    word: str  # the word as written (to place the finding)
    base: str = ""  # a directory the command changes to (--app-dir, --chdir)
    what: str = ""  # how the command names it, for messages


@dataclass(frozen=True)
class CmdPort:
    port: int
    word: str
    label: str


@dataclass(frozen=True)
class Served:
    """A server the command starts: `program` as a message names it, the distribution that
    installs it, and the application it serves (None when the command does not name one)."""

    program: str
    dist: str
    app: Ref | None


@dataclass(frozen=True)
class Install:
    """One `pip install` (or `pip wheel`, whose wheels a later stage installs): the requirement (-r)
    and constraint (-c) files as written, and the packages it names (specifiers as written)."""

    requirements: tuple[str, ...]
    constraints: tuple[str, ...]
    packages: tuple[str, ...]
    local: tuple[str, ...] = ()  # project directories it installs (`.`, `-e ./backend`): their own deps


@dataclass(frozen=True)
class Analysis:
    """What a command runs, through wrappers, shells and `python -m`."""

    program: str | None  # the first program that runs: "uvicorn", "python", "sh", "./start.sh"
    refs: tuple[Ref, ...] = ()
    ports: tuple[CmdPort, ...] = ()
    servers: tuple[Served, ...] = ()
    installs: tuple[Install, ...] = ()


@dataclass
class _Found:
    program: str | None = None
    refs: list[Ref] = field(default_factory=list)
    ports: list[CmdPort] = field(default_factory=list)
    servers: list[Served] = field(default_factory=list)
    installs: list[Install] = field(default_factory=list)


def analyse(words: Sequence[str]) -> Analysis:
    """What one simple command (a list of words, as exec form or a shell splits it) runs."""
    found = _Found()
    _analyse(list(words), found, 0)
    return Analysis(
        found.program, tuple(found.refs), tuple(found.ports), tuple(found.servers), tuple(found.installs)
    )


def analyse_all(value: Any) -> Analysis:
    """`analyse` over every simple command of a command given as a string (shell) or a list."""
    found = _Found()
    for _, words in command_words(value):
        _analyse(words, found, 0)
    return Analysis(
        found.program, tuple(found.refs), tuple(found.ports), tuple(found.servers), tuple(found.installs)
    )


def command_words(value: Any) -> list[tuple[int, list[str]]]:
    """Simple commands of a command given as a string (shell) or a list (exec form), with the
    0-based line of each within the string."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [(0, list(value))]
    if isinstance(value, str):
        return shell_commands(value)
    return []


def _skip_wrappers(words: list[str], table: Tables) -> int:
    """The index of the word that is the real program: `VAR=value` prefixes and wrappers skipped."""
    i = 0
    while i < len(words):
        if ENV_ASSIGN_RX.match(words[i]):
            i += 1
            continue
        wrapper = table.wrappers.get(posixpath.basename(words[i]))
        if wrapper is None:
            break
        i += 1
        if wrapper.until is not None:
            i = words.index(wrapper.until, i) + 1 if wrapper.until in words[i:] else len(words)
        if wrapper.subcommand is not None and words[i : i + 1] == [wrapper.subcommand]:
            i += 1
        i += wrapper.args
        while i < len(words) and (words[i].startswith("-") or ENV_ASSIGN_RX.match(words[i])):
            i += 1
    return i


def _analyse(words: list[str], found: _Found, depth: int) -> None:
    table = tables()
    i = _skip_wrappers(words, table)
    if i >= len(words):
        return
    word = words[i]
    prog = posixpath.basename(word)
    args = words[i + 1 :]
    if found.program is None:
        known = prog in table.shells or prog in table.servers or PYTHON_RX.match(prog) or PIP_RX.match(prog)
        found.program = prog if known or "/" not in word else word
    if prog in table.shells:
        if len(args) >= 2 and args[0] == "-c" and depth < MAX_SHELL_DEPTH:
            for _, inner in shell_commands(args[1]):
                _analyse(inner, found, depth + 1)
        else:
            script = next((a for a in args if not a.startswith("-")), None)
            if script is not None:
                found.refs.append(Ref("script", script, script, what=f"{prog} script"))
    elif PYTHON_RX.match(prog):
        _python(args, found, table)
    elif PIP_RX.match(prog):
        _pip(args, found, table)
    elif prog == "uv" and args[:1] == ["pip"]:
        _pip(args[1:], found, table)
    elif prog in table.servers:
        _server(table.servers[prog], args, found, table)
    elif prog in ("honcho", "foreman") and args[:1] == ["start"]:
        given = [args[j + 1] for j in range(len(args) - 1) if args[j] in ("-f", "--procfile")]
        procfile = given[0] if given else "Procfile"
        found.refs.append(Ref("file", procfile, procfile if given else word, what=f"{prog} Procfile"))
    elif "/" in word or word.endswith((".sh", ".py")):
        found.refs.append(Ref("script", word, word, what="script"))


def _python(args: list[str], found: _Found, table: Tables) -> None:
    j = 0
    while j < len(args):
        arg = args[j]
        if arg == "-m" and j + 1 < len(args):
            module, rest = args[j + 1], args[j + 2 :]
            if module in table.servers:
                _server(table.servers[module], rest, found, table)
            elif PIP_RX.match(module):
                _pip(rest, found, table)
            else:
                found.refs.append(Ref("module", module, module, what="python -m module"))
            return
        if arg == "-c":
            return
        if arg in ("-W", "-X"):
            j += 2
            continue
        if arg.startswith("-"):
            j += 1
            continue
        found.refs.append(Ref("script", arg, arg, what="python script"))
        rest = args[j + 1 :]
        if arg.endswith("manage.py") and rest[:1] == ["runserver"] and len(rest) > 1:
            port = port_of(rest[1])
            if port is not None:
                found.ports.append(CmdPort(port, rest[1], "manage.py runserver"))
        return


def _pip(args: list[str], found: _Found, table: Tables) -> None:
    requirements: list[str] = []
    constraints: list[str] = []
    for j, arg in enumerate(args):
        for flag in (*table.requirement_options, *table.constraint_options):
            named = requirements if flag in table.requirement_options else constraints
            if arg == flag and j + 1 < len(args):
                value = args[j + 1]
                found.refs.append(Ref("file", value, value, what=f"pip {flag} file"))
                named.append(value)
            elif arg.startswith(flag + "=") and flag.startswith("--"):
                value = arg.split("=", 1)[1]
                found.refs.append(Ref("file", value, arg, what=f"pip {flag} file"))
                named.append(value)
    if not args or args[0] not in table.pip_installing:
        return
    packages: list[str] = []
    local: list[str] = []
    skip = False
    file_options = {*table.requirement_options, *table.constraint_options}
    for word in args[1:]:
        if skip:
            skip = False
        elif word in file_options or word in table.pip_value_options:
            skip = True
        elif word.startswith((".", "/")) and not any(c in word for c in "*?[") and not word.endswith(".whl"):
            local.append(word)  # a project directory; built wheels (/wheels/*) are the requirements'
        elif not word.startswith(("-", ".", "/", "$")) and "://" not in word:
            packages.append(word)
    found.installs.append(Install(tuple(requirements), tuple(constraints), tuple(packages), tuple(local)))


def _server(server: Server, args: list[str], found: _Found, table: Tables) -> None:
    prog = server.name
    base = ""
    app: Ref | None = None
    workers: list[str] = []
    refs: list[Ref] = []
    script = False
    j = 0
    while j < len(args):
        arg = args[j]
        option, eq, inline = arg.partition("=")
        value = inline if eq else (args[j + 1] if j + 1 < len(args) else "")
        step = 1 if eq else 2
        if option in server.port:
            if value.isdigit():
                found.ports.append(CmdPort(int(value), value, f"{prog} {option}"))
            j += step
        elif option in server.bind:
            port = port_of(value)
            if port is not None:
                found.ports.append(CmdPort(port, value, f"{prog} {option}"))
            j += step
        elif option in table.app_dir_options:
            base = value
            j += step
        elif option in server.config:
            if value and not value.startswith("python:"):
                refs.append(Ref("file", value, value, what=f"{prog} config file"))
            j += step
        elif option in server.app_options:
            module = value.split(":", 1)[0]
            if module.endswith(".py"):
                app = Ref("script", module, value, what=f"{prog} {option} file")
            elif module and MODULE_RX.fullmatch(module):
                app = Ref("module", module, value, what=f"{prog} {option} module")
            if app is not None and app not in refs:
                refs.append(app)
            j += step
        elif option in table.worker_options:
            workers.append(value)
            j += step
        elif arg in server.script and app is None:
            script = True  # the script is the next .py argument (`fastapi run --port 80 main.py`)
            j += 1
        else:
            m = APP_RX.match(arg)
            if script and app is None and arg.endswith(".py") and not arg.startswith("-"):
                app = Ref("script", arg, arg, what=f"{prog} script")
                refs.append(app)
            elif m and app is None and server.app_positional:
                app = Ref("module", m.group(1), arg, what=f"{prog} application module")
                refs.append(app)
            j += 1
    if base:
        rebased = {id(r): Ref(r.kind, r.value, r.word, base, r.what) for r in refs if r.kind == "module"}
        app = rebased.get(id(app), app) if app is not None else None
        refs = [rebased.get(id(r), r) for r in refs]
    found.refs.extend(refs)
    found.servers.append(Served(prog, server.dist, app))
    for worker in workers:
        for prefix, dist in table.worker_classes.items():
            if worker.startswith(prefix):
                found.servers.append(Served(f"{prog} -k {worker}", dist, app))


def port_of(bind: str) -> int | None:
    """8000 from `0.0.0.0:8000`, `:8000`, `[::]:8000` or `8000`; None for sockets and variables."""
    if bind.startswith(("unix:", "fd://")):
        return None
    tail = bind.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def app_attr(ref: Ref) -> str:
    """The attribute a `module:attr` application names ("app" when only the module is named; ""
    for a script)."""
    if ref.kind != "module":
        return ""
    return ref.word.partition(":")[2] or "app"


# --- what repo files a command names -------------------------------------------------------------


def module_files(module: str) -> list[str]:
    """What `python -m module` may run: the module's files (the one resolver's), or a package's
    `__main__`."""
    from .._python.names import module_paths

    return [*module_paths(module), module.replace(".", "/") + "/__main__.py"]


def candidates(ref: Ref, bases: Iterable[str]) -> list[str]:
    """The repo paths a reference can mean, trying each base directory in turn."""
    rels = module_files(ref.value) if ref.kind == "module" else [ref.value]
    out = []
    for base in bases:
        root = join(base, ref.base) if ref.base else base
        for rel in rels:
            if rel.startswith("/"):
                continue
            out.append(join(root, rel))
    return list(dict.fromkeys(out))


def resolve(context: RunContext, ref: Ref, bases: Iterable[str]) -> list[str]:
    """Tracked repo paths a reference can mean."""
    return [c for c in candidates(ref, bases) if c in context.repo_files]


# --- the commands of a deployment file ---------------------------------------------------------------


@dataclass(frozen=True)
class RunCommand:
    """A command a deployment file starts the service with."""

    path: str
    kind: str  # "dockerfile" | "procfile" | "apprunner"
    line: int
    label: str  # "CMD", "ENTRYPOINT", "ENTRYPOINT + CMD", "run.command", or the Procfile process type
    value: str | tuple[str, ...]  # a shell string, or exec-form words
    bases: tuple[str, ...]  # repo directories its relative paths are found in
    workdir: str = ""  # the image's WORKDIR (Dockerfiles)
    cmd_line: int = 0  # ENTRYPOINT + CMD: the line of the CMD
    cmd_words: frozenset[str] = frozenset()  # ENTRYPOINT + CMD: the words that come from the CMD

    @property
    def where(self) -> str:
        if self.kind == "procfile":
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line} {self.label}"

    @property
    def process(self) -> str:
        return self.label if self.kind == "procfile" else ""

    def commands(self) -> list[tuple[int, list[str]]]:
        """(file line, words) of each simple command."""
        return [(self.line + offset, words) for offset, words in command_words(self.value)]

    def line_of(self, line: int, word: str) -> int:
        """The line a word of the command is written on (the CMD's, for a word the CMD adds)."""
        return self.cmd_line if self.cmd_line and word in self.cmd_words else line

    def analysis(self) -> Analysis:
        return analyse_all(self.value)


def run_commands(context: RunContext, path: str) -> list[RunCommand]:
    """What a Dockerfile (its image's ENTRYPOINT and CMD), a Procfile (each process) or an
    apprunner.yaml (`run.command`) starts; [] for other files and for files that cannot be read."""
    doc = document(context, path)
    if doc is None or doc.data is None:
        return []
    if doc.kind == "dockerfile":
        return _dockerfile_commands(context, path)
    if doc.kind == "procfile":
        base = (dirname(path),)
        return [
            RunCommand(path, "procfile", line, process, command, base) for line, process, command in doc.data
        ]
    if doc.kind == "apprunner":
        run = get_path(doc.data, "run")
        command = run.get("command") if isinstance(run, dict) else None
        if isinstance(command, list):
            command = tuple(str(c) for c in command)
        if not isinstance(command, (str, tuple)):
            return []
        line = line_of(run, "command")
        return [RunCommand(path, "apprunner", line, "run.command", command, (dirname(path),))]
    return []


def _dockerfile_commands(context: RunContext, path: str) -> list[RunCommand]:
    model = dockerfile_model(context, path)
    if model is None or model.final is None:
        return []
    entry: Instruction | None = None
    cmd: Instruction | None = None
    for stage in model.chain(model.final):  # the final stage, then the stages it is built FROM
        own = {i.keyword: i for i in stage.instructions if i.keyword in ("ENTRYPOINT", "CMD")}
        if entry is None and "ENTRYPOINT" in own:
            entry = own["ENTRYPOINT"]
            if cmd is None and "CMD" not in own:
                cmd = _NO_CMD  # an ENTRYPOINT resets the CMD its base image set
        if cmd is None and "CMD" in own:
            cmd = own["CMD"]
    if cmd is _NO_CMD:
        cmd = None
    bases = tuple(model.bases)

    def value(instr: Instruction) -> str | tuple[str, ...]:
        return instr.exec_form if instr.exec_form is not None else instr.args

    if entry is not None and cmd is not None and entry.exec_form is not None and _runs_its_arguments(entry):
        shell = ("/bin/sh", "-c", cmd.args)  # how Docker hands a shell-form CMD to an ENTRYPOINT
        words = (*entry.exec_form, *(cmd.exec_form if cmd.exec_form is not None else shell))
        from_cmd = frozenset(cmd.exec_form or [w for _, ws in command_words(cmd.args) for w in ws])
        both = RunCommand(path, "dockerfile", entry.line, "ENTRYPOINT + CMD", words, bases, model.workdir)
        return [replace(both, cmd_line=cmd.line, cmd_words=from_cmd)]
    return [
        RunCommand(path, "dockerfile", instr.line, instr.keyword, value(instr), bases, model.workdir)
        for instr in (entry, cmd)
        if instr is not None
    ]


_NO_CMD = Instruction(0, "CMD", "", None, 0)


def _runs_its_arguments(entry: Instruction) -> bool:
    """An exec-form ENTRYPOINT that runs the CMD as its command or as its server's arguments
    (`tini --`, `gosu app`, `python`, `gunicorn`), not a script of its own (`./entrypoint.sh`,
    which by convention ends in `exec "$@"`: then the CMD is read as a command of its own)."""
    assert entry.exec_form is not None
    program = analyse(entry.exec_form).program
    return program is None or program in tables().servers or bool(PYTHON_RX.match(program))


def build_commands(context: RunContext, path: str) -> list[tuple[int, str | tuple[str, ...]]]:
    """(line, command) of what a deployment file runs to build the service: a Dockerfile's RUN
    instructions (every stage) and apprunner.yaml's build phases and `run.pre-run`."""
    doc = document(context, path)
    if doc is None or doc.data is None:
        return []
    out: list[tuple[int, str | tuple[str, ...]]] = []
    if doc.kind == "dockerfile":
        for instr in doc.data:
            if instr.keyword != "RUN":
                continue
            if instr.exec_form is not None:
                out.append((instr.line, instr.exec_form))
            else:
                words = instr.args.split(" ")
                while words and words[0].startswith("--"):  # RUN --mount=... --network=...
                    words.pop(0)
                out.append((instr.line, " ".join(words)))
    elif doc.kind == "apprunner":
        phases = get_path(doc.data, "build", "commands")
        if isinstance(phases, dict):
            for phase in APPRUNNER_BUILD_PHASES:
                out.extend(_listed(phases, phase))
        run = get_path(doc.data, "run")
        if isinstance(run, dict):
            out.extend(_listed(run, "pre-run"))
    return out


def _listed(node: Any, key: str) -> list[tuple[int, str | tuple[str, ...]]]:
    items = node.get(key)
    if isinstance(items, list):
        lines = getattr(items, "item_lines", [])
        at = line_of(node, key)
        return [
            (lines[i] if i < len(lines) else at, str(c)) for i, c in enumerate(items) if isinstance(c, str)
        ]
    if isinstance(items, str):
        return [(line_of(node, key), items)]
    return []


@dataclass(frozen=True)
class FileInstall:
    """A `pip install` a deployment file's build runs, with its files found in the repository."""

    path: str
    line: int
    install: Install
    requirement_files: tuple[str, ...]  # the -r files, as tracked repo paths (those found)
    constraint_files: tuple[str, ...]  # the -c files, as tracked repo paths (those found)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def installs(context: RunContext, path: str) -> list[FileInstall]:
    """The `pip install`s of a Dockerfile's RUN lines or of apprunner.yaml's build commands."""
    out = []
    for line, command in build_commands(context, path):
        for install in analyse_all(command).installs:
            out.append(
                FileInstall(
                    path, line, install,
                    _found(context, path, install.requirements), _found(context, path, install.constraints),
                )
            )  # fmt: skip
    return out


def _found(context: RunContext, path: str, names: Sequence[str]) -> tuple[str, ...]:
    found = (build_path(context, path, name) for name in names)
    return tuple(dict.fromkeys(p for p in found if p is not None))


def build_path(context: RunContext, deployment_file: str, name: str) -> str | None:
    """A file a build names (`/app/requirements/prod.txt`, `requirements.txt`) as a tracked repo path:
    the longest tail of it found under the deployment file's directory."""
    parts = name.strip("\"'").lstrip("/").split("/")
    base = dirname(deployment_file)
    for i in range(len(parts)):
        candidate = "/".join(parts[i:])
        full = candidate if not base else f"{base}/{candidate}"
        if full in context.repo_files:
            return full
    return None


# --- the servers a repository starts (SI015) ----------------------------------------------------


@dataclass(frozen=True)
class Started:
    """A server a run command starts, and the tracked module (or script) it serves."""

    program: str
    dist: str
    where: str  # "Dockerfile:7 CMD"
    app_file: str
    attr: str


def run_files(context: RunContext) -> list[str]:
    """Tracked files that say what a service runs (Dockerfiles, Procfiles, apprunner.yaml)."""
    return sorted(p for p, kind in kinds(context).items() if kind in RUN_KINDS)


def started(context: RunContext) -> list[Started]:
    """Every server the repository's run commands start whose application is a tracked file."""
    return context.fact(_started)


def _started(context: RunContext) -> list[Started]:
    out: list[Started] = []
    for path in run_files(context):
        for command in run_commands(context, path):
            out.extend(started_by(context, command))
    return out


def started_by(context: RunContext, command: RunCommand) -> list[Started]:
    out = []
    for served in command.analysis().servers:
        if served.app is None:
            continue
        found = resolve(context, served.app, command.bases)
        if found:
            out.append(Started(served.program, served.dist, command.where, found[0], app_attr(served.app)))
    return out
