"""The health probe, verification and webhooks against real HTTP servers on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hooks._config import HealthConfig, NotifyConfig
from hooks._deploy.health import probe, same_value, verify
from hooks._deploy.notify import Notifier, payload

Responder = Callable[[BaseHTTPRequestHandler], tuple[int, Any, float]]


class Loopback:
    """An HTTP server on 127.0.0.1 whose answers a test sets; it records what it was sent."""

    def __init__(self) -> None:
        self.respond: Responder = lambda _h: (200, {"status": "ok", "version": "1.2.0"}, 0.0)
        self.received: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                status, body, delay = owner.respond(self)
                time.sleep(delay)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                owner.received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                self._answer()

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (a timeout test) closed the socket: not an error here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.close()


def test_a_passing_probe_reports_status_time_and_version(http: Loopback) -> None:
    result = probe(http.url + "/health", json_fields=[("version", "{version}")], values={"version": "v1.2.0"})
    assert result.ok and result.status == 200 and result.version == "1.2.0" and result.failures == ()
    assert 0 < result.ms < 1000


@pytest.mark.parametrize(
    ("answer", "kwargs", "failure"),
    [
        pytest.param((503, {"status": "down"}, 0.0), {}, "status 503, expected 200", id="status"),
        pytest.param(
            (200, {"version": "1.1.0"}, 0.0),
            {"json_fields": [("version", "1.2.0")]},
            "version is '1.1.0', expected '1.2.0'",
            id="version",
        ),  # fmt: skip
        pytest.param(
            (200, {"checks": {"db": "down"}}, 0.0),
            {"json_fields": [("checks.db", "ok")]},
            "checks.db is 'down', expected 'ok'",
            id="nested-field",
        ),  # fmt: skip
        pytest.param(
            (200, {"a": 1}, 0.0),
            {"json_fields": [("version", "1")]},
            "no field 'version' in the body, expected '1'",
            id="missing-field",
        ),  # fmt: skip
        pytest.param(
            (200, b"<html>ok</html>", 0.0),
            {"json_fields": [("version", "1")]},
            "body is not JSON, expected version = '1'",
            id="not-json",
        ),  # fmt: skip
        pytest.param((200, {}, 0.3), {"max_ms": 100}, "more than 100 ms", id="slow"),
        pytest.param((200, {}, 1.5), {"timeout_s": 0.3}, "no answer within 0.3s", id="timeout"),
    ],
)
def test_a_failing_probe_says_which_condition_failed(
    http: Loopback, answer: tuple[int, Any, float], kwargs: dict[str, Any], failure: str
) -> None:
    http.respond = lambda _h: answer
    result = probe(http.url + "/health", **kwargs)
    assert not result.ok
    assert any(failure in f for f in result.failures), result.failures


def test_nothing_listening_is_connection_refused() -> None:
    from ._postgres import free_port

    result = probe(f"http://127.0.0.1:{free_port()}/health", timeout_s=1)
    assert result.failures == ("connection refused (nothing listens there)",) and result.status is None


@pytest.mark.parametrize(
    ("actual", "expected", "same"),
    [
        pytest.param("1.2.0", "v1.2.0", True, id="leading-v"),
        pytest.param("abcdef1", "abcdef1234567890abcdef1234567890abcdef12", True, id="short-commit"),
        pytest.param(True, "true", True, id="bool"),
        pytest.param("1.2.0", "1.2.1", False, id="other-version"),
        pytest.param("vx", "x", False, id="v-not-before-digit"),
    ],
)
def test_values_compare_as_versions_and_commits(actual: Any, expected: str, same: bool) -> None:
    assert same_value(actual, expected) is same


def test_verify_needs_consecutive_passes(http: Loopback) -> None:
    answers = iter([200, 500, 200, 200, 200])
    http.respond = lambda _h: (next(answers, 200), {"version": "1"}, 0.0)
    seen: list[int] = []
    config = HealthConfig(url=http.url + "/health", passes=3, interval_s=0.01, timeout_s=10)
    result = verify(config, {}, on_probe=lambda _p, streak: seen.append(streak))
    assert result.ok and result.passes == 3 and result.attempts == 5
    assert seen == [1, 0, 1, 2, 3]


def test_verify_gives_up_at_the_time_limit_with_the_last_reason(http: Loopback) -> None:
    http.respond = lambda _h: (500, {}, 0.0)
    started = time.monotonic()
    result = verify(HealthConfig(url=http.url, passes=2, interval_s=0.05, timeout_s=1), {})
    assert not result.ok and 0.9 < time.monotonic() - started < 2.5
    assert result.reason.startswith("status 500, expected 200 (after ")
    assert result.to_dict()["last"]["status"] == 500


def test_webhooks_get_slack_and_json_bodies_with_secrets_masked(http: Loopback) -> None:
    configs = [NotifyConfig(http.url + "/slack"), NotifyConfig(http.url + "/generic", format="json")]
    notifier = Notifier(configs)
    text = "deploy of web failed: cannot reach postgresql://app:hunter22@db/app"
    assert notifier.send("failed", text, {"service": "web", "error": "token=abcdef123456"}) == 2
    sent = notifier.finish()
    assert [s.ok for s in sent] == [True, True]
    bodies = {r["path"]: r["body"] for r in http.received}
    assert bodies["/slack"] == {"text": ":x: deploy of web failed: cannot reach postgresql://app:***@db/app"}
    assert bodies["/generic"]["event"] == "failed" and bodies["/generic"]["service"] == "web"
    assert bodies["/generic"]["error"] == "token=***"
    assert "hunter22" not in json.dumps(bodies)


def test_a_webhook_that_hangs_costs_at_most_its_timeout(http: Loopback) -> None:
    http.respond = lambda _h: (200, {}, 5.0)
    notifier = Notifier([NotifyConfig(http.url + "/slow", timeout_s=0.5)])
    started = time.monotonic()
    notifier.send("rollback", "rolled back")
    assert time.monotonic() - started < 0.2  # sending never waits
    sent = notifier.finish()
    assert time.monotonic() - started < 2.0
    assert sent[0].ok is False and sent[0].target.endswith("/***") is False


def test_events_a_webhook_does_not_want_are_not_sent() -> None:
    notifier = Notifier([NotifyConfig("http://127.0.0.1:9/x", events=("rollback",))])
    assert notifier.send("failed", "x") == 0
    assert payload(NotifyConfig("http://x", format="json"), "rollback", "t", {})["source"] == "ava-safety"
