"""The commands a deployment runs, and which server and app module each starts.

Read from Dockerfile CMD/ENTRYPOINT (the last of each), Procfile process lines and apprunner.yaml
`run.command`. `uvicorn app.main:app --app-dir src` names the program `uvicorn` and the app module
`src/app/main.py`; `gunicorn -k uvicorn.workers.UvicornWorker` needs uvicorn as well.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .._source import RunContext

WRAPPERS = frozenset(
    {"exec", "env", "opentelemetry-instrument", "ddtrace-run", "doppler", "dumb-init", "tini"}
)
SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env"})
PYTHONS = ("python", "python3", "/usr/local/bin/python", "/usr/bin/python3")


@dataclass(frozen=True)
class Started:
    program: str
    dist: str
    where: str
    app_file: str
    attr: str


def read(context: RunContext, frameworks: dict[str, Any]) -> list[Started]:
    from .files import classify

    servers: dict[str, str] = {str(k): str(v) for k, v in (frameworks.get("servers") or {}).items()}
    workers: dict[str, str] = {str(k): str(v) for k, v in (frameworks.get("worker_classes") or {}).items()}
    out: list[Started] = []
    for path in sorted(context.repo_files):
        kind = classify(path)
        if kind not in ("dockerfile", "procfile", "apprunner"):
            continue
        try:
            text = (context.root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line, where, words in _commands(kind, path, text):
            out.extend(_started(context, path, line, where, words, servers, workers))
    return out


def _commands(kind: str, path: str, text: str) -> list[tuple[int, str, list[str]]]:
    if kind == "dockerfile":
        from .files import parse_dockerfile

        entry: tuple[int, list[str]] | None = None
        cmd: tuple[int, list[str]] | None = None
        for instr in parse_dockerfile(text):
            if instr.keyword in ("CMD", "ENTRYPOINT"):
                words = list(instr.exec_form) if instr.exec_form is not None else _split(instr.args)
                if instr.keyword == "CMD":
                    cmd = (instr.line, words)
                else:
                    entry = (instr.line, words)
        found = []
        if entry is not None:
            extra = cmd[1] if cmd is not None else []
            found.append((entry[0], f"{path}:{entry[0]} ENTRYPOINT", entry[1] + extra))
        if cmd is not None:
            found.append((cmd[0], f"{path}:{cmd[0]} CMD", cmd[1]))
        return found
    if kind == "procfile":
        out = []
        for number, line in enumerate(text.splitlines(), start=1):
            name, sep, command = line.partition(":")
            if sep and name.strip() and not name.strip().startswith("#"):
                out.append((number, f"{path}:{number}", _split(command)))
        return out
    import yaml

    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return []
    run = doc.get("run") if isinstance(doc, dict) else None
    run_command = run.get("command") if isinstance(run, dict) else None
    if not isinstance(run_command, str):
        return []
    at = next((n for n, t in enumerate(text.splitlines(), 1) if "command" in t), 1)
    return [(at, f"{path}:{at} run.command", _split(run_command))]


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _started(
    context: RunContext,
    path: str,
    line: int,
    where: str,
    words: list[str],
    servers: dict[str, str],
    workers: dict[str, str],
) -> list[Started]:
    out: list[Started] = []
    for command in _simple_commands(words):
        program, args = _program(command)
        if program is None:
            continue
        dists = []
        if program in servers:
            dists.append((program, servers[program]))
        for i, arg in enumerate(args):
            value = args[i + 1] if arg in ("-k", "--worker-class") and i + 1 < len(args) else ""
            if arg.startswith("--worker-class="):
                value = arg.split("=", 1)[1]
            for prefix, dist in workers.items():
                if value.startswith(prefix):
                    dists.append((f"{program} -k {value}", dist))
        if not dists:
            continue
        app = _app_file(context, path, program, args)
        if app is None:
            continue
        app_file, attr = app
        out.extend(Started(name, dist, where, app_file, attr) for name, dist in dists)
    return out


def _simple_commands(words: list[str]) -> list[list[str]]:
    """Split `a && b ; c`, unwrap `sh -c "..."`."""
    out: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if word in ("&&", "||", ";", "|"):
            if current:
                out.append(current)
            current = []
        else:
            current.append(word)
    if current:
        out.append(current)
    result: list[list[str]] = []
    for command in out:
        if len(command) >= 3 and command[0] in SHELLS and command[1] == "-c":
            result.extend(_simple_commands(_split(command[2])))
        else:
            result.append(command)
    return result


def _program(command: list[str]) -> tuple[str | None, list[str]]:
    words = list(command)
    while words and ("=" in words[0] and not words[0].startswith("-") or words[0] in WRAPPERS):
        words.pop(0)
    if not words:
        return None, []
    name = PurePosixPath(words[0]).name
    if name.startswith("python") and len(words) >= 3 and words[1] == "-m":
        return words[2], words[3:]
    return name, words[1:]


def _app_file(context: RunContext, dockerfile: str, program: str, args: list[str]) -> tuple[str, str] | None:
    """The tracked file of `module:attr` (or a script path) the command starts."""
    app_dir = ""
    for i, arg in enumerate(args):
        if arg == "--app-dir" and i + 1 < len(args):
            app_dir = args[i + 1].strip("/")
        elif arg.startswith("--app-dir="):
            app_dir = arg.split("=", 1)[1].strip("/")
    base = str(PurePosixPath(dockerfile).parent)
    bases = [b for b in dict.fromkeys([app_dir, "", "src", "" if base == "." else base]) if b is not None]
    files = context.repo_files
    for i, arg in enumerate(args):
        if arg.startswith("-"):
            continue
        if i > 0 and args[i - 1] in ("-A", "--app", "-c", "--config", "-b", "--bind", "-w", "--workers",
                                     "-k", "--worker-class", "--host", "--port", "--app-dir"):  # fmt: skip
            if args[i - 1] not in ("-A", "--app"):
                continue
        module, _, attr = arg.partition(":")
        if arg.endswith(".py"):
            for b in bases:
                candidate = f"{b}/{arg}" if b else arg
                if candidate.lstrip("./") in files:
                    return candidate.lstrip("./"), attr
            continue
        if not module.replace(".", "").replace("_", "").isalnum():
            continue
        rel = module.replace(".", "/")
        for b in bases:
            for candidate in (f"{rel}.py", f"{rel}/__init__.py", f"{rel}/main.py", f"{rel}/app.py"):
                full = f"{b}/{candidate}" if b else candidate
                if full in files:
                    return full, attr or "app"
    return None
