"""The one masker: what a secret looks like in text we print, log or store, and how it is hidden.

Every message the engine renders (findings, internal errors) goes through `mask` before it leaves
the process, so a database URL a check quotes shows as `postgresql://admin:***@db/app`, whatever
password it was written with.
"""

from __future__ import annotations

import re

# `scheme://user:password@host`: the password never reaches a message, a log or a results file
_URL_PASSWORD_RX = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]*:)[^@/\s'\"]+@")


def mask(text: str) -> str:
    """`text` with the secrets it holds replaced by `***`."""
    if "://" not in text:
        return text
    return _URL_PASSWORD_RX.sub(lambda m: m.group("head") + "***@", text)
