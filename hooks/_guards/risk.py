"""rollback-risk: how hard a push would be to undo, from factors whose points live in YAML.

Factors (rules/data/rollback-risk.yaml, points overridable in `.ava-safety.yaml`), each with its
evidence: migrations added or changed; destructive DDL (DROP, RENAME, type changes, TRUNCATE)
weighted above additive DDL (hooks._guards.ddl); production dependencies added or bumped a major
version (read with `packaging`); environment variables newly required (hooks._python.envreads, the
env-vars extraction); deployment configuration changed (hooks._deployment.files); working systems
touched (hooks._guards.systems); files deleted; size (log-scaled lines and files); many unrelated
areas; a risky time window in the team's time zone (the clock is injected); a push soon after a
rollback (the caller reads the deploy history). A push of documentation only is LOW.

The level (LOW, MEDIUM, HIGH, CRITICAL) blocks at `block_at` (default HIGH) unless a pushed commit
carries `Rollback-Risk-Ack: <why it is safe>`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .. import _git
from .._bundled import data_table
from .._config import DAYS, Config, RiskWindow
from .._deployment.files import classify
from .._glob import PathMatcher
from .._python import deps
from .._python.envreads import analyse, might_read
from .change import RISK_TRAILER, WORKTREE, Ack, Change, Changed
from .ddl import is_migration, statements
from .elements import changed_lines
from .hits import Hit

LEVELS = ("low", "medium", "high", "critical")
DEPENDENCY_FILES = frozenset({"pyproject.toml", "setup.cfg", "setup.py", "Pipfile"})
ENV_CANDIDATES = 20  # new required variables looked for elsewhere, at most
EVIDENCE_SHOWN = 5


@dataclass(frozen=True)
class Factor:
    name: str
    points: float
    evidence: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Rollback:
    """A rollback from the deploy history (the caller reads it; nothing here opens the store)."""

    service: str
    at: datetime  # when it finished, timezone-aware
    version: str


@dataclass(frozen=True)
class Assessment:
    score: int  # 0-100
    level: str  # one of LEVELS
    factors: tuple[Factor, ...]
    block_at: str  # a level, or "never"
    now: datetime
    docs_only: bool = False
    ack: Ack | None = None

    @property
    def at_block_level(self) -> bool:
        return self.block_at in LEVELS and LEVELS.index(self.level) >= LEVELS.index(self.block_at)

    @property
    def blocks(self) -> bool:
        return self.at_block_level and self.ack is None

    def reasons(self) -> list[str]:
        return [f"{f.name} (+{f.points:g}): {'; '.join(f.evidence[:3])}" for f in self.factors]

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "score": self.score,
            "block_at": self.block_at,
            "reasons": self.reasons(),
            "factors": [
                {"name": f.name, "points": f.points, "evidence": list(f.evidence)} for f in self.factors
            ],
            "acknowledged": None
            if self.ack is None
            else {"reason": self.ack.reason, "where": self.ack.where},
            "docs_only": self.docs_only,
            "at": self.now.isoformat(timespec="seconds"),
        }


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return data_table("rollback-risk.yaml")


def level_of(score: float) -> str:
    starts = table().get("levels") or {}
    level = "low"
    for name in LEVELS[1:]:
        if score >= float(starts.get(name, 101)):
            level = name
    return level


class _Points:
    """Each factor's points, `each` and `cap`, with the team's overrides (each and cap scale)."""

    def __init__(self, overrides: Mapping[str, float]) -> None:
        self.factors: dict[str, dict[str, Any]] = dict(table().get("factors") or {})
        self.overrides = overrides

    def spec(self, name: str) -> tuple[float, float, float, str]:
        raw = self.factors.get(name) or {}
        base = float(raw.get("points", 0))
        points = float(self.overrides.get(name, base))
        scale = points / base if base else 0.0
        each = float(raw.get("each", 0)) * scale
        cap = float(raw.get("cap", base)) * scale if "cap" in raw else points
        return points, each, cap, str(raw.get("description", ""))

    def counted(self, name: str, evidence: Sequence[str]) -> Factor | None:
        if not evidence:
            return None
        points, each, cap, text = self.spec(name)
        total = min(cap, points + each * (len(evidence) - 1)) if cap else points
        return Factor(name, round(total, 1), tuple(evidence), text) if total > 0 else None

    def scaled(self, name: str, amount: float, evidence: str) -> Factor | None:
        points, _each, cap, text = self.spec(name)
        total = round(min(cap, amount * points), 1)
        return Factor(name, total, (evidence,), text) if total > 0 else None


def _matcher(key: str) -> PathMatcher:
    return PathMatcher(tuple(str(g) for g in table().get(key) or ()))


def is_doc(path: str) -> bool:
    return _matcher("docs")(path) and not deps.is_requirements_file(path)


def assess(
    change: Change,
    config: Config,
    *,
    now: datetime,
    rollbacks: Sequence[Rollback] = (),
    touched_systems: Sequence[str] = (),
) -> Assessment:
    settings = config.rollback_risk
    points = _Points(dict(settings.weights))
    ack = _ack(change)
    if change.is_empty:
        return Assessment(0, "low", (), settings.block_at, now, ack=ack)
    code = [f for f in change.files if not is_doc(f.path)]
    if not code:
        return Assessment(0, "low", (), settings.block_at, now, docs_only=True, ack=ack)
    tests = _matcher("tests")
    factors: list[Factor | None] = []
    migrations = [f.path for f in code if is_migration(f.path) and f.status != "D"]
    factors.append(points.counted("migrations", migrations))
    destructive, additive = _ddl(change, [f for f in code if not tests(f.path)])
    factors.append(points.counted("destructive-ddl", destructive))
    factors.append(points.counted("additive-ddl", additive))
    majors, added = _dependencies(change, config, code)
    factors.append(points.counted("dependency-major", majors))
    factors.append(points.counted("dependency-added", added))
    factors.append(
        points.counted("env-required", _new_required_env(change, [f for f in code if not tests(f.path)]))
    )
    deployment = _deployment_changes(change, config, code)
    factors.append(points.counted("deployment-config", deployment))
    factors.append(points.counted("working-systems", [f"working system {s}" for s in touched_systems]))
    factors.append(points.counted("files-deleted", [f.path for f in code if f.status == "D"]))
    factors.append(_size(points, code))
    factors.append(_areas(points, [f for f in code if not tests(f.path)]))
    factors.append(_window(points, settings.windows, settings.timezone, now))
    factors.append(_after_rollback(points, rollbacks, settings.after_rollback_hours, now))
    found = tuple(f for f in factors if f is not None)
    score = min(100, round(sum(f.points for f in found)))
    return Assessment(score, level_of(score), found, settings.block_at, now, ack=ack)


def _deployment_changes(change: Change, config: Config, code: Sequence[Changed]) -> list[str]:
    """Deployment files changed; a workflow only when it deploys, before or after the change (the
    deployment model's reading): a labeler or a test workflow changes nothing a rollback must undo."""
    out = []
    for item in code:
        kind = classify(item.path)
        if kind in (None, "dotenv"):
            continue
        if kind == "workflow" and not _workflow_deploys(change, config, item):
            continue
        out.append(f"{item.path} ({_verb(item)})")
    return out


def _workflow_deploys(change: Change, config: Config, item: Changed) -> bool:
    from .._deployment.model import workflow_model

    names = {p.rpartition("/")[2].lower() for p in (item.path, item.old_path) if p}
    if any(word in name for name in names for word in ("deploy", "release")):
        return True  # named for it: a deploy the model cannot read (compose on a self-hosted runner)
    for before, path in ((False, item.after), (True, item.before)):
        if path is None:
            continue
        try:
            model = workflow_model(change.context(config, before=before), path)
        except Exception:  # noqa: BLE001 - a workflow the model cannot read counts, as it may deploy
            return True
        if model is None or model.deploys:
            return True
    return False


def _verb(item: Changed) -> str:
    return {"A": "added", "D": "deleted", "R": f"renamed from {item.old_path}"}.get(item.status, "changed")


def _ack(change: Change) -> Ack | None:
    for commit in change.commits:
        for value in commit.trailers(RISK_TRAILER):
            if value.strip():
                return Ack(("rollback-risk",), value.strip(), f"commit {commit.sha[:8]}")
    return None


def _ddl(change: Change, files: Sequence[Changed]) -> tuple[list[str], list[str]]:
    wanted = [f for f in files if f.after and f.path.lower().endswith((".sql", ".py"))]
    change.prefetch([f.after for f in wanted if f.after], before=False)
    change.prefetch([f.before for f in wanted if f.before], before=True)
    destructive, additive = [], []
    for item in wanted:
        new = change.text(item.after, before=False)
        if new is None:
            continue
        old = change.text(item.before, before=True)
        for ddl in statements(item.path, new, changed_lines(old, new)):
            what = f"{item.path}:{ddl.line} {ddl.text}"
            if ddl.destructive:
                destructive.append(what)
            elif ddl.kind in ("create-table", "add-column", "create-index"):
                additive.append(what)
    return destructive, additive


# --- dependencies ---------------------------------------------------------------------------------


def _is_dependency_file(path: str) -> bool:
    return deps.is_requirements_file(path) or path.rsplit("/", 1)[-1] in DEPENDENCY_FILES


def _declared(change: Change, config: Config, *, before: bool) -> dict[str, deps.Requirement]:
    context = change.context(config, before=before)
    context.preload([p for p in context.repo_files if _is_dependency_file(p)])
    found: dict[str, deps.Requirement] = {}
    for req in deps.read_declared(context).requirements:
        if not req.dev:
            found.setdefault(req.name, req)
    return found


def _dependencies(change: Change, config: Config, code: Sequence[Changed]) -> tuple[list[str], list[str]]:
    if not any(_is_dependency_file(f.path) or (f.old_path and _is_dependency_file(f.old_path)) for f in code):
        return [], []
    after = _declared(change, config, before=False)
    before = _declared(change, config, before=True) if change.base is not None else {}
    majors, added = [], []
    for name, req in sorted(after.items()):
        old = before.get(name)
        if old is None:
            if change.base is not None:
                added.append(f"{req.spec or name} ({req.origin})")
            continue
        was, now = floor(old.spec), floor(req.spec)
        if was is not None and now is not None and _major(now) > _major(was):
            majors.append(f"{name} {was} -> {now} ({req.origin})")
    return majors, added


def floor(spec: str) -> Any:
    """The lowest version a requirement allows (`==2.1`, `>=2.1,<3`, `~=2.1`, Poetry's `^2.1`), as a
    packaging Version; None when it names none."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    found = []
    try:
        for item in Requirement(spec).specifier:
            if item.operator in ("==", "===", ">=", "~=", ">"):
                try:
                    found.append(Version(item.version.removesuffix(".*")))
                except InvalidVersion:
                    continue
    except InvalidRequirement:
        parts = spec.split(None, 1)
        m = re.search(r"(\d+(?:\.\d+)*)", parts[1] if len(parts) > 1 else "")
        if m:
            try:
                found.append(Version(m.group(1)))
            except InvalidVersion:
                pass
    return max(found) if found else None


def _major(version: Any) -> tuple[int, int]:
    """The part of a version whose increase may break callers: the major, or for 0.x the minor."""
    release = tuple(version.release) + (0, 0)
    return (0, release[1]) if release[0] == 0 else (release[0], 0)


# --- environment variables ------------------------------------------------------------------------


def _required(path: str, text: str | None) -> dict[str, int]:
    if text is None or not might_read(text):
        return {}
    try:
        env = analyse(text, path)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    out: dict[str, int] = {}
    for read in env.reads:
        if read.required:
            out.setdefault(read.name, read.line)
    return out


def _new_required_env(change: Change, code: Sequence[Changed]) -> list[str]:
    files = [f for f in code if f.after and f.path.endswith(".py")]
    change.prefetch([f.after for f in files if f.after], before=False)
    change.prefetch([f.before for f in files if f.before], before=True)
    fresh: dict[str, str] = {}
    for item in files:
        now = _required(item.path, change.text(item.after, before=False))
        then = _required(item.path, change.text(item.before, before=True)) if item.before else {}
        for name, line in now.items():
            if name not in then:
                fresh.setdefault(name, f"{item.path}:{line}")
    if not fresh or change.base is None:
        return [f"{name} ({where})" for name, where in sorted(fresh.items())] if change.base is None else []
    changed = {f.after for f in files}
    out = []
    for name, where in sorted(fresh.items())[:ENV_CANDIDATES]:
        if not _required_elsewhere(change, name, changed):
            out.append(f"{name} ({where})")
    return out


def _required_elsewhere(change: Change, name: str, skip: set[str | None]) -> bool:
    """Whether an unchanged file of the head already requires `name` (so the deployment has it)."""
    if change.head == WORKTREE:
        paths = [p for p in change.head_blobs if p.endswith(".py")]
    else:
        try:
            paths = _git.grep_tree(change.root, re.escape(name), change.head)
        except _git.GitError:
            return False
    paths = [p for p in paths if p not in skip][:50]
    change.prefetch(paths, before=False)
    return any(name in _required(p, change.text(p, before=False)) for p in paths)


# --- size, areas, time, history -----------------------------------------------------------------------


def _size(points: _Points, code: Sequence[Changed]) -> Factor | None:
    lines = sum((f.added or 0) + (f.deleted or 0) for f in code)
    files = len(code)
    amount = math.log10(1 + lines / 10) + 0.5 * math.log10(1 + files)
    return points.scaled("size", amount, f"{lines} changed lines in {files} files")


def area(path: str) -> str:
    parts = path.split("/")
    if len(parts) == 1:
        return "(top level)"
    return parts[0] if len(parts) == 2 else f"{parts[0]}/{parts[1]}"


def areas(paths: Sequence[str]) -> list[str]:
    """The areas the paths fall in; a directory that is itself an area takes in its subdirectories
    (`.github/labeler.yml` and `.github/workflows/ci.yml` are one area, `.github`)."""
    found = {area(p) for p in paths}
    return sorted({a.split("/")[0] if a.split("/")[0] in found else a for a in found})


def _areas(points: _Points, code: Sequence[Changed]) -> Factor | None:
    found = areas([f.path for f in code])
    free = float((table().get("factors") or {}).get("areas", {}).get("free", 3))
    beyond = len(found) - free
    if beyond <= 0:
        return None
    shown = ", ".join(found[:8]) + (f" (+{len(found) - 8} more)" if len(found) > 8 else "")
    return points.scaled("areas", beyond, f"{len(found)} areas: {shown}")


def default_windows() -> tuple[RiskWindow, ...]:
    out = []
    for item in table().get("windows") or []:
        days = tuple(sorted({DAYS.index(str(d).lower()[:3]) for d in item.get("days", [])}))
        start, end = (_minutes(str(item.get(k, "00:00"))) for k in ("from", "to"))
        out.append(RiskWindow(str(item.get("name", "")), days, start, end))
    return tuple(out)


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def zone_of(name: str | None) -> Any:
    if name is None:
        return None
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def in_window(window: RiskWindow, moment: datetime) -> bool:
    minute = moment.hour * 60 + moment.minute
    day = moment.weekday()
    if window.start <= window.end:
        return day in window.days and window.start <= minute < window.end
    # past midnight: the evening of a listed day, or the small hours after one
    return (day in window.days and minute >= window.start) or (
        (day - 1) % 7 in window.days and minute < window.end
    )


def _window(
    points: _Points, windows: tuple[RiskWindow, ...] | None, timezone: str | None, now: datetime
) -> Factor | None:
    zone = zone_of(timezone)
    local = now.astimezone(zone) if zone is not None else now.astimezone()
    for window in default_windows() if windows is None else windows:
        if in_window(window, local):
            label = timezone or "local time"
            return points.counted("time-window", [f"{window.name}: {local.strftime('%a %H:%M')} ({label})"])
    return None


def _after_rollback(
    points: _Points, rollbacks: Sequence[Rollback], hours: float, now: datetime
) -> Factor | None:
    recent = [r for r in rollbacks if timedelta(0) <= now - r.at <= timedelta(hours=hours)]
    if not recent:
        return None
    latest = max(recent, key=lambda r: r.at)
    ago = (now - latest.at).total_seconds() / 3600
    return points.counted(
        "after-rollback", [f"rollback of {latest.service} to {latest.version} {ago:.1f} h ago"]
    )


def hits(assessment: Assessment, change: Change, *, path: str | None = None) -> list[Hit]:
    """RR001 at or above block_at (unless acknowledged), RR002 at MEDIUM or more below it."""
    if assessment.level == "low" or assessment.ack is not None and assessment.at_block_level:
        return []
    where, line = (path, 1) if path else _location(assessment, change)
    values = {
        "level": assessment.level.upper(), "score": str(assessment.score),
        "block_at": assessment.block_at.upper(),
        "reasons": "; ".join(f"{f.name} +{f.points:g}" for f in sorted(
            assessment.factors, key=lambda f: -f.points)[:EVIDENCE_SHOWN]),
    }  # fmt: skip
    rule = "RR001" if assessment.at_block_level else "RR002"
    return [Hit(rule, where, line, 1, values)]


def _location(assessment: Assessment, change: Change) -> tuple[str, int]:
    """The file (and line) behind the heaviest factor that names one, else the first code file."""
    present = {f.after for f in change.files if f.after}
    for factor in sorted(assessment.factors, key=lambda f: -f.points):
        for item in factor.evidence:
            # "path:line text", or "what (path:line)" as the dependency and variable factors write
            named = [_PATH_LINE_RX.match(item), *_IN_PARENS_RX.finditer(item)]
            for m in named:
                if m is not None and m.group("path") in present:
                    return m.group("path"), int(m.group("line") or 1)
    code = sorted(p for p in present if not is_doc(p))
    first = next(iter(code or sorted(present)), change.files[0].path if change.files else ".")
    return first, 1


_PATH_LINE_RX = re.compile(r"(?P<path>[^:\s()]+)(?::(?P<line>\d+))?")
# after the path only `:`, a space or `)` may follow: a shorter path never matches (linear)
_IN_PARENS_RX = re.compile(r"\((?P<path>[^():\s]+)(?::(?P<line>\d+))?(?:[\s:][^()]*)?\)")


def clock(environ: Mapping[str, str] | None = None) -> datetime:
    """Now, or the moment `AVA_SAFETY_NOW` names (ISO 8601; a test's or a demo's clock)."""
    import os
    from datetime import timezone

    given = (os.environ if environ is None else environ).get("AVA_SAFETY_NOW", "")
    if given:
        try:
            moment = datetime.fromisoformat(given.replace("Z", "+00:00"))
            return moment if moment.tzinfo is not None else moment.astimezone()
        except ValueError:
            pass
    return datetime.now(timezone.utc)
