"""Text for the deploy commands: the history table, the gate table, the run's closing lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .gates import GateResult
from .history import Event

MARKS = {"pass": "ok", "warn": "warn", "block": "BLOCK", "skip": "skip", "error": "ERROR"}


def when(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def history_table(events: Sequence[Event]) -> list[str]:
    if not events:
        return ["no deploys recorded yet"]
    rows = [("id", "when", "service", "kind", "status", "version", "commit", "took", "by", "note")]
    for e in events:
        took = f"{e.seconds:.1f}s" if e.seconds is not None else ""
        note = (
            e.error
            or (f"from #{e.rollback_from}" if e.rollback_from else "")
            or (e.notes[-1] if e.notes else "")
        )
        rows.append((str(e.id), when(e.started_at), e.service, e.kind, e.status.upper() if e.status in (
            "failed", "rolled_back", "interrupted", "blocked") else e.status, e.version, e.commit[:8], took,
            e.actor, " ".join(note.split())[:60]))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def history_json(events: Sequence[Event]) -> str:
    return json.dumps({"events": [e.to_dict() for e in events]}, indent=2)


def gate_table(results: Sequence[GateResult]) -> list[str]:
    if not results:
        return ["no gates configured"]
    rows = [("gate", "verdict", "time", "figure")]
    rows += [(r.gate, MARKS[r.verdict], f"{r.seconds:.2f}s", r.figure) for r in results]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for r in results:
        if r.verdict in ("block", "error", "warn", "skip") and r.detail:
            lines.append(f"{r.gate}:")
            lines += [f"  {d}" for d in r.detail[:20]]
    return lines


def run_lines(run: Any) -> list[str]:
    """The closing lines of a deploy or rollback: the verdict, then the timed summary."""
    event = run.event
    if event is None:
        head = f"{run.kind} of {run.service}: nothing was done"
    else:
        head = f"{run.kind} #{event.id} of {run.service} {event.version}: {event.status}"
        if event.error:
            head += f" ({event.error})"
    lines = [head]
    rolled = getattr(run, "rollback", None)
    if rolled is not None:
        tail = f" ({rolled.error})" if rolled.error else ""
        lines.append(f"automatic rollback #{rolled.id} to {rolled.version}: {rolled.status}{tail}")
    if run.lines:
        lines.append("phases:")
        lines += run.lines
    return lines
