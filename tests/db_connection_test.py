"""db-connection against a real PostgreSQL on a free loopback port (tests/_postgres.py): success,
wrong password, missing database, missing table, closed port, a port that accepts and never answers;
the password never appears in what the hook prints or records."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._postgres import PostgresServer, free_port
from .conftest import GIT_ENV, make_repo

pytest.importorskip("psycopg")

Farm = tuple[PostgresServer, str, str]  # the server, the role, the database
PASSWORD = "Farm-s3cret-pw"  # long enough that finding it in output means it leaked


@pytest.fixture(scope="module")
def farm(postgres: PostgresServer) -> tuple[PostgresServer, str, str]:
    """A database with a `farmers` table, readable by the role `farmapp`, and a `fields` table it
    cannot read."""
    db = postgres.create_database()
    role = f"farmapp_{db[2:10]}"
    postgres.create_role(role, password=PASSWORD)
    postgres.sql("CREATE TABLE farmers (id serial PRIMARY KEY); CREATE TABLE fields (id serial)", db=db)
    postgres.sql(f'GRANT SELECT ON farmers TO "{role}"', db=db)
    return postgres, role, db


def _repo(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Path:
    return make_repo(tmp_path / "svc", {".ava-safety.yaml": config, **(files or {})})


def _run(repo: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_", "PG"))}
    return subprocess.run(
        [sys.executable, "-m", "hooks.db_connection"],
        cwd=repo, env={**clean, **GIT_ENV, **(env or {})}, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def _result(repo: Path) -> dict[str, object]:
    text = (repo / ".git" / "ava-safety" / "results" / "db-connection.json").read_text("utf-8")
    assert PASSWORD not in text
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def _databases(repo: Path) -> list[dict[str, object]]:
    found = _result(repo)["databases"]
    assert isinstance(found, list)
    return found


def test_a_reachable_database_with_its_tables_passes_with_version_and_latency(
    farm: Farm, tmp_path: Path
) -> None:
    server, role, db = farm
    repo = _repo(
        tmp_path, "database:\n  url_env: DATABASE_URL\n  tables: [farmers]\n  extensions: [plpgsql]\n"
    )
    proc = _run(repo, {"DATABASE_URL": server.url(db, user=role, password=PASSWORD)})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "ok; server " in out and "SELECT 1 in " in out and "farmers" in out
    assert PASSWORD not in out
    (row,) = _databases(repo)
    assert row["name"] == "database" and row["ok"] is True and row["error"] == ""
    assert isinstance(row["latency_ms"], float) and row["latency_ms"] >= 0
    assert row["checked"] == ["farmers", "extension plpgsql"]


def test_db_parts_from_an_env_file_with_the_port_set(farm: Farm, tmp_path: Path) -> None:
    server, role, db = farm
    env_file = (
        f"DB_HOST=127.0.0.1\nDB_PORT={server.port}\nDB_NAME={db}\nDB_USER={role}\nDB_PASSWORD={PASSWORD}\n"
    )
    repo = _repo(
        tmp_path, "database:\n  env_file: service.env\n  tables: [farmers]\n", {"service.env": env_file}
    )
    proc = _run(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"127.0.0.1:{server.port}/{db}" in proc.stdout
    assert PASSWORD not in proc.stdout + proc.stderr


def test_a_wrong_password_blocks_as_authentication_and_is_never_shown(farm: Farm, tmp_path: Path) -> None:
    server, role, db = farm
    wrong = "Wrong-pw-4711x"
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n")
    proc = _run(repo, {"DATABASE_URL": server.url(db, user=role, password=wrong)})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "DB001" in out and "authentication failed" in out
    assert f"check DATABASE_URL: the password of role {role}" in out
    assert wrong not in out
    (row,) = _databases(repo)
    assert row["ok"] is False and row["problem"] == "auth" and wrong not in json.dumps(row)


def test_a_missing_database_says_so_and_what_to_do(farm: Farm, tmp_path: Path) -> None:
    server, role, _ = farm
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n")
    proc = _run(repo, {"DATABASE_URL": server.url("no_such_db", user=role, password=PASSWORD)})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "the database does not exist" in out and "create database no_such_db" in out
    assert PASSWORD not in out


def test_a_missing_table_and_an_unreadable_one_block(farm: Farm, tmp_path: Path) -> None:
    server, role, db = farm
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n  tables: [farmers, harvests]\n")
    proc = _run(repo, {"DATABASE_URL": server.url(db, user=role, password=PASSWORD)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "table harvests does not exist" in proc.stdout
    (row,) = _databases(repo)
    assert row["problem"] == "table"
    repo2 = _repo(tmp_path / "2", "database:\n  url_env: DATABASE_URL\n  tables: [fields]\n")
    proc = _run(repo2, {"DATABASE_URL": server.url(db, user=role, password=PASSWORD)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"role {role} cannot read table fields" in proc.stdout and "GRANT SELECT" in proc.stdout


def test_a_closed_port_is_refused(tmp_path: Path) -> None:
    port = free_port()  # bound and released: nothing listens there
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n  connect_timeout_s: 3\n")
    proc = _run(repo, {"DATABASE_URL": f"postgresql://farm:{PASSWORD}@127.0.0.1:{port}/farm"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "connection refused" in out and "is the server running" in out
    assert PASSWORD not in out


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


@pytest.mark.parametrize("policy", ["fail", "skip"])
def test_a_silent_port_ends_within_the_timeout_and_follows_the_policy(
    silent_port: int, tmp_path: Path, policy: str
) -> None:
    repo = _repo(
        tmp_path, f"database:\n  url_env: DATABASE_URL\n  connect_timeout_s: 2\n  policy: {policy}\n"
    )
    started = time.monotonic()
    proc = _run(repo, {"DATABASE_URL": f"postgresql://farm:{PASSWORD}@127.0.0.1:{silent_port}/farm"})
    elapsed = time.monotonic() - started
    out = proc.stdout + proc.stderr
    assert elapsed < 2 + 2 + 6, f"took {elapsed:.1f}s"  # timeout, grace, Python's start-up on a busy box
    assert PASSWORD not in out
    (row,) = _databases(repo)
    assert row["problem"] == "timeout"
    if policy == "fail":
        assert proc.returncode == 1, out
        assert "a firewall or security group" in out
    else:
        assert proc.returncode == 0, out
        assert "DB004" in out and "skipped, unreachable from here" in out
        assert row["skipped"] is True


def test_a_password_that_breaks_its_url_is_named_without_showing_it(tmp_path: Path) -> None:
    secret = "pa/ss@word#42"
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n")
    proc = _run(repo, {"DATABASE_URL": f"postgresql://farm:{secret}@127.0.0.1:5/farm"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "DB002" in out and "percent-encode" in out
    assert secret not in out and "ss@word" not in out
    assert secret not in (repo / ".git" / "ava-safety" / "results" / "db-connection.json").read_text("utf-8")


def test_nothing_configured_is_clean_and_says_so(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"a.py": "x = 1\n"})
    proc = _run(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing to check" in proc.stdout
    assert _databases(repo) == []


def test_a_name_that_does_not_resolve_says_so(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n  connect_timeout_s: 3\n")
    proc = _run(repo, {"DATABASE_URL": f"postgresql://farm:{PASSWORD}@farm-db.invalid:5432/farm"})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    (row,) = _databases(repo)
    assert row["problem"] in ("dns", "timeout"), row  # .invalid never resolves; a dead resolver times out
    if row["problem"] == "dns":
        assert "the host name does not resolve" in out and "resolves only inside its VPC" in out
    assert PASSWORD not in out


def test_ssl_demanded_of_a_server_without_it_is_named(farm: Farm, tmp_path: Path) -> None:
    server, role, db = farm
    repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n")
    url = server.url(db, user=role, password=PASSWORD) + "?sslmode=require"
    proc = _run(repo, {"DATABASE_URL": url})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    (row,) = _databases(repo)
    assert row["problem"] == "ssl-unsupported" and "sslmode=prefer" in out
    assert PASSWORD not in out


def test_the_dashboard_reads_the_recorded_databases(farm: Farm, tmp_path: Path) -> None:
    from hooks._dashboard.model import database_view

    server, role, db = farm
    config = "database:\n  - name: main\n    url_env: MAIN_URL\n  - name: old\n    url_env: OLD_URL\n"
    repo = _repo(tmp_path, config)
    proc = _run(repo, {"MAIN_URL": server.url(db, user=role, password=PASSWORD),
                       "OLD_URL": server.url("gone_db", user=role, password=PASSWORD)})  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    view = database_view(_result(repo))
    assert view is not None and view["verdict"] == "BLOCKED"
    main, old = view["databases"]
    assert (main["name"], main["ok"], main["error"]) == ("main", True, "")
    assert isinstance(main["latency_ms"], float)
    assert (old["name"], old["ok"]) == ("old", False) and 'database "gone_db" does not exist' in old["error"]


def test_a_server_that_demands_ssl_says_so(tmp_path: Path) -> None:
    """pg_hba with `hostssl` only (as RDS with rds.force_ssl): a connection without SSL is refused."""
    import shutil
    import tempfile

    from ._postgres import SUPERUSER, find_binaries, start_server

    if find_binaries() is None:
        pytest.skip("PostgreSQL server binaries not found")
    base = Path(tempfile.mkdtemp(prefix="ava-pg-ssl-"))
    server = start_server(base)
    try:
        (server.data / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8"
        )
        subprocess.run([*server.run_as, str(server.bindir / "pg_ctl"), "-D", str(server.data), "reload"],
                       capture_output=True, timeout=60, check=True)  # fmt: skip
        time.sleep(0.5)  # the postmaster rereads pg_hba.conf on SIGHUP
        repo = _repo(tmp_path, "database:\n  url_env: DATABASE_URL\n")
        proc = _run(repo, {"DATABASE_URL": server.url(user=SUPERUSER, password=server.password)})
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, out
        (row,) = _databases(repo)
        assert row["problem"] == "ssl-required", row
        assert "SSL required" in out and "add ?sslmode=require to DATABASE_URL" in out
        assert server.password not in out
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
