"""Which Python the deployment runs: the target version that syntax and stdlib checks are made for.

Read, first found wins: `.ava-safety.yaml` `python`, `.python-version`, `apprunner.yaml`
(`runtime-version`, else `runtime: python311`), the Dockerfile's last `FROM python:X.Y`,
`requires-python` in pyproject (its lowest allowed version), then `runtime.txt`, `.tool-versions`
and Pipfile `[requires]`. Nothing found: the Python the hook runs on.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from .._deployment.files import dockerfile_model, document, get_path, line_of, parse_image, raw_scalar
from .._source import RunContext

Version = tuple[int, int]
VERSION_RX = re.compile(r"(?<![\d.])3\.(\d{1,2})(?![\d])")
APPRUNNER_RUNTIME_RX = re.compile(r"^python3(\d{1,2})$")
SPEC_RX = re.compile(r"(?P<op>>=|~=|==|\^|~|>)\s*(?P<major>\d+)(?:\.(?P<minor>\d+|\*))?")
MIN_MINOR, MAX_MINOR = 0, 40


@dataclass(frozen=True)
class Target:
    version: Version
    origin: str  # where it was read, for messages
    declared: bool = True

    @property
    def text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def running() -> Version:
    return (sys.version_info[0], sys.version_info[1])


def version_text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def parse_version(text: str) -> Version | None:
    """`3.11`, `3.11.4`, `python-3.11.4`, `pypy3.10`, `cpython-3.12` → (3, minor)."""
    m = VERSION_RX.search(text)
    if m is None:
        return None
    minor = int(m.group(1))
    return (3, minor) if MIN_MINOR <= minor <= MAX_MINOR else None


def for_context(context: RunContext) -> Target:
    """The target of this run, computed once."""
    return context.fact(detect)


def detect(context: RunContext) -> Target:
    config = context.config
    configured = getattr(config, "python", None)
    if configured:
        version = parse_version(configured)
        if version is not None:
            return Target(version, getattr(config, "display", ".ava-safety.yaml") + " python")
    readers = (
        (".python-version", _from_python_version),
        ("apprunner.yaml", _from_apprunner),
        ("Dockerfile", _from_dockerfile),
        ("pyproject.toml", _from_pyproject),
        ("runtime.txt", _from_first_line),
        (".tool-versions", _from_tool_versions),
        ("Pipfile", _from_pipfile),
    )
    for name, reader in readers:
        path = _find(context, name)
        if path is None:
            continue
        source = context.file(path)
        if source is None:
            continue
        found = reader(source.text, context, path)
        if found is not None:
            return Target(found[0], found[1])
    return Target(running(), f"the hook's Python {version_text(running())} (no target declared)", False)


def _find(context: RunContext, name: str) -> str | None:
    """The file at the root, else the shallowest tracked file of that name (a service in a subdir)."""
    if name == "apprunner.yaml" and "apprunner.yaml" not in context.repo_files:
        name = "apprunner.yml" if "apprunner.yml" in context.repo_files else name
    found = context.named(name)
    return found[0] if found else None


Found = tuple[Version, str] | None


def _from_first_line(text: str, context: RunContext, path: str) -> Found:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            version = parse_version(line)
            return (version, path) if version else None
    return None


def _from_python_version(text: str, context: RunContext, path: str) -> Found:
    return _from_first_line(text, context, path)


def _from_tool_versions(text: str, context: RunContext, path: str) -> Found:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "python":
            version = parse_version(parts[1])
            if version:
                return version, f"{path} python"
    return None


def _from_apprunner(text: str, context: RunContext, path: str) -> Found:
    doc = document(context, path)
    data = doc.data if doc is not None else None  # what it says, even when deploy-config finds an error
    if doc is None or not isinstance(data, dict):
        return None
    run = data.get("run")
    if isinstance(run, dict) and run.get("runtime-version") is not None:
        written = raw_scalar(doc, line_of(run, "runtime-version"), "runtime-version")
        version = parse_version(written or str(run["runtime-version"]))  # unquoted 3.10 is not 3.1
        if version:
            return version, f"{path} runtime-version"
    runtime = str(data.get("runtime", ""))
    m = APPRUNNER_RUNTIME_RX.match(runtime)
    if m:
        return (3, int(m.group(1))), f"{path} runtime"
    return None


def _from_dockerfile(text: str, context: RunContext, path: str) -> Found:
    model = dockerfile_model(context, path)
    found: Found = None
    for stage in model.stages if model is not None else []:
        image = parse_image(stage.base) if stage.base else None  # build args resolved
        if image is None or image.repository.rsplit("/", 1)[-1] != "python":
            continue
        version = parse_version(image.tag or "")
        if version:
            found = version, f"{path}:{stage.line}"
    return found


def _from_pyproject(text: str, context: RunContext, path: str) -> Found:
    from .deps import load_toml

    doc = load_toml(context, path)
    project = doc.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    where = f"{path} requires-python"
    if not isinstance(spec, str):
        poetry = get_path(doc, "tool", "poetry", "dependencies", "python")
        spec, where = (poetry, f"{path} tool.poetry python") if isinstance(poetry, str) else (None, where)
    if spec is None:
        return None
    version = lowest_allowed(spec)
    return (version, where) if version else None


def lowest_allowed(spec: str) -> Version | None:
    """The lowest Python a specifier admits: `>=3.9,<4` → 3.9, `^3.10` → 3.10, `==3.11.*` → 3.11."""
    lows: list[Version] = []
    for m in SPEC_RX.finditer(spec):
        if m.group("major") != "3" or m.group("minor") in (None, "*"):
            continue
        minor = int(m.group("minor"))
        if not MIN_MINOR <= minor <= MAX_MINOR:
            continue
        lows.append((3, minor))
    return min(lows) if lows else None


def _from_pipfile(text: str, context: RunContext, path: str) -> Found:
    from .deps import load_toml

    value = get_path(load_toml(context, path), "requires", "python_version")
    version = parse_version(str(value)) if value is not None else None
    return (version, f"{path} python_version") if version else None


__all__ = ["Target", "Version", "detect", "for_context", "lowest_allowed", "parse_version", "running"]
