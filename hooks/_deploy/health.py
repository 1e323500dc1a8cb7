"""Health verification: is the service up, answering fast enough, and running what was deployed?

`probe(url, ...)` makes one request (always with a timeout) and checks it against the conditions:
status code, JSON body fields (dotted paths such as `checks.database`; `{version}` and the other
placeholders filled in; versions compare without a leading `v`, commits by prefix), and response
time. `verify(health, values)` wants `passes` consecutive passing probes before `timeout_s` runs
out. Both return data; the dashboard and pre-deploy-check call `probe` too.
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._config import HealthConfig

MAX_BODY = 1 << 20
USER_AGENT = "ava-safety-health/1"
_HEX_RX = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class Probe:
    """One request and what it showed."""

    ok: bool
    url: str
    status: int | None = None
    ms: float = 0.0
    failures: tuple[str, ...] = ()  # each condition that failed, in words
    body: Any = None  # the JSON body, when there was one
    version: str | None = None  # the body's `version` field, when it has one

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "status": self.status, "ms": round(self.ms, 1),
                "failures": list(self.failures), "version": self.version}  # fmt: skip


@dataclass(frozen=True)
class Verification:
    ok: bool
    passes: int  # consecutive passes at the end
    needed: int
    attempts: int
    seconds: float
    last: Probe | None
    reason: str = ""  # why it failed, in one line
    probes: tuple[Probe, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        last = self.last.to_dict() if self.last else None
        return {"ok": self.ok, "passes": self.passes, "needed": self.needed, "attempts": self.attempts,
                "seconds": round(self.seconds, 3), "reason": self.reason, "last": last}  # fmt: skip


def fill(template: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def same_value(actual: Any, expected: str) -> bool:
    """The body's value against the expected text: versions without a leading `v`, commits by prefix."""
    if isinstance(actual, bool):
        text = "true" if actual else "false"
    elif actual is None:
        text = "null"
    else:
        text = str(actual)
    if text == expected:
        return True
    if _strip_v(text) == _strip_v(expected):
        return True
    a, e = text.lower(), expected.lower()
    return bool(_HEX_RX.match(a) and _HEX_RX.match(e) and (a.startswith(e) or e.startswith(a)))


def _strip_v(text: str) -> str:
    return text[1:] if len(text) > 1 and text[0] in "vV" and text[1].isdigit() else text


def _field(body: Any, path: str) -> tuple[bool, Any]:
    node = body
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def probe(
    url: str,
    *,
    status: int = 200,
    json_fields: Sequence[tuple[str, str]] = (),
    max_ms: float | None = None,
    timeout_s: float = 5.0,
    values: Mapping[str, str] | None = None,
) -> Probe:
    """One GET of `url` (with a timeout), checked against the conditions given."""
    values = values or {}
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    started = time.perf_counter()
    code: int | None = None
    raw = b""
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - http(s) only
            code = response.status
            raw = response.read(MAX_BODY)
    except urllib.error.HTTPError as exc:
        code = exc.code
        try:
            raw = exc.read(MAX_BODY)
        except OSError:
            raw = b""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        ms = (time.perf_counter() - started) * 1000
        return Probe(False, url, None, ms, (_network_reason(exc, timeout_s),))
    ms = (time.perf_counter() - started) * 1000
    failures = []
    if code != status:
        failures.append(f"status {code}, expected {status}")
    body: Any = None
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        body = None
    for path, template in json_fields:
        expected = fill(template, values)
        found, actual = _field(body, path)
        if body is None:
            failures.append(f"body is not JSON, expected {path} = {expected!r}")
            break
        if not found:
            failures.append(f"no field {path!r} in the body, expected {expected!r}")
        elif not same_value(actual, expected):
            failures.append(f"{path} is {str(actual)[:80]!r}, expected {expected!r}")
    if max_ms is not None and ms > max_ms:
        failures.append(f"answered in {ms:.0f} ms, more than {max_ms:g} ms")
    version = body.get("version") if isinstance(body, Mapping) else None
    return Probe(
        not failures, url, code, ms, tuple(failures), body, None if version is None else str(version)
    )


def _network_reason(exc: BaseException, timeout_s: float) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in str(reason):
        return f"no answer within {timeout_s:.2g}s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    if isinstance(reason, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(exc, ValueError):
        return f"bad URL: {exc}"
    return f"request failed: {reason}"


def probe_config(health: HealthConfig, values: Mapping[str, str] | None = None) -> Probe:
    return probe(
        health.url,
        status=health.status,
        json_fields=health.json,
        max_ms=health.max_ms,
        timeout_s=min(health.request_timeout_s, health.timeout_s),
        values=values,
    )


def verify(
    health: HealthConfig,
    values: Mapping[str, str],
    *,
    on_probe: Callable[[Probe, int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Verification:
    """`health.passes` consecutive passes within `health.timeout_s`, probing every `interval_s`."""
    started = clock()
    deadline = started + health.timeout_s
    streak = attempts = 0
    probes: list[Probe] = []
    last: Probe | None = None
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            break
        last = probe(
            health.url,
            status=health.status,
            json_fields=health.json,
            max_ms=health.max_ms,
            timeout_s=max(0.05, min(health.request_timeout_s, remaining)),
            values=values,
        )
        attempts += 1
        probes.append(last)
        streak = streak + 1 if last.ok else 0
        if on_probe is not None:
            on_probe(last, streak)
        if streak >= health.passes:
            seconds = clock() - started
            return Verification(
                True, streak, health.passes, attempts, seconds, last, probes=tuple(probes[-20:])
            )
        pause = min(health.interval_s, deadline - clock())
        if pause > 0:
            sleep(pause)
    answered = [p for p in probes if p.status is not None and not p.ok]
    telling = answered[-1] if answered and (last is None or last.status is None) else last
    if telling is None:
        reason = "no time to probe"
    elif telling.ok:
        reason = f"only {streak} of {health.passes} consecutive passes within {health.timeout_s:g}s"
    else:  # the last answer says more than a request the time limit cut short
        reason = "; ".join(telling.failures)
    reason = f"{reason} (after {attempts} checks in {health.timeout_s:g}s)"
    seconds = clock() - started
    return Verification(False, streak, health.passes, attempts, seconds, last, reason, tuple(probes[-20:]))
