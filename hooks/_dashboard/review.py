"""What each history event means on the page (its badge), and the weekly review a team does:
deployment success rate and rollback frequency per week and per service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .._deploy.history import Event

# badge text, tone (the CSS class) and a glyph, so that colour is never the only signal
BADGES: dict[str, tuple[str, str, str]] = {
    "deployed": ("DEPLOYED", "ok", "✓"),
    "failed": ("FAILED", "bad", "✕"),
    "rolled_back": ("ROLLED BACK", "warn", "↶"),
    "blocked": ("BLOCKED", "muted", "⊘"),
    "interrupted": ("INTERRUPTED", "bad", "!"),
    "running": ("IN PROGRESS", "info", "…"),
}


def outcome(event: Event) -> str:
    """deployed | failed | rolled_back | blocked | interrupted | running.

    A deploy that passed its health checks and was undone later by an emergency rollback still
    deployed (the rollback event says what happened next); one that failed its checks and was then
    rolled back automatically (status `rolled_back` with an error) failed. A rollback that
    succeeded is `rolled_back`."""
    status = event.status
    if status == "started":
        return "running"
    if status in ("blocked", "interrupted"):
        return status
    if event.kind == "rollback":
        return "rolled_back" if status == "succeeded" else "failed"
    if status == "succeeded" or (status == "rolled_back" and not event.error):
        return "deployed"
    return "failed"


def badge(event: Event) -> dict[str, str]:
    text, tone, glyph = BADGES[outcome(event)]
    return {"text": text, "tone": tone, "glyph": glyph}


def parse_time(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def week_of(moment: datetime) -> str:
    year, week, _day = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_labels(now: datetime, weeks: int) -> list[str]:
    """The last `weeks` ISO weeks, oldest first, ending with the current one."""
    return [week_of(now - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)]


@dataclass
class WeekRow:
    week: str
    deploys: int = 0  # deploys that reached the platform (not refused by gates, not running)
    succeeded: int = 0
    failed: int = 0
    blocked: int = 0
    rollbacks: int = 0  # rollback events, automatic and emergency
    automatic: int = 0

    @property
    def rate(self) -> float | None:
        return None if self.deploys == 0 else round(100.0 * self.succeeded / self.deploys, 1)

    def to_dict(self) -> dict[str, Any]:
        return {"week": self.week, "deploys": self.deploys, "succeeded": self.succeeded,
                "failed": self.failed, "blocked": self.blocked, "rollbacks": self.rollbacks,
                "automatic": self.automatic, "rate": self.rate}  # fmt: skip


def weekly(
    events: Iterable[Event], services: Sequence[str], *, now: datetime, weeks: int = 8
) -> dict[str, Any]:
    """Per service and week (the last `weeks` ISO weeks): deploys, success rate, rollbacks."""
    labels = week_labels(now, weeks)
    rows = {(s, w): WeekRow(w) for s in services for w in labels}
    for event in events:
        moment = parse_time(event.started_at)
        if moment is None:
            continue
        row = rows.get((event.service, week_of(moment)))
        if row is None:
            continue
        result = outcome(event)
        if event.kind == "rollback":
            if result != "running":
                row.rollbacks += 1
                row.automatic += event.reason.startswith("automatic")
        elif result == "blocked":
            row.blocked += 1
        elif result != "running":
            row.deploys += 1
            row.succeeded += result == "deployed"
            row.failed += result != "deployed"
    out = []
    for service in services:
        mine = [rows[(service, w)] for w in labels]
        total = WeekRow("total")
        for r in mine:
            for name in ("deploys", "succeeded", "failed", "blocked", "rollbacks", "automatic"):
                setattr(total, name, getattr(total, name) + getattr(r, name))
        out.append({"service": service, "weeks": [r.to_dict() for r in mine], "total": total.to_dict()})
    return {"weeks": labels, "services": out}
