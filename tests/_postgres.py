"""A real PostgreSQL server for the tests: initdb in a temp dir, a free loopback port, stopped at exit.

Use the `postgres` fixture (session-scoped; one server per pytest-xdist worker):

    def test_x(postgres: PostgresServer) -> None:
        db = postgres.create_database()                 # a fresh database, owned by the superuser
        url = postgres.url(db)                          # postgresql://postgres@127.0.0.1:PORT/db
        with postgres.env():                            # PGPASSWORD set for libpq (and psycopg)
            ...
        postgres.create_role("app", password="s3cret")  # a login role
        postgres.url(db, user="app", password="s3cret") # a URL with the password written in
        postgres.sql("SELECT 1", db=db)                 # run SQL as the superuser

TCP connections need a password (scram-sha-256), so wrong-password tests mean something. The
server runs as a non-root user (initdb refuses root): the current user, or `postgres` (else `nobody`)
through runuser when the tests run as root. Skips only when the binaries are missing on a developer's
machine; under CI (CI=true) a missing server fails, since .ci/run installs Debian's postgresql.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

SUPERUSER = "postgres"


def find_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: PATH, else Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    data: Path
    port: int
    password: str
    run_as: list[str]
    host: str = "127.0.0.1"

    def url(self, db: str = "postgres", *, user: str = SUPERUSER, password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{quote(password, safe='')}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{db}"

    @contextlib.contextmanager
    def env(self, password: str | None = None) -> Iterator[None]:
        old = os.environ.get("PGPASSWORD")
        os.environ["PGPASSWORD"] = self.password if password is None else password
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("PGPASSWORD", None)
            else:
                os.environ["PGPASSWORD"] = old

    def sql(self, statement: str, *, db: str = "postgres") -> str:
        """Run SQL as the superuser with psql; returns its unaligned output."""
        psql = self.bindir / "psql"
        program = str(psql) if psql.exists() else "psql"
        env = {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "5"}
        proc = subprocess.run(
            [program, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port),
             "-U", SUPERUSER, "-d", db, "-c", statement],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout

    def create_database(self, name: str | None = None, *, owner: str = SUPERUSER) -> str:
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return name

    def create_role(self, name: str, *, password: str | None = None, login: bool = True) -> str:
        pw = "" if password is None else " PASSWORD '" + password.replace("'", "''") + "'"
        self.sql(f'CREATE ROLE "{name}" {"LOGIN" if login else "NOLOGIN"}{pw}')
        return name

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip


def _run_as() -> tuple[list[str], int | None, int | None]:
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


def start_server(base: Path) -> PostgresServer:
    bindir = find_binaries()
    if bindir is None:
        raise FileNotFoundError("initdb/pg_ctl")
    run_as, uid, gid = _run_as()
    data = base / "data"
    data.mkdir()
    os.chmod(base, 0o755)
    password = secrets.token_urlsafe(16)
    pwfile = base / "pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if uid is not None:
        for path in (base, data, pwfile):  # the server writes its log and socket into base
            os.chown(path, uid, gid if gid is not None else -1)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    init = subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    pwfile.unlink()
    last = ""
    for _attempt in range(5):  # a free port can be taken between choosing it and binding it
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{base}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
            "-c shared_buffers=16MB"
        )
        proc = subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "server.log"),
             "-w", "-t", "60", "start"],
            env=env, capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
        if proc.returncode == 0:
            return PostgresServer(bindir, data, port, password, run_as)
        last = (
            (base / "server.log").read_text(errors="replace")[-2000:]
            if (base / "server.log").exists()
            else ""
        )
        time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL did not start: {last}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test session (one per xdist worker), stopped at the end."""
    if find_binaries() is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run installs it; under CI this must not skip)")
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="ava-pg-"))
    server = start_server(base)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
