"""The page: one self-contained HTML document (styles, script and data inline; nothing fetched from
elsewhere, so it works opened from disk, offline). The markup lives in assets/page.html as
<template>s that assets/page.js fills from the data, in the file and live alike."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from html import escape
from importlib import resources
from typing import Any


@cache
def asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets").joinpath(name).read_text(encoding="utf-8")


def _inline(name: str) -> str:
    """An asset as it stands between its tags in the page."""
    return "\n" + asset(name).rstrip("\n") + "\n"


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@cache
def csp(*, meta: bool = False) -> str:
    """The page's Content-Security-Policy: its own inline script and styles (by hash), requests to
    where it was served from, and nothing else."""
    policy = (
        f"default-src 'none'; script-src {_sha(_inline('page.js'))}; style-src {_sha(_inline('page.css'))}; "
        "img-src data:; connect-src 'self'; base-uri 'none'"
    )
    return policy if meta else policy + "; frame-ancestors 'none'"


def embed_json(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no `</script>`, no `<!--` can end it."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(status: dict[str, Any]) -> str:
    title = f"ava-safety · {status.get('repo', '')}"
    page = asset("page.html")
    for key, value in (
        ("__TITLE__", escape(title)),
        ("__CSP__", csp(meta=True)),
        ("__STYLE__", asset("page.css").rstrip("\n")),
        ("__SCRIPT__", asset("page.js").rstrip("\n")),
    ):
        page = page.replace(key, value, 1)
    return page.replace("__DATA__", embed_json(status), 1)  # last: the data may hold any text
