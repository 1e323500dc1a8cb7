"""The version history in PostgreSQL, for a team: one store that every machine deploying shares.

psycopg 3 (the `postgres` extra), imported here only. The password comes from the environment
(PGPASSWORD) or ~/.pgpass, never from the URL in the config. Deploy locks are advisory locks of the
connection: held across machines, released by the server when the holder's session ends, however
its process died. The holder (pid, host, since) is written beside it for messages.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime, timezone
from typing import Any

from .._mask import mask_url
from .history import (
    COLUMNS,
    JSON_FIELDS,
    SCHEMA_VERSION,
    Event,
    HistoryError,
    Holder,
    LockBusy,
    _busy_message,
    _db_column,
    _from_row,
    _interrupt,
    _to_row,
    _where,
    masked,
    me,
)

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 15_000

_MIGRATIONS = {
    1: """
    CREATE TABLE ava_safety_events (
        id BIGSERIAL PRIMARY KEY,
        service TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
        status TEXT NOT NULL,
        version TEXT NOT NULL,
        commit_sha TEXT NOT NULL DEFAULT '',
        phase TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        actor TEXT NOT NULL DEFAULT '',
        change_description TEXT NOT NULL DEFAULT '',
        compliance_score DOUBLE PRECISION,
        risk_level TEXT,
        health JSONB NOT NULL DEFAULT '{}',
        durations JSONB NOT NULL DEFAULT '{}',
        gates JSONB NOT NULL DEFAULT '[]',
        rollback_from BIGINT REFERENCES ava_safety_events (id),
        provider TEXT NOT NULL DEFAULT '',
        provider_ref TEXT NOT NULL DEFAULT '',
        log_path TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        notes JSONB NOT NULL DEFAULT '[]',
        host TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL DEFAULT 0,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ
    );
    CREATE INDEX ava_safety_events_service_id ON ava_safety_events (service, id);
    CREATE TABLE ava_safety_locks (
        service TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        since TEXT NOT NULL
    )
    """,
}


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"ava-safety:{name}".encode()).digest()[:8], "big", signed=True)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


class PostgresHistory:
    def __init__(self, url: str) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise HistoryError(
                "history is a PostgreSQL URL but psycopg is not installed: pip install 'ava-safety[postgres]'"
            ) from None
        self.url = url
        self.display = mask_url(url)
        self._psycopg = psycopg
        try:
            self.db = psycopg.connect(
                url,
                connect_timeout=CONNECT_TIMEOUT_S,
                autocommit=True,
                row_factory=dict_row,
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                application_name="ava-safety",
            )
            self._migrate()
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split())
            raise HistoryError(f"cannot open the history store {self.display}: {detail}") from None

    def _migrate(self) -> None:
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_key("schema"),))
            self.db.execute("CREATE TABLE IF NOT EXISTS ava_safety_schema_version (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT max(version) AS v FROM ava_safety_schema_version").fetchone()
            have = (row or {}).get("v") or 0
            if have > SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.display} has schema version {have}, newer than this ava-safety knows "
                    f"({SCHEMA_VERSION}); upgrade ava-safety"
                )
            for version in range(have + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute("INSERT INTO ava_safety_schema_version (version) VALUES (%s)", (version,))

    def _row(self, row: Mapping[str, Any] | None) -> Event | None:
        if row is None:
            return None
        data = {k: _iso(v) for k, v in row.items()}
        for name in JSON_FIELDS:
            if not isinstance(data[name], str):
                data[name] = json.dumps(data[name])
        return _from_row(data)

    def record(self, event: Event) -> Event:
        event = replace(event, **masked({k: getattr(event, k) for k in COLUMNS}))
        row = _to_row(event)
        names = ", ".join(row)
        marks = ", ".join("%s" for _ in row)
        found = self.db.execute(
            f"INSERT INTO ava_safety_events ({names}) VALUES ({marks}) RETURNING id", tuple(row.values())
        ).fetchone()
        assert found is not None
        return replace(event, id=int(found["id"]))

    def update(self, event_id: int, **changes: Any) -> Event:
        unknown = set(changes) - set(COLUMNS)
        if unknown:
            raise ValueError(f"not event fields: {sorted(unknown)}")
        changes = masked(changes)
        current = self.get(event_id)
        if current is None:
            raise HistoryError(f"no event {event_id} in {self.display}")
        updated = replace(current, **changes)
        row = _to_row(updated)
        cols = [_db_column(k) for k in changes]
        self.db.execute(
            f"UPDATE ava_safety_events SET {', '.join(f'{c} = %s' for c in cols)} WHERE id = %s",
            (*(row[c] for c in cols), event_id),
        )
        return updated

    def get(self, event_id: int) -> Event | None:
        return self._row(
            self.db.execute("SELECT * FROM ava_safety_events WHERE id = %s", (event_id,)).fetchone()
        )

    def events(
        self, service: str | None = None, *, before: int | None = None, limit: int = 50
    ) -> list[Event]:
        where, args = _where(service, before, "%s")
        rows = self.db.execute(
            f"SELECT * FROM ava_safety_events {where} ORDER BY id DESC LIMIT %s", (*args, max(0, int(limit)))
        ).fetchall()
        return [e for e in map(self._row, rows) if e is not None]

    def last_succeeded(self, service: str, *, before: int | None = None) -> Event | None:
        where, args = _where(service, before, "%s")
        return self._row(
            self.db.execute(
                f"SELECT * FROM ava_safety_events {where} AND status = 'succeeded' ORDER BY id DESC LIMIT 1",
                args,
            ).fetchone()
        )

    def services(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT service FROM ava_safety_events ORDER BY service").fetchall()
        return [r["service"] for r in rows]

    def mark_interrupted(self, service: str) -> list[Event]:
        rows = self.db.execute(
            "SELECT id FROM ava_safety_events WHERE service = %s AND status = 'started' ORDER BY id",
            (service,),
        ).fetchall()
        return [_interrupt(self, int(r["id"])) for r in rows]

    @contextmanager
    def lock(self, service: str, *, wait_s: float = 0.0) -> Iterator[list[str]]:
        key = _key(f"service:{service}")
        deadline = time.monotonic() + wait_s
        while True:
            got = self.db.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,)).fetchone()
            if got and got["ok"]:
                break
            if time.monotonic() >= deadline:
                row = self.db.execute(
                    "SELECT pid, host, since FROM ava_safety_locks WHERE service = %s", (service,)
                ).fetchone()
                holder = Holder(int(row["pid"]), row["host"], row["since"]) if row else None
                raise LockBusy(_busy_message(service, holder, wait_s).replace(
                    "still holds the lock file open (stop that process)",
                    "keeps its database session open (end it with pg_terminate_backend)",
                ))  # fmt: skip
            time.sleep(0.2)
        notes: list[str] = []
        try:
            row = self.db.execute(
                "SELECT pid, host, since FROM ava_safety_locks WHERE service = %s", (service,)
            ).fetchone()
            if row is not None:
                previous = Holder(int(row["pid"]), row["host"], row["since"])
                notes.append(f"stale lock of {previous.describe()} taken over: that process ended holding it")
            mine = asdict(me())
            self.db.execute(
                "INSERT INTO ava_safety_locks (service, pid, host, since) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (service) DO UPDATE SET pid = EXCLUDED.pid, host = EXCLUDED.host, "
                "since = EXCLUDED.since",
                (service, mine["pid"], mine["host"], mine["since"]),
            )
            yield notes
            self.db.execute("DELETE FROM ava_safety_locks WHERE service = %s", (service,))
        finally:
            try:
                self.db.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except self._psycopg.Error:
                pass  # the session is gone, and its lock with it

    def close(self) -> None:
        self.db.close()
