"""Health now: one probe of every service's health URL (in parallel, each with a timeout), and the
record of the dashboard's probes (`.git/ava-safety/health-checks.jsonl`) that gives the uptime of
recent checks."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._config import ServiceConfig
from .._deploy.health import Probe, probe
from .._deploy.history import now_iso

CHECKS_FILE = "health-checks.jsonl"
KEEP = 5000  # lines kept in the file (every service's checks together)
UPTIME_WINDOW = 50  # the checks the uptime figure covers, per service
MAX_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    service: str
    at: str
    ok: bool
    status: int | None
    ms: float
    failures: tuple[str, ...]
    version: str | None
    commit: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "at": self.at, "ok": self.ok, "status": self.status,
                "ms": round(self.ms, 1), "failures": list(self.failures), "version": self.version,
                "commit": self.commit}  # fmt: skip


def _commit_of(result: Probe) -> str | None:
    body = result.body
    value = body.get("commit") if isinstance(body, dict) else None
    return None if value in (None, "") else str(value)


def check_service(service: ServiceConfig) -> Check | None:
    """Probe the service's health URL against its status and time conditions (its `{version}`
    fields are compared by the dashboard as drift, not counted as down)."""
    health = service.health
    if health is None:
        return None
    fixed = tuple((k, v) for k, v in health.json if "{" not in v)
    result = probe(
        health.url, status=health.status, json_fields=fixed, max_ms=health.max_ms,
        timeout_s=min(health.request_timeout_s, MAX_TIMEOUT_S),
    )  # fmt: skip
    return Check(service.name, now_iso(), result.ok, result.status, result.ms, result.failures,
                 result.version, _commit_of(result))  # fmt: skip


def check_all(services: Sequence[ServiceConfig]) -> dict[str, Check]:
    """Every service with a health URL, probed in parallel."""
    targets = [s for s in services if s.health is not None]
    if not targets:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(targets)), thread_name_prefix="probe") as pool:
        results = list(pool.map(check_service, targets))
    return {c.service: c for c in results if c is not None}


def record(state_dir: Path, checks: Sequence[Check]) -> None:
    """Append the checks (one short write per check keeps lines whole across processes)."""
    if not checks:
        return
    path = state_dir / CHECKS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.write("".join(json.dumps(c.to_dict()) + "\n" for c in checks))
    if path.stat().st_size > KEEP * 400:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[-KEEP:]
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.replace(path)


def recent(state_dir: Path, *, tail_bytes: int = 1 << 20) -> dict[str, list[dict[str, Any]]]:
    """The recorded checks per service, oldest first (the file's last `tail_bytes` only)."""
    path = state_dir / CHECKS_FILE
    try:
        with open(path, "rb") as src:
            size = src.seek(0, os.SEEK_END)
            src.seek(max(0, size - tail_bytes))
            data = src.read()
    except OSError:
        return {}
    lines = data.decode("utf-8", errors="replace").splitlines()
    if len(data) < size:
        lines = lines[1:]  # the first line may be cut
    found: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("service"), str):
            found.setdefault(item["service"], []).append(item)
    return found


def uptime(checks: Sequence[dict[str, Any]], window: int = UPTIME_WINDOW) -> dict[str, Any] | None:
    """The share of passing checks among the last `window`, and the recent ones for a strip."""
    last = list(checks[-window:])
    if not last:
        return None
    ok = sum(1 for c in last if c.get("ok") is True)
    return {
        "checks": len(last), "ok": ok, "percent": round(100.0 * ok / len(last), 1),
        "since": last[0].get("at"),
        "strip": [{"ok": c.get("ok") is True, "at": c.get("at"), "ms": c.get("ms")} for c in last[-20:]],
    }  # fmt: skip
