"""The one masker: what a secret looks like in text we print, log or store, and how it is hidden.

Every message the engine renders (findings, internal errors), every log line, history row,
notification and dashboard answer goes through `mask` before it leaves the process. Masked:

- passwords in URLs, up to the LAST `@` before the host, whatever they hold (`@`, `/`, `#`, `?`,
  `:`, a space, a quote): `postgresql://admin:***@db/app`;
- values of keys that name a secret (`password=`, `DB_PASSWORD: `, `"api_key": "…"`,
  `ssl_keyfile_password="…"`, `PWD=…;` in a DSN, `-H 'X-Api-Key: …'`), a quoted value to its
  closing quote, spaces and all;
- Authorization headers and bearer tokens;
- tokens recognisable by their shape: AWS access key ids, GitHub, Slack, Stripe, OpenAI-style `sk-`
  keys, Google API keys, JWTs, Slack webhook paths, private key blocks;
- the values of this process's environment variables whose names say they are secret (a deploy
  script that echoes $DB_PASSWORD does not leak it).

Masking errs towards hiding: a URL with a port and a later `@` in the same line loses the text
between them. Every pattern is linear in the text (tests/regex_audit_test.py, tests/mask_test.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

# what can name a secret in a key; `pwd`/`pass` only as a whole part (`PWD=`, `DB_PASS`), not `cwd`
_SECRET_WORDS = (
    r"passw(?:or)?d|passphrase|(?<![a-z])(?:pwd|pass)(?![a-z])|secret|token|api[_-]?key|apikey"
    r"|private[_-]?key|access[_-]?key|credential|auth[_-]?key"
)
_K = r"[A-Za-z0-9_.-]"


def _secret_key(then: str) -> str:
    """A key that ends with a secret word or goes on after one with a separator (`api_token_file`,
    not `secrets: untrack it`), followed by `then`; the bounded repeats keep it linear in a long
    run of key characters (one start per run, at most 64 characters tried after each word)."""
    return rf"(?<!{_K})(?={_K}{{0,64}}?(?:{_SECRET_WORDS})(?:[_.-]{_K}{{0,64}})?{then}){_K}+"


_KEY_END = r"['\"]?[ \t]*[=:]"
_NAME_END = r"['\"]?[ \t]*,"
# a quoted value to its closing quote, spaces and all, or a bare value (not a `$VAR` reference)
_VALUE = r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?!\*\*\*|\$)(?P<bare>[^\s'\",;&)}\]]{3,}))"


def _hide_value(m: re.Match[str]) -> str:
    quote = '"' if m.group("dq") is not None else "'" if m.group("sq") is not None else ""
    return f"{m.group('key')}{quote}***{quote}"


_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # a URL's password: from `user:` to the last `@` (a host follows it) within 256 characters
    (
        re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]*:)(?!\*\*\*@).{1,256}@(?=[^\s'\"]|$)"),
        r"\1***@",
    ),
    (re.compile(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[^-]*"), "-----BEGIN PRIVATE KEY-----***"),
    # Authorization: a scheme word kept, the credentials masked (quoted JSON key or a header line)
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization['\"]?[ \t]*[:=][ \t]*['\"]?"
            r"(?:(?:bearer|basic|token|digest|negotiate|bot)[ \t]+)?)[^\s'\",;]+"
        ),
        r"\1***",
    ),
    (re.compile(r"(?i)\b(bearer[ \t]+)[A-Za-z0-9._~+/=-]{8,}"), r"\1***"),
    # `"name": "DB_PASSWORD", "value": "…"` (ECS task definitions, App Runner env in flow style)
    (
        re.compile(
            rf"(?i)(?P<key>\bname['\"]?[ \t]*[:=][ \t]*['\"]?{_secret_key(_NAME_END)}['\"]?[ \t]*,[ \t]*"
            rf"['\"]?value['\"]?[ \t]*[:=][ \t]*){_VALUE}"
        ),
        _hide_value,
    ),
    # a key naming a secret, `=` or `:`, then the value
    (re.compile(rf"(?i)(?P<key>{_secret_key(_KEY_END)}['\"]?[ \t]*[=:][ \t]*){_VALUE}"), _hide_value),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b"), "AKIA***"),
    (re.compile(r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}"), r"\1***"),
    (re.compile(r"(hooks\.slack\.com/services/)[A-Za-z0-9/_-]+"), r"\1***"),
    (re.compile(r"\b(xox[abposre]-)[A-Za-z0-9-]+"), r"\1***"),
    (re.compile(r"\b([sr]k_(?:live|test)_)[A-Za-z0-9]{8,}"), r"\1***"),
    (re.compile(r"\b(sk-)[A-Za-z0-9_-]{20,}"), r"\1***"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), "AIza***"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "eyJ***"),
)
# a text without any of these cannot hold what _RULES masks: most messages, checked in one pass
_CUES_RX = re.compile(
    r"://|authoriz|bearer|passw|passphrase|pwd|secret|token|api_?-?key|private|access_?-?key|credential"
    r"|auth_?-?key|pass|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA|gh[pousr]_|github_pat|xox|[sr]k_|sk-"
    r"|AIza|eyJ",
    re.I,
)
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
