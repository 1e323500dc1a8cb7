"""The history store: SQLite and a real PostgreSQL server, one interface, one set of tests."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hooks._deploy.history import (
    Event,
    History,
    HistoryError,
    LockBusy,
    SqliteHistory,
    open_history,
)

from ._postgres import PostgresServer


def _event(service: str = "web", version: str = "v1", status: str = "started", **kw: object) -> Event:
    return Event(service=service, kind=str(kw.pop("kind", "deploy")), status=status, version=version,
                 commit="a" * 40, started_at="2026-01-01T00:00:00.000Z", **kw)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    if request.param == "sqlite":
        opened: History = SqliteHistory(tmp_path / "history.sqlite3")
        yield opened
        opened.close()
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    db = server.create_database()
    with server.env():
        opened = open_history(tmp_path, server.url(db))
        yield opened
        opened.close()


def test_records_updates_and_reads_newest_first_with_paging(store: History) -> None:
    first = store.record(_event(version="v1"))
    second = store.record(
        _event(version="v2", health={"ok": True}, gates=({"gate": "x", "verdict": "pass"},))
    )
    store.record(_event(service="api", version="v9"))
    assert first.id is not None and second.id is not None and second.id > first.id
    done = store.update(first.id, status="succeeded", durations={"provider": 1.5, "health": 0.25},
                        finished_at="2026-01-01T00:00:02.000Z")  # fmt: skip
    assert done.seconds == 1.75
    assert [e.version for e in store.events("web")] == ["v2", "v1"]
    assert [e.version for e in store.events("web", before=second.id)] == ["v1"]
    assert [e.version for e in store.events(limit=1)] == ["v9"]
    assert store.last_succeeded("web") == done
    assert store.last_succeeded("web", before=first.id) is None
    assert store.services() == ["api", "web"]
    again = store.get(second.id)
    assert (
        again is not None
        and again.health == {"ok": True}
        and again.gates == ({"gate": "x", "verdict": "pass"},)
    )
    assert json.loads(json.dumps(again.to_dict()))["gates"] == [{"gate": "x", "verdict": "pass"}]
    assert store.get(999999) is None


def test_secrets_are_masked_before_they_are_written(store: History) -> None:
    event = store.record(
        _event(error="connect postgresql://admin:hunter22@db/app failed", notes=("token=abcdef123456",))
    )
    assert event.id is not None
    updated = store.update(event.id, change_description="set DB_PASSWORD=s3cr3t-value in the console")
    stored = store.get(event.id)
    assert stored == updated
    assert stored.error == "connect postgresql://admin:***@db/app failed"
    assert stored.notes == ("token=***",)
    assert stored.change_description == "set DB_PASSWORD=*** in the console"


def test_started_events_of_a_dead_process_become_interrupted(store: History) -> None:
    left = store.record(_event(phase="health", pid=4242, host="ci-7"))
    other = store.record(_event(service="api", phase="gates"))
    found = store.mark_interrupted("web")
    assert [e.id for e in found] == [left.id]
    assert found[0].status == "interrupted" and found[0].finished_at
    assert found[0].notes[-1] == "interrupted during health (process 4242 on ci-7 ended)"
    assert store.get(other.id or 0).status == "started"  # type: ignore[union-attr]


def test_the_lock_of_a_service_is_exclusive_and_per_service(store: History, tmp_path: Path) -> None:
    with store.lock("web") as notes:
        assert notes == []
        other = _second(store, tmp_path)
        try:
            with pytest.raises(
                LockBusy, match=r"another deploy or rollback of web is running: process \d+ on "
            ):
                with other.lock("web"):
                    pass
            with other.lock("api"):
                pass
        finally:
            other.close()
    with store.lock("web"):
        pass  # released


def _second(store: History, tmp_path: Path) -> History:
    if isinstance(store, SqliteHistory):
        return SqliteHistory(store.path)
    from hooks._deploy.history_pg import PostgresHistory

    assert isinstance(store, PostgresHistory)
    return PostgresHistory(store.url)


def _hold_and_die(path: str, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    lock = SqliteHistory(Path(path)).lock("web").__enter__()
    del lock
    ready.set()
    os._exit(0)  # dies holding it: no release, no cleanup


def test_a_stale_lock_of_a_dead_process_is_reported_and_taken_over(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_and_die, args=(str(tmp_path / "h.sqlite3"), ready))
    proc.start()
    proc.join(30)
    assert ready.is_set()
    store = SqliteHistory(tmp_path / "h.sqlite3")
    with store.lock("web") as notes:
        assert len(notes) == 1
        assert notes[0].startswith(f"stale lock of process {proc.pid} on ")
        assert notes[0].endswith("taken over: that process ended holding it")
    store.close()


def test_the_schema_is_created_once_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    SqliteHistory(path).close()
    SqliteHistory(path).close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.execute("INSERT INTO schema_version VALUES (7)")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="has schema version 7, newer than this ava-safety knows"):
        SqliteHistory(path)


def test_an_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    from ._postgres import free_port

    with pytest.raises(HistoryError) as caught:
        open_history(tmp_path, f"postgresql://deploy:pw@127.0.0.1:{free_port()}/ops")
    assert str(caught.value).startswith("cannot open the history store postgresql://deploy:***@127.0.0.1:")
    assert "pw@" not in str(caught.value)


def test_postgres_schema_is_migrated_once_and_shared(postgres: PostgresServer, tmp_path: Path) -> None:
    db = postgres.create_database()
    with postgres.env():
        a = open_history(tmp_path, postgres.url(db))
        b = open_history(tmp_path, postgres.url(db))
        a.record(_event())
        assert [e.version for e in b.events()] == ["v1"]
        a.close()
        b.close()
    assert postgres.sql("SELECT version FROM ava_safety_schema_version", db=db).split() == ["1"]
