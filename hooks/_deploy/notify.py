"""Webhook notifications on a failed deploy, an automatic rollback and an emergency rollback.

Each message is sent in its own daemon thread as soon as it is known, so a slow or dead webhook
never delays the rollback; `Notifier.finish()` waits for them at the end, bounded by their
timeouts. Slack-compatible (`{"text": ...}`) or a generic JSON body; secrets masked in both.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._config import NotifyConfig
from .._mask import mask, mask_url

ICONS = {
    "failed": ":x:",
    "auto_rollback": ":rewind:",
    "rollback": ":rotating_light:",
    "succeeded": ":rocket:",
}


@dataclass(frozen=True)
class Sent:
    target: str  # the webhook, masked
    ok: bool
    detail: str  # HTTP status or the error


def payload(config: NotifyConfig, event: str, text: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    if config.format == "slack":
        return {"text": mask(f"{ICONS.get(event, '')} {text}".strip())}
    body = {"source": "ava-safety", "event": event, "text": text, **facts}
    return json.loads(mask(json.dumps(body)))


def _post(config: NotifyConfig, body: Mapping[str, Any], out: list[Sent]) -> None:
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        config.webhook, data=data, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "ava-safety"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=config.timeout_s) as response:  # noqa: S310
            out.append(
                Sent(mask_url(config.webhook), 200 <= response.status < 300, f"HTTP {response.status}")
            )
    except Exception as exc:  # noqa: BLE001 - a notification never fails the deploy; the reason is logged
        detail = getattr(exc, "code", None) or getattr(exc, "reason", None) or exc
        out.append(Sent(mask_url(config.webhook), False, mask(str(detail))))


class Notifier:
    def __init__(self, configs: Sequence[NotifyConfig]) -> None:
        self.configs = list(configs)
        self.threads: list[tuple[threading.Thread, float]] = []
        self.sent: list[Sent] = []

    def send(self, event: str, text: str, facts: Mapping[str, Any] | None = None) -> int:
        """Start sending `event` to every webhook that wants it; returns how many were started."""
        count = 0
        for config in self.configs:
            if event not in config.events:
                continue
            body = payload(config, event, text, facts or {})
            thread = threading.Thread(target=_post, args=(config, body, self.sent), daemon=True)
            thread.start()
            self.threads.append((thread, config.timeout_s))
            count += 1
        return count

    def finish(self) -> list[Sent]:
        """Wait for the messages in flight, each at most a little past its own timeout."""
        for thread, timeout in self.threads:
            started = time.monotonic()
            thread.join(timeout + 1.0)
            if thread.is_alive():
                self.sent.append(Sent("?", False, f"no answer within {timeout:g}s"))
            timeout -= time.monotonic() - started
        self.threads.clear()
        return list(self.sent)
