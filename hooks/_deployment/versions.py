"""Where a repository writes its version, and what each place says.

Sources: pyproject.toml (`[project] version`, `[tool.poetry] version`), setup.cfg (`[metadata]
version`), a settings or version module's `VERSION` / `__version__` string, a Dockerfile's
`ENV VERSION`/`APP_VERSION` and `LABEL version`/`org.opencontainers.image.version` (read with the
one Dockerfile parser, hooks._deployment.files), the top released entry of CHANGELOG.md, and the
latest `vX.Y.Z` tag. A repository may name its sources (`version_sources:` globs); else they are
found by name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# a suffix without a separator starts with a letter: digits shared by `\d+` and the suffix were
# quadratic on a long version-like string
VERSION_RX = re.compile(r"^v?(\d+(?:\.\d+){1,3}(?:[-+.][0-9A-Za-z.-]+|[A-Za-z][0-9A-Za-z.-]*)?)$")
ENV_NAMES = ("VERSION", "APP_VERSION", "SERVICE_VERSION")
LABEL_NAMES = ("version", "org.opencontainers.image.version")
PY_NAMES = ("VERSION", "__version__", "APP_VERSION")
CHANGELOG_RX = re.compile(r"^#{1,3}\s*\[?v?(\d+(?:\.\d+){1,3}[0-9A-Za-z.+-]*)\]?", re.M)
SETTINGS_RX = re.compile(r"(^|/)(settings|config|version|_version|__init__)\.py$")
CHANGELOG_NAMES = ("CHANGELOG.md", "CHANGELOG", "CHANGELOG.rst", "CHANGELOG.txt", "HISTORY.md", "CHANGES.md")


@dataclass(frozen=True)
class VersionSource:
    path: str
    line: int
    col: int
    version: str  # normalised: no leading v
    what: str  # "pyproject.toml [project] version", "Dockerfile ENV VERSION", ...
    kind: str = "file"  # file | changelog | tag


def normal(text: str) -> str | None:
    m = VERSION_RX.match(text.strip())
    return m.group(1) if m else None


def key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version.split("-")[0].split("+")[0])[:4])


def is_source_name(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path in ("pyproject.toml", "setup.cfg")
        or bool(SETTINGS_RX.search(path))
        or name == "Dockerfile" or name.startswith("Dockerfile.")
        or path in CHANGELOG_NAMES
    )  # fmt: skip


def read_source(path: str, text: str) -> list[VersionSource]:
    """The versions one file states (most state none)."""
    name = path.rsplit("/", 1)[-1]
    if path.endswith("pyproject.toml"):
        return _pyproject(path, text)
    if path.endswith("setup.cfg"):
        m = re.search(r"^\[metadata\][^\[]*?^version\s*=\s*(\S+)", text, re.M | re.S)
        found = normal(m.group(1)) if m else None
        return [_at(path, text, m.start(1), found, "setup.cfg [metadata] version")] if m and found else []
    if path.endswith(".py"):
        return _python(path, text)
    if name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile"):
        return _dockerfile(path, text)
    if name in CHANGELOG_NAMES:
        for m in CHANGELOG_RX.finditer(text):
            found = normal(m.group(1))
            if found:
                return [_at(path, text, m.start(1), found, f"{name} top entry", "changelog")]
    return []


def _at(
    path: str, text: str, offset: int, version: str | None, what: str, kind: str = "file"
) -> VersionSource:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return VersionSource(path, line, col, version or "", what, kind)


def _pyproject(path: str, text: str) -> list[VersionSource]:
    for section, what in (("project", "[project] version"), ("tool.poetry", "[tool.poetry] version")):
        m = re.search(rf"^\[{re.escape(section)}\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        if not m:
            continue
        v = re.search(r"^version\s*=\s*[\"']([^\"']+)[\"']", m.group(1), re.M)
        found = normal(v.group(1)) if v else None
        if v and found:
            return [_at(path, text, m.start(1) + v.start(1), found, f"{path} {what}")]
    return []


def _python(path: str, text: str) -> list[VersionSource]:
    if not any(n in text for n in PY_NAMES):
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # MemoryError: nested too deep
        return []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            value = node.value
            if (
                names
                and names[0] in PY_NAMES
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                found = normal(value.value)
                if found:
                    return [
                        VersionSource(path, value.lineno, value.col_offset + 2, found, f"{path} {names[0]}")
                    ]
    return []


def _dockerfile(path: str, text: str) -> list[VersionSource]:
    from .files import dockerfile_env, parse_dockerfile

    lines = text.splitlines()
    out = []
    for instr in parse_dockerfile(text):
        pairs: list[tuple[str, str | None]] = []
        if instr.keyword == "ENV":
            pairs = [(n, v) for n, v in dockerfile_env(instr) if n in ENV_NAMES]
        elif instr.keyword == "LABEL":
            pairs = [
                (m.group(1), m.group(2) or m.group(3) or m.group(4))
                for m in re.finditer(r"(?<![\w.-])([\w.-]+)=(?:\"([^\"]*)\"|'([^']*)'|(\S+))", instr.args)
                if m.group(1) in LABEL_NAMES
            ]
        for name, value in pairs:
            found = normal(value or "")
            if found:
                line_text = lines[instr.line - 1] if instr.line <= len(lines) else ""
                col = line_text.find(value or "") + 1 or 1
                out.append(VersionSource(path, instr.line, col, found, f"{path} {instr.keyword} {name}"))
    return out[:1]


def latest_tag(tags: Iterable[str]) -> VersionSource | None:
    versions = [(key(v), t, v) for t in tags if t.startswith("v") for v in [normal(t)] if v]
    if not versions:
        return None
    _k, tag, version = max(versions)
    return VersionSource("", 0, 0, version, f"the latest tag {tag}", "tag")


def sources(paths: Iterable[str], read: Callable[[str], str | None]) -> list[VersionSource]:
    """Every version the given files state, in a stable order (files before the changelog)."""
    out: list[VersionSource] = []
    for path in sorted(paths):
        text = read(path)
        if text is not None:
            out.extend(read_source(path, text))
    return sorted(out, key=lambda s: (s.kind == "changelog", s.path))
