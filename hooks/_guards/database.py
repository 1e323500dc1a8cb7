"""db-connection: can this machine reach the databases the service needs, as the service would?

Settings are read the way the service reads them: a URL variable (`DATABASE_URL`) or the parts
(`DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`, `DB_PASSWORD`; names configurable), from the process
environment or a named env file (the environment wins, as python-dotenv does); a part that is set
wins over libpq's default. The check connects with a connect timeout, runs `SELECT 1`, reports the
server version and the latency, and checks the configured tables (that they exist and the role can
read them) and extensions.

A failure is classified, with an actionable hint each: the name does not resolve, the connection is
refused, no answer (a private network or a security group), authentication failed, the database
does not exist, SSL required, a password whose characters break the URL. A database unreachable
from here follows its `policy` (`skip`: said, and passes). It never hangs: the connection runs
under the connect timeout and, around it, a hard deadline (a port that accepts and never answers
ends within it). The password never appears in any text: every message is scrubbed of it and masked.

psycopg 3 is the `postgres` extra, imported only when a connection is made.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from .._config import DatabaseConfig
from .._deployment.files import parse_dotenv
from .._mask import mask
from .._read import MAX_FILE_SIZE, Unread, read_file
from .hits import Hit

UNREACHABLE = frozenset({"dns", "refused", "timeout", "network"})  # what `policy: skip` forgives
GRACE_S = 2.0  # the hard deadline beyond the connect timeout (DNS lookups are not under libpq's)
_URL_RX = re.compile(r"^(?P<scheme>postgres(?:ql)?)://(?P<rest>.*)$", re.S)
_PCT_RX = re.compile(r"%(?![0-9A-Fa-f]{2})")


class DriverMissing(Exception):
    """psycopg is not installed: a usage problem (exit 2), not a verdict on the database."""


@dataclass(frozen=True)
class Settings:
    """Where the database is, as the service would read it. `password` never leaves this object."""

    name: str
    host: str = ""
    port: str = ""
    dbname: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    url: str = field(default="", repr=False)  # the URL as given (holds the password)
    source: str = ""  # "DATABASE_URL from the environment", "DB_* from .env"
    path: str = ""  # the file and line the settings are written in (for the finding)
    line: int = 1
    problem: str = ""  # a class from the table below, when the settings themselves are wrong
    detail: str = ""

    @property
    def target(self) -> str:
        where = f"{self.host or 'localhost'}:{self.port or '5432'}"
        return f"{where}/{self.dbname}" if self.dbname else where


@dataclass(frozen=True)
class DbResult:
    name: str
    ok: bool
    problem: str = ""  # "" | dns | refused | timeout | network | auth | no-password | role | no-database |
    #                    ssl-required | ssl-unsupported | url-password | settings | table | privilege |
    #                    extension | other
    message: str = ""  # masked
    hint: str = ""
    latency_ms: float | None = None  # SELECT 1, round trip
    connect_ms: float | None = None
    server_version: str = ""
    target: str = ""  # host:port/db, no credentials
    skipped: bool = False  # unreachable from here, and the policy says skip
    path: str = ""
    line: int = 1
    checked: tuple[str, ...] = ()  # tables and extensions found

    @property
    def unreachable(self) -> bool:
        return self.problem in UNREACHABLE

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "ok": self.ok, "latency_ms": self.latency_ms, "connect_ms": self.connect_ms,
            "error": self.message if not self.ok else "", "problem": self.problem, "hint": self.hint,
            "server_version": self.server_version, "target": self.target, "skipped": self.skipped,
            "checked": list(self.checked),
        }  # fmt: skip


# --- settings ---------------------------------------------------------------------------------------


def read_env_file(root: Path, path: str) -> dict[str, tuple[str, int]] | None:
    """name -> (value, line) of a dotenv file (the one dotenv reader, the file read by the one file
    reader: never a FIFO, never a link out of the repository); None when it cannot be read."""
    raw = read_file(root / path, MAX_FILE_SIZE, inside=Path(os.path.realpath(root)), resolve_dirs=True)
    if isinstance(raw, Unread):
        return None
    text = raw.decode("utf-8", errors="replace")
    return {name: (value, line) for line, name, value in parse_dotenv(text)}


def settings_of(
    database: DatabaseConfig, root: Path, *, environ: Mapping[str, str] | None = None, config_path: str = ""
) -> Settings:
    env = os.environ if environ is None else environ
    file_values: dict[str, tuple[str, int]] = {}
    origin = "the environment"
    if database.env_file:
        found = read_env_file(root, database.env_file)
        if (
            found is None
            and not any(database.part(k) in env for k in ("host",))
            and database.url_env not in env
        ):
            return Settings(database.name, path=config_path, line=database.line, problem="settings",
                            detail=f"the env file {database.env_file} does not exist")  # fmt: skip
        file_values = found or {}
        origin = database.env_file

    def get(name: str) -> tuple[str, str, int]:
        """(value, where it came from, line); the environment wins over the file."""
        if not name:
            return "", "", 0
        if name in env:
            return env[name], "the environment", 0
        if name in file_values:
            value, line = file_values[name]
            return value, database.env_file or "", line
        return "", "", 0

    url, url_from, url_line = get(database.url_env)
    if url:
        in_env = url_from == "the environment"
        where, line = (config_path, database.line) if in_env else (url_from, url_line)
        return _from_url(database, url, f"{database.url_env} from {url_from}", where, line)
    host, host_from, host_line = get(database.part("host"))
    if not host:
        wanted = " nor ".join(n for n in (database.url_env, database.part("host")) if n)
        return Settings(database.name, path=config_path or database.env_file or "", line=database.line,
                        problem="settings", detail=f"neither {wanted} is set in {origin}")  # fmt: skip
    values = {key: get(database.part(key))[0] for key in ("port", "name", "user", "password")}
    where = host_from if host_from != "the environment" else config_path
    return Settings(
        database.name, host=host, port=values["port"], dbname=values["name"], user=values["user"],
        password=values["password"], source=f"DB_* parts from {host_from}", path=where,
        line=host_line or database.line,
    )  # fmt: skip


def _from_url(database: DatabaseConfig, url: str, source: str, path: str, line: int) -> Settings:
    m = _URL_RX.match(url.strip())
    if m is None:
        return Settings(database.name, url=url, source=source, path=path, line=line, problem="settings",
                        detail=f"{database.url_env} is not a postgresql:// URL")  # fmt: skip
    rest = m.group("rest")
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        userinfo, hostpart = "", rest
    user, _, password = userinfo.partition(":")
    bad = sorted({c for c in password if c in "/?#@[]"} | ({"%"} if _PCT_RX.search(password) else set()))
    if bad or "@" in user or "/" in user:
        shown = " ".join(repr(c) for c in bad) or "'@'"
        return Settings(database.name, user=unquote(user), url=url, password=unquote(password), source=source,
                        path=path, line=line, problem="url-password",
                        detail=f"the password in {database.url_env} holds {shown} unencoded")  # fmt: skip
    location, _, query = hostpart.partition("?")
    hostport, _, dbname = location.partition("/")
    host, port = hostport, ""
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]")
        port = port.lstrip(":")
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    return Settings(database.name, host=unquote(host), port=port, dbname=unquote(dbname), user=unquote(user),
                    password=unquote(password), url=url, source=source, path=path, line=line)  # fmt: skip


# --- checking ---------------------------------------------------------------------------------------


def scrub(text: str, settings: Settings) -> str:
    """A text with the password (raw and encoded) gone, then masked as every output is."""
    for secret in {settings.password, quote(settings.password, safe=""), quote(settings.password)}:
        if len(secret) >= 4:  # a shorter one matches inside words: nothing it could reveal
            text = text.replace(secret, "***")
    return mask(text)


def _conninfo(settings: Settings, timeout_s: float) -> dict[str, Any]:
    params: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(timeout_s)),  # libpq's least
        "application_name": "ava-safety db-connection",
    }
    if settings.url:
        params["conninfo"] = settings.url
    else:
        params.update({k: v for k, v in (("host", settings.host), ("port", settings.port),
                                         ("dbname", settings.dbname), ("user", settings.user),
                                         ("password", settings.password)) if v})  # fmt: skip
    return params


def check(database: DatabaseConfig, settings: Settings) -> DbResult:
    """Connect, SELECT 1, the tables and extensions; a DbResult whatever happens (DriverMissing aside)."""
    base: dict[str, Any] = {"name": database.name, "path": settings.path, "line": settings.line,
                            "target": settings.target}  # fmt: skip
    if settings.problem:
        return _failed(database, settings, settings.problem, settings.detail, base)
    try:
        import psycopg
    except ImportError:
        raise DriverMissing("db-connection needs psycopg 3: pip install 'ava-safety[postgres]'") from None
    box: dict[str, Any] = {}
    params = _conninfo(settings, database.connect_timeout_s)
    conninfo = params.pop("conninfo", "")

    def connect() -> None:
        started = time.perf_counter()
        try:
            conn = psycopg.connect(conninfo, autocommit=True, **params)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
            return
        box["connect_ms"] = (time.perf_counter() - started) * 1000
        try:
            box["conn"] = conn
            _inspect(conn, database, box)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
        finally:
            conn.close()
            box["closed"] = True

    worker = threading.Thread(target=connect, name="db-connection", daemon=True)
    worker.start()
    worker.join(database.connect_timeout_s + GRACE_S)
    if worker.is_alive():  # a name lookup or a server that never answers: given up, not waited for
        detail = f"no answer from {settings.target} within {database.connect_timeout_s:g}s"
        return _failed(database, settings, "timeout", detail, base)
    error = box.get("error")
    if error is not None:
        problem, detail = classify(error)
        return _failed(database, settings, problem, detail, base, missing=box.get("missing"))
    missing = box.get("missing") or []
    if missing:
        problem, detail = missing[0]
        return _failed(database, settings, problem, detail, base, extra={
            "connect_ms": box.get("connect_ms"), "latency_ms": box.get("latency_ms"),
            "server_version": box.get("version", "")})  # fmt: skip
    return DbResult(
        ok=True, latency_ms=_round(box.get("latency_ms")), connect_ms=_round(box.get("connect_ms")),
        server_version=box.get("version", ""), checked=tuple(box.get("checked", ())), **base,
    )  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _inspect(conn: Any, database: DatabaseConfig, box: dict[str, Any]) -> None:
    started = time.perf_counter()
    conn.execute("SELECT 1").fetchone()
    box["latency_ms"] = (time.perf_counter() - started) * 1000
    number = int(conn.info.server_version)
    box["version"] = (
        f"{number // 10000}.{number % 10000}"
        if number >= 100000
        else f"{number // 10000}.{number // 100 % 100}"
    )
    missing: list[tuple[str, str]] = []
    checked: list[str] = []
    for table in database.tables:
        found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]
        if not found:
            missing.append(("table", f"table {table} does not exist in {conn.info.dbname}"))
            continue
        readable = conn.execute("SELECT has_table_privilege(%s, 'SELECT')", (table,)).fetchone()[0]
        if not readable:
            missing.append(("privilege", f"role {conn.info.user} cannot read table {table}"))
            continue
        checked.append(table)
    if database.extensions:
        rows = conn.execute(
            "SELECT extname FROM pg_extension WHERE extname = ANY(%s)", (list(database.extensions),)
        )
        have = {r[0] for r in rows.fetchall()}
        for extension in database.extensions:
            if extension in have:
                checked.append(f"extension {extension}")
            else:
                missing.append(("extension", f"extension {extension} is not installed in {conn.info.dbname}"))
    box["missing"] = missing
    box["checked"] = checked


def classify(error: BaseException) -> tuple[str, str]:
    """(problem class, one-line detail) of a connection error."""
    text = " ".join(str(error).split()) or type(error).__name__
    low = text.lower()
    name = type(error).__name__
    if re.search(r'role "[^"]*" does not exist', low):
        return "role", text
    if re.search(r'database "[^"]*" does not exist', low):
        return "no-database", text
    rules = (
        ("dns", ("could not translate host name", "name or service not known", "nodename nor servname",
                 "temporary failure in name resolution", "no address associated", "failed to resolve host")),
        ("refused", ("connection refused",)),
        ("network", ("network is unreachable", "no route to host")),
        ("timeout", ("timeout expired", "connection timeout", "timed out")),
        ("no-password", ("no password supplied",)),
        ("auth", ("password authentication failed", "authentication failed")),
        ("ssl-unsupported", ("server does not support ssl",)),
        ("ssl-required", ("no pg_hba.conf entry", "ssl off", "no encryption", "ssl required")),
    )  # fmt: skip
    for problem, words in rules:
        if any(w in low for w in words):
            return problem, text
    if name in ("ConnectionTimeout", "TimeoutError"):
        return "timeout", text
    if name == "gaierror":
        return "dns", text
    return "other", text


def hint(problem: str, database: DatabaseConfig, settings: Settings) -> str:
    """What to do, in one short line (the rule's message keeps each value under 80 characters)."""
    url = database.url_env or "the URL"

    def part(key: str) -> str:  # the variable that holds it: the URL when the settings came from one
        return url if settings.url else database.part(key) or url

    user = settings.user or "(default)"
    own = database.part("password") or "DB_PASSWORD"
    hints = {
        "dns": f"check {part('host')}; a private endpoint resolves only inside its VPC",
        "refused": f"is the server running, and the port ({part('port')}) right? a tunnel down?",
        "timeout": "a firewall or security group drops this machine (a private database?)",
        "network": "this machine has no route there (a private network?)",
        "auth": f"check {part('password')}: the password of role {user}",
        "no-password": f"set {part('password')}, PGPASSWORD or ~/.pgpass",
        "role": f"check {part('user')}: role {user} does not exist on the server",
        "no-database": f"check {part('name')}, or create database {settings.dbname or '(default)'}",
        "ssl-required": f"add ?sslmode=require to {url}",
        "ssl-unsupported": f"the server offers no SSL: use sslmode=prefer in {url}",
        "url-password": f"percent-encode it (quote(pw, safe='')) or use {own}",
        "settings": f"set {url} or {database.part('host') or 'DB_HOST'} and the other parts",
        "table": "run the migrations, or correct the table under database: tables",
        "privilege": f"GRANT SELECT ON it TO {user}",
        "extension": "CREATE EXTENSION it (a superuser, on RDS rds_superuser)",
        "other": "see the error",
    }  # fmt: skip
    return hints.get(problem, hints["other"])


_LIBPQ_NOISE = (
    re.compile(r"^connection failed:\s*"),
    re.compile(r'^connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed:\s*'),
    re.compile(r"Is the server running on that host and accepting TCP/IP connections\?"),
)


def short(detail: str) -> str:
    """libpq's message without what the finding says already (the target, the usual question)."""
    for rx in _LIBPQ_NOISE:
        detail = rx.sub("", detail)
    return detail.strip() or "failed"


def _failed(
    database: DatabaseConfig,
    settings: Settings,
    problem: str,
    detail: str,
    base: dict[str, Any],
    *,
    missing: Any = None,
    extra: dict[str, Any] | None = None,
) -> DbResult:
    skipped = problem in UNREACHABLE and database.policy == "skip"
    values = dict(extra or {})
    for key in ("connect_ms", "latency_ms"):
        values[key] = _round(values.get(key))
    return DbResult(
        ok=False, problem=problem, message=scrub(short(detail), settings),
        hint=scrub(hint(problem, database, settings), settings), skipped=skipped, **base, **values,
    )  # fmt: skip


def hits(results: list[DbResult], databases: list[DatabaseConfig], config_path: str) -> list[Hit]:
    """DB002 a password that breaks the URL, DB003 no settings, DB004 skipped by policy, DB001 every
    other failure; each at the config line that declares the database."""
    lines = {d.name: d.line for d in databases}
    out = []
    for result in results:
        if result.ok:
            continue
        rule = {"url-password": "DB002", "settings": "DB003"}.get(result.problem, "DB001")
        if result.skipped:
            rule = "DB004"
        values = {"database": result.name, "target": result.target or "-", "problem": PROBLEMS.get(
            result.problem, result.problem), "detail": result.message, "hint": result.hint}  # fmt: skip
        out.append(Hit(rule, config_path, lines.get(result.name, 1), 1, values))
    return out


PROBLEMS = {
    "dns": "the host name does not resolve", "refused": "connection refused", "timeout": "no answer",
    "network": "no network route", "auth": "authentication failed", "no-password": "no password",
    "role": "no such role", "no-database": "the database does not exist", "ssl-required": "SSL required",
    "ssl-unsupported": "SSL not offered", "url-password": "the password breaks the URL",
    "settings": "no settings", "table": "a table is missing", "privilege": "a table cannot be read",
    "extension": "an extension is missing", "other": "the connection failed",
}  # fmt: skip
