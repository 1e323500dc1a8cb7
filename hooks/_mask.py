"""The one masker: what a secret looks like in text we print, log or store, and how it is hidden.

Every message the engine renders (findings, internal errors), every log line, history row,
notification and dashboard answer goes through `mask` before it leaves the process. Masked:
passwords in URLs (`postgresql://admin:***@db/app`), `password=`/`token=`/`secret=` style
assignments, Authorization headers, AWS access keys, Slack-style webhook paths and tokens, and the
values of this process's environment variables whose names say they are secret (a deploy script
that echoes $DB_PASSWORD does not leak it).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

_RULES = (
    (re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]*:)[^@/\s'\"]+@"), r"\1***@"),
    (re.compile(r"(?i)\b(authorization:\s*(?:bearer|basic|token)?\s*)\S+"), r"\1***"),
    (
        re.compile(
            # a key (`DB_PASSWORD`, `api_token_file`), not prose that names one ("secrets: untrack it")
            r"(?i)\b([a-z0-9_]*(?:password|passwd|secret|token|api_key|apikey)(?:_[a-z0-9_]*)?\s*[=:]\s*)"
            r"(['\"]?)[^\s'\",;&]{3,}\2"
        ),  # fmt: skip
        r"\1\2***\2",
    ),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "AKIA***"),
    (re.compile(r"(hooks\.slack\.com/services/)[A-Za-z0-9/_-]+"), r"\1***"),
    (re.compile(r"\b(xox[abposr]-)[A-Za-z0-9-]+"), r"\1***"),
)
# a text without any of these cannot hold what _RULES masks: most messages, checked in one pass
_CUES_RX = re.compile(r"://|authorization|passw|secret|token|api_?key|AKIA|ASIA|xox", re.I)
SECRET_NAME_RX = re.compile(r"(?i)(password|passwd|secret|token|api_?key|private_?key|credential)")


@lru_cache(maxsize=1)
def _env_secrets() -> tuple[str, ...]:
    values = {v for k, v in os.environ.items() if SECRET_NAME_RX.search(k) and len(v) >= 6}
    return tuple(sorted(values, key=len, reverse=True))


def mask(text: str) -> str:
    """`text` with every secret it shows replaced by `***`."""
    if not text:
        return text
    for value in _env_secrets():
        if value in text:
            text = text.replace(value, "***")
    if _CUES_RX.search(text) is None:
        return text
    for rx, repl in _RULES:
        text = rx.sub(repl, text)
    return text


def mask_url(url: str) -> str:
    """A webhook or database URL as it may be shown: host kept, credentials and path secrets masked."""
    masked = mask(url)
    m = re.match(r"^([a-z][a-z0-9+.-]*://[^/]+)(/.*)?$", masked, re.I)
    if m and m.group(2) and len(m.group(2)) > 12 and "hooks" in m.group(1):
        return m.group(1) + "/***"  # a webhook URL's path is its secret
    return masked
