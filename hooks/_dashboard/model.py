"""Everything the page shows, as one JSON-ready dict: `status(...)`; and a page of the version
history: `history_page(...)`. Both are what `/api/status` and `/api/history` answer.

Sources, each read by its one reader: the services of `.ava-safety.yaml` (hooks._config), the
version history (hooks._deploy.history), the health probes and their record (probes), every hook's
latest result (`.git/ava-safety/results/<hook>.json`, written by hooks._hook.record) and the
constitutional-compliance runs (`results/constitutional-compliance.scores.jsonl`).

Results of hooks that are not bundled yet are read when they exist, in these shapes:
- `rollback-risk.json`: `{"risk": {"level": "low|medium|high|critical", "score": 0-100,
  "reasons": [...]}}` (or a top-level `level`);
- `db-connection.json`: `{"databases": [{"name", "ok", "latency_ms", "error"}]}`.

Every text that leaves here went through `scrub` (hooks._mask): secrets never reach the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from .._config import Config, ServiceConfig
from .._deploy.health import same_value
from .._deploy.history import Event, History
from .._mask import mask, mask_url
from . import probes, review, svg

SCHEMA = 1
WINDOW = 50  # timeline events per page
FILE_WINDOW = 500  # events a written file carries (paged in the page itself)
SERVICE_SCAN = 1000  # rows read per service to find its last deploy and last rollback
REVIEW_WEEKS = 8
REVIEW_MAX_ROWS = 20_000
TREND_POINTS = 60
RESULTS_DIR = "results"
SCORED_HOOK = "constitutional-compliance"

MIN_SECRET = 6  # no masking rule matches a shorter text (mask.py: env values of 6+, patterns longer)

LogUrl = Callable[[Event], "str | None"]


def file_log_url(event: Event) -> str | None:
    return "file://" + quote(event.log_path) if event.log_path.startswith("/") else None


# --- secrets ---------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _masked(text: str) -> str:
    return mask(text)  # the same texts (services, versions, badges) come back on every refresh


def scrub(value: Any) -> Any:
    """Every text in `value` (nested too) with its secrets masked: the last step before the page."""
    if isinstance(value, str):
        return value if len(value) < MIN_SECRET else _masked(value)
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


# --- history ---------------------------------------------------------------------------------------


def _name_only(author: str) -> str:
    return author.split(" <", 1)[0] if "<" in author else author


def event_view(event: Event, log_url: LogUrl, undone_by: Mapping[int, int] | None = None) -> dict[str, Any]:
    """One timeline row."""
    change = [line for line in event.change_description.splitlines() if line.strip()]
    return {
        "id": event.id,
        "service": event.service,
        "kind": event.kind,
        "status": event.status,
        "badge": review.badge(event),
        "outcome": review.outcome(event),
        "version": event.version,
        "commit": event.commit,
        "short": event.commit[:8],
        "author": _name_only(event.author),
        "actor": event.actor,
        "change": change[:20],
        "change_more": max(0, len(change) - 20),
        "started_at": event.started_at,
        "finished_at": event.finished_at,
        "seconds": event.seconds,
        "phase": event.phase,
        "rollback_from": event.rollback_from,
        "undone_by": (undone_by or {}).get(event.id or -1),
        "error": event.error,
        "reason": event.reason,
        "notes": list(event.notes)[-5:],
        "provider": event.provider,
        "compliance_score": event.compliance_score,
        "risk_level": event.risk_level,
        "log": log_url(event) if event.log_path else None,
    }


def _undone_by(events: Sequence[Event]) -> dict[int, int]:
    found: dict[int, int] = {}
    for e in events:
        if e.kind == "rollback" and e.rollback_from is not None and e.id is not None:
            found.setdefault(e.rollback_from, e.id)
    return found


def history_page(
    store: History, *, service: str | None, before: int | None, limit: int, log_url: LogUrl
) -> dict[str, Any]:
    """A page of the timeline, newest first; `next_before` pages on (None at the end)."""
    limit = max(1, min(int(limit), FILE_WINDOW))
    rows = store.events(service, before=before, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    undone = _undone_by(rows)
    return scrub({
        "service": service,
        "events": [event_view(e, log_url, undone) for e in rows],
        "next_before": rows[-1].id if more and rows else None,
    })  # fmt: skip


def _scan(store: History, service: str | None, max_rows: int) -> Iterator[Event]:
    """Events newest first, in pages, up to `max_rows`."""
    before: int | None = None
    seen = 0
    while seen < max_rows:
        page = store.events(service, before=before, limit=min(500, max_rows - seen))
        yield from page
        seen += len(page)
        if len(page) < 500 or page[-1].id is None:
            return
        before = page[-1].id


# --- services --------------------------------------------------------------------------------------


def _brief(event: Event | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {"id": event.id, "version": event.version, "commit": event.commit[:8], "status": event.status,
            "badge": review.badge(event), "at": event.finished_at or event.started_at,
            "error": event.error, "reason": event.reason}  # fmt: skip


def _drift(check: probes.Check | None, recorded: Event | None) -> str | None:
    """Why the running version is not the recorded one, or None (same, or unknown)."""
    if check is None or recorded is None or not check.ok:
        return None
    running = check.version or check.commit
    if running is None:
        return None
    if same_value(running, recorded.version) or (recorded.commit and same_value(running, recorded.commit)):
        return None
    if check.commit and recorded.commit and same_value(check.commit, recorded.commit):
        return None
    return (
        f"{running} is running but the last recorded deploy is {recorded.version}: "
        "deployed outside ava-safety?"
    )


def service_view(
    name: str,
    config: ServiceConfig | None,
    store: History | None,
    check: probes.Check | None,
    recent_checks: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    last_deploy = last_rollback = newest = None
    recorded = None
    if store is not None:
        for event in _scan(store, name, SERVICE_SCAN):
            newest = newest or event
            if last_deploy is None and event.kind == "deploy" and event.status != "blocked":
                last_deploy = event
            if last_rollback is None and event.kind == "rollback":
                last_rollback = event
            if last_deploy is not None and last_rollback is not None:
                break
        recorded = store.last_succeeded(name)
    drift = _drift(check, recorded)
    health = config.health if config is not None else None
    if check is None:
        state = "unknown"
        state_text = "NO HEALTH URL" if health is None else "NOT CHECKED"
    elif not check.ok:
        state, state_text = "down", "DOWN"
    elif drift:
        state, state_text = "drift", "DRIFT"
    else:
        state, state_text = "up", "UP"
    return {
        "name": name,
        "configured": config is not None,
        "provider": config.provider if config is not None else (newest.provider if newest else ""),
        "health_url": mask_url(health.url) if health is not None else None,
        "state": state,
        "state_text": state_text,
        "check": check.to_dict() if check is not None else None,
        "running": (check.version or check.commit) if check is not None and check.ok else None,
        "recorded": _brief(recorded),
        "drift": drift,
        "deploying": newest is not None and newest.status == "started",
        "last_deploy": _brief(last_deploy),
        "last_rollback": _brief(last_rollback),
        "uptime": probes.uptime(recent_checks),
    }


# --- results ---------------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _risk_level(data: Mapping[str, Any]) -> str | None:
    risk = data.get("risk")
    level = risk.get("level") if isinstance(risk, Mapping) else risk if isinstance(risk, str) else None
    level = level or data.get("level") or data.get("risk_level")
    return str(level) if level else None


def _databases(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = data.get("databases") or data.get("checks") or []
    out = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        ok = item.get("ok")
        if ok is None and "status" in item:
            ok = item["status"] in ("ok", "pass", "up", True)
        ms = item.get("latency_ms", item.get("ms"))
        out.append({"name": str(item.get("name") or item.get("url") or "database"), "ok": bool(ok),
                    "latency_ms": ms if isinstance(ms, (int, float)) else None,
                    "error": str(item.get("error") or "")})  # fmt: skip
    return out


def hook_view(hook: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A hook's latest result: verdict, key figure, time."""
    findings = [f for f in data.get("findings", []) if isinstance(f, Mapping)]
    errors = sum(1 for f in findings if f.get("severity") == "error")
    warnings = len(findings) - errors
    code = data.get("exit_code")
    verdict, tone, glyph = {0: ("PASSED", "ok", "✓"), 1: ("BLOCKED", "bad", "✕")}.get(
        code if isinstance(code, int) else -1, ("ERROR", "bad", "!")
    )
    if code == 0 and warnings:
        verdict, tone, glyph = "PASSED", "warn", "✓"
    score = data.get("score") if isinstance(data.get("score"), Mapping) else None
    figure = f"{errors} error(s), {warnings} warning(s)" if findings else "no findings"
    level = _risk_level(data)
    dbs = _databases(data)
    if score is not None and isinstance(score.get("overall"), (int, float)):
        figure = f"score {score['overall']:.1f} (min {score.get('min_score', 0):g})"
    elif level:
        figure = f"risk {level}"
    elif dbs:
        slowest = max((d["latency_ms"] for d in dbs if d["latency_ms"] is not None), default=None)
        up = sum(d["ok"] for d in dbs)
        figure = f"{up}/{len(dbs)} reachable" + (f", {slowest:.0f} ms" if slowest is not None else "")
    return {
        "hook": str(data.get("hook") or hook), "verdict": verdict, "tone": tone, "glyph": glyph,
        "figure": figure, "finished_at": data.get("finished_at"), "seconds": data.get("seconds"),
        "files": data.get("files"), "scope": data.get("scope"), "errors": errors, "warnings": warnings,
        "top": [f"{f.get('path')}:{f.get('line')}: {f.get('rule')} {f.get('message')}" for f in findings[:5]],
    }  # fmt: skip


def results(state_dir: Path) -> dict[str, dict[str, Any]]:
    """Every hook's latest result, by hook id."""
    folder = state_dir / RESULTS_DIR
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = _read_json(path)
        if data is not None:
            found[path.stem] = data
    return found


def _label(iso: Any) -> str:
    moment = review.parse_time(str(iso)) if iso else None
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else str(iso or "")


def compliance(state_dir: Path, latest: Mapping[str, Any] | None) -> dict[str, Any]:
    """The latest constitutional-compliance scores and the overall score over the recorded runs."""
    trend: list[dict[str, Any]] = []
    path = state_dir / RESULTS_DIR / f"{SCORED_HOOK}.scores.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[-TREND_POINTS:]
    except OSError:
        lines = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("overall"), (int, float)):
            trend.append({"at": item.get("finished_at"), "overall": float(item["overall"]),
                          "passed": bool(item.get("passed"))})  # fmt: skip
    score = latest.get("score") if latest is not None else None
    min_score = score.get("min_score") if isinstance(score, Mapping) else None
    points = [svg.Point(_label(t["at"]), t["overall"]) for t in trend]
    chart = svg.trend_chart(points, min_score=min_score if isinstance(min_score, (int, float)) else None)
    current = None
    if isinstance(score, Mapping) and latest is not None:
        current = {
            "overall": score.get("overall"), "min_score": min_score, "passed": score.get("passed"),
            "principles": [p for p in score.get("principles", []) if isinstance(p, Mapping)],
            "finished_at": latest.get("finished_at"), "files": latest.get("files"),
        }  # fmt: skip
    return {"latest": current, "trend": trend, "trend_svg": chart}


def risk_view(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    raw = data.get("risk")
    risk: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    reasons = risk.get("reasons") if isinstance(risk.get("reasons"), list) else None
    if reasons is None:
        reasons = [f.get("message") for f in data.get("findings", []) if isinstance(f, Mapping)]
    level = _risk_level(data) or "unknown"
    return {"level": level, "score": risk.get("score"), "reasons": [str(r) for r in reasons[:8]],
            "finished_at": data.get("finished_at"), "blocked": data.get("exit_code") == 1}  # fmt: skip


def database_view(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {"databases": _databases(data), "finished_at": data.get("finished_at"),
            "verdict": hook_view("db-connection", data)["verdict"]}  # fmt: skip


# --- the whole page --------------------------------------------------------------------------------


def _weekly_events(store: History, now: datetime, weeks: int) -> list[Event]:
    cutoff = now - timedelta(weeks=weeks)
    kept = []
    for event in _scan(store, None, REVIEW_MAX_ROWS):
        moment = review.parse_time(event.started_at)
        if moment is not None and moment < cutoff:
            break
        kept.append(event)
    return kept


def status(
    root: Path,
    config: Config,
    store: History | None,
    *,
    state_dir: Path,
    checks: Mapping[str, probes.Check],
    log_url: LogUrl = file_log_url,
    window: int = WINDOW,
    live: bool = False,
    history_error: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The page's data. `checks` are the health probes to show as "now"; `window` events of the
    timeline come with it (the API pages on)."""
    now = now or datetime.now(timezone.utc)
    names = [s.name for s in config.services]
    if store is not None:
        names += [s for s in store.services() if s not in names]
    recent = probes.recent(state_dir)
    services = [service_view(n, config.service(n), store, checks.get(n), recent.get(n, [])) for n in names]
    timeline: dict[str, Any] = {"events": [], "next_before": None}
    weekly: dict[str, Any] = {"weeks": review.week_labels(now, REVIEW_WEEKS), "services": []}
    if store is not None:
        timeline = history_page(store, service=None, before=None, limit=window, log_url=log_url)
        weekly = review.weekly(_weekly_events(store, now, REVIEW_WEEKS), names, now=now, weeks=REVIEW_WEEKS)
    found = results(state_dir)
    hooks = [hook_view(h, d) for h, d in sorted(found.items())]
    counts = {s: sum(1 for v in services if v["state"] == s) for s in ("up", "down", "drift", "unknown")}
    return scrub({
        "schema": SCHEMA,
        "tool": f"ava-safety {__version__}",
        "repo": root.name,
        "generated_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "live": live,
        "history": {"store": "postgresql" if config.history != "sqlite" else "sqlite",
                    "error": history_error},
        "summary": counts,
        "services": services,
        "timeline": timeline,
        "compliance": compliance(state_dir, found.get(SCORED_HOOK)),
        "hooks": hooks,
        "risk": risk_view(found.get("rollback-risk")),
        "database": database_view(found.get("db-connection")),
        "weekly": weekly,
    })  # fmt: skip
