"""The version history: every deploy and rollback of every service, newest first.

One interface, two stores: SQLite in `.git/ava-safety/history.sqlite3` (the default; WAL mode, a busy
timeout, so concurrent processes on one machine read and write safely) and PostgreSQL by URL for a
team (`hooks._deploy.history_pg`). Both create and migrate their schema themselves (a
`schema_version` table) and hold the per-service deploy lock (a file lock here, an advisory lock
there). Readers such as the dashboard use `open_history(root, config)` and then only:

- `events(service=None, before=None, limit=50)`: newest first; `before` is an event id (paging);
- `get(event_id)`, `last_succeeded(service)`, `services()`.

An `Event`'s fields are DESIGN §5's; `to_dict()` gives its JSON form. Every text written is masked
first (hooks._mask), so no reader can show a secret.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from .._mask import mask

KINDS = ("deploy", "rollback")
# started: running (or its process died: the next run turns it into `interrupted`); blocked: a gate
# refused it before anything was deployed; rolled_back: it went live and was undone (automatically
# after failing its health checks, or by an emergency rollback)
STATUSES = ("started", "succeeded", "failed", "blocked", "interrupted", "rolled_back")
FINAL = frozenset(STATUSES) - {"started"}
SCHEMA_VERSION = 1
JSON_FIELDS = ("health", "durations", "gates", "notes")
BUSY_TIMEOUT_MS = 10_000


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    """One deploy or rollback of one service."""

    service: str
    kind: str  # deploy | rollback
    status: str  # one of STATUSES
    version: str
    commit: str  # full sha of the deployed commit ("" when unknown, e.g. an image-only rollback)
    id: int | None = None  # given by the store
    phase: str = ""  # the phase running, or the one it ended in
    author: str = ""  # the commit's author
    actor: str = ""  # who ran the deploy (git user.name, else $USER)
    change_description: str = ""  # commit subjects since the last successful deploy of the service
    compliance_score: float | None = None  # constitutional-compliance overall score, when gated
    risk_level: str | None = None  # rollback-risk level of the change, when known
    health: Mapping[str, Any] = field(default_factory=dict)  # the verification's outcome
    durations: Mapping[str, float] = field(default_factory=dict)  # seconds per phase
    gates: Sequence[Mapping[str, Any]] = ()  # [{gate, verdict, seconds, figure}]
    rollback_from: int | None = None  # the event a rollback undid
    provider: str = ""  # command | apprunner | ecs
    provider_ref: str = ""  # image digest, task definition ARN, operation id ...
    log_path: str = ""
    reason: str = ""  # why: --skip-gates reason, rollback reason
    error: str = ""
    notes: Sequence[str] = ()  # rollback detection, drift, stale locks, platform warnings
    host: str = ""
    pid: int = 0
    started_at: str = ""  # ISO 8601 UTC
    finished_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["gates"] = list(self.gates)
        data["notes"] = list(self.notes)
        return data

    @property
    def seconds(self) -> float | None:
        return round(sum(self.durations.values()), 3) if self.durations else None


COLUMNS = tuple(f.name for f in fields(Event) if f.name != "id")


def _db_column(name: str) -> str:
    return "commit_sha" if name == "commit" else name


def masked(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Every text in these fields (nested ones too) with its secrets masked."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return mask(value)
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return {k: walk(v) for k, v in changes.items()}


class LockBusy(Exception):
    """Another deploy or rollback of the service holds the lock."""


class HistoryError(Exception):
    """The store cannot be opened or written (a message the user can act on)."""


class History(Protocol):
    """What both stores offer. Writers: the deploy protocol; readers: history, dashboard, gates."""

    display: str

    def record(self, event: Event) -> Event: ...
    def update(self, event_id: int, **changes: Any) -> Event: ...
    def get(self, event_id: int) -> Event | None: ...
    def events(
        self, service: str | None = None, *, before: int | None = None, limit: int = 50
    ) -> list[Event]: ...
    def last_succeeded(self, service: str, *, before: int | None = None) -> Event | None: ...
    def services(self) -> list[str]: ...
    def mark_interrupted(self, service: str) -> list[Event]: ...
    def lock(self, service: str, *, wait_s: float = 0.0) -> Any: ...
    def close(self) -> None: ...


# --- SQLite ----------------------------------------------------------------------------------------

_SQLITE_MIGRATIONS = {
    1: """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        service TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
        status TEXT NOT NULL,
        version TEXT NOT NULL,
        commit_sha TEXT NOT NULL DEFAULT '',
        phase TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        actor TEXT NOT NULL DEFAULT '',
        change_description TEXT NOT NULL DEFAULT '',
        compliance_score REAL,
        risk_level TEXT,
        health TEXT NOT NULL DEFAULT '{}',
        durations TEXT NOT NULL DEFAULT '{}',
        gates TEXT NOT NULL DEFAULT '[]',
        rollback_from INTEGER REFERENCES events(id),
        provider TEXT NOT NULL DEFAULT '',
        provider_ref TEXT NOT NULL DEFAULT '',
        log_path TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '[]',
        host TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX events_service_id ON events (service, id);
    """,
}


def _to_row(event: Event) -> dict[str, Any]:
    row = {}
    for name in COLUMNS:
        value = getattr(event, name)
        row[_db_column(name)] = json.dumps(list(value) if isinstance(value, tuple) else value) if (
            name in JSON_FIELDS
        ) else value  # fmt: skip
    return row


def _from_row(row: Mapping[str, Any]) -> Event:
    values: dict[str, Any] = {}
    for f in fields(Event):
        value = row[_db_column(f.name)]
        if f.name in JSON_FIELDS:
            value = json.loads(value) if isinstance(value, str) else value
            if f.name in ("gates", "notes"):
                value = tuple(value or ())
        values[f.name] = value
    return Event(**values)


class SqliteHistory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = str(path)
        self.locks_dir = path.parent / "locks"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open the history store {path}: {exc}") from None

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
        try:
            self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT max(version) FROM schema_version").fetchone()
            have = row[0] or 0
            if have > SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.path} has schema version {have}, newer than this ava-safety knows "
                    f"({SCHEMA_VERSION}); upgrade ava-safety"
                )
            for version in range(have + 1, SCHEMA_VERSION + 1):
                for statement in _SQLITE_MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def record(self, event: Event) -> Event:
        event = replace(event, **masked({k: getattr(event, k) for k in COLUMNS}))
        row = _to_row(event)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = self.db.execute(f"INSERT INTO events ({names}) VALUES ({marks})", tuple(row.values()))
        return replace(event, id=cursor.lastrowid)

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
            f"UPDATE events SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            (*(row[c] for c in cols), event_id),
        )
        return updated

    def get(self, event_id: int) -> Event | None:
        row = self.db.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else _from_row(row)

    def events(
        self, service: str | None = None, *, before: int | None = None, limit: int = 50
    ) -> list[Event]:
        where, args = _where(service, before, "?")
        rows = self.db.execute(
            f"SELECT * FROM events {where} ORDER BY id DESC LIMIT ?", (*args, max(0, int(limit)))
        ).fetchall()
        return [_from_row(r) for r in rows]

    def last_succeeded(self, service: str, *, before: int | None = None) -> Event | None:
        where, args = _where(service, before, "?")
        row = self.db.execute(
            f"SELECT * FROM events {where} AND status = 'succeeded' ORDER BY id DESC LIMIT 1", args
        ).fetchone()
        return None if row is None else _from_row(row)

    def services(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT service FROM events ORDER BY service")]

    def mark_interrupted(self, service: str) -> list[Event]:
        """Events left `started` by a process that died: call with the service's lock held."""
        rows = self.db.execute(
            "SELECT id FROM events WHERE service = ? AND status = 'started' ORDER BY id", (service,)
        ).fetchall()
        return [_interrupt(self, r[0]) for r in rows]

    def lock(self, service: str, *, wait_s: float = 0.0) -> Any:
        return file_lock(self.locks_dir / f"{_safe(service)}.lock", service, wait_s=wait_s)

    def close(self) -> None:
        self.db.close()


def _interrupt(store: History, event_id: int) -> Event:
    event = store.get(event_id)
    assert event is not None
    note = f"interrupted during {event.phase or 'its start'} (process {event.pid} on {event.host} ended)"
    return store.update(event_id, status="interrupted", finished_at=now_iso(), notes=(*event.notes, note))


def _where(service: str | None, before: int | None, mark: str) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = ["1 = 1"]
    args: list[Any] = []
    if service is not None:
        clauses.append(f"service = {mark}")
        args.append(service)
    if before is not None:
        clauses.append(f"id < {mark}")
        args.append(int(before))
    return "WHERE " + " AND ".join(clauses), tuple(args)


def _safe(service: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in service)


# --- the lock --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    since: str

    def describe(self) -> str:
        return f"process {self.pid} on {self.host} since {self.since}"

    @property
    def alive(self) -> bool | None:
        """Whether the holding process still runs; None when it runs on another host."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def me() -> Holder:
    return Holder(os.getpid(), socket.gethostname(), now_iso())


@contextmanager
def file_lock(path: Path, service: str, *, wait_s: float) -> Iterator[list[str]]:
    """An exclusive flock on `path`; the kernel releases it when the process dies however it dies.

    The file holds the holder (pid, host, since) for messages; content left behind means the last
    holder died holding it, which is reported (yielded as a note) and taken over."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    notes: list[str] = []
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    raise LockBusy(_busy_message(service, holder, wait_s)) from None
                time.sleep(0.1)
        previous = _read_holder(fd)
        if previous is not None:
            notes.append(f"stale lock of {previous.describe()} taken over: that process ended holding it")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me())).encode(), 0)
        os.fsync(fd)
        yield notes
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the flock


def _read_holder(fd: int) -> Holder | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
        return Holder(int(data["pid"]), str(data["host"]), str(data["since"])) if data else None
    except (ValueError, KeyError, TypeError, OSError):
        return None


def _busy_message(service: str, holder: Holder | None, wait_s: float) -> str:
    waited = f" (waited {wait_s:g}s)" if wait_s else ""
    if holder is None:
        return f"another deploy or rollback of {service} is running{waited}"
    text = f"another deploy or rollback of {service} is running: {holder.describe()}{waited}"
    if holder.alive is False:
        text += (
            f"; process {holder.pid} is gone but a process it started still holds the lock file open "
            "(stop that process)"
        )
    return text


# --- opening the store -----------------------------------------------------------------------------


def open_history(root: Path, history: str = "sqlite", *, state_dir: Path | None = None) -> History:
    """The store the config names: `sqlite` (under `.git/ava-safety/`) or a postgresql:// URL."""
    if history.startswith(("postgresql://", "postgres://")):
        from .history_pg import PostgresHistory

        return PostgresHistory(history)
    if state_dir is None:
        from .. import _git

        state_dir = _git.state_dir(root)
    return SqliteHistory(state_dir / "history.sqlite3")
