"""The content-keyed caches under `.git/ava-safety/cache/`: one mechanism for every cache.

A cache is one JSON file `{"version": ..., "entries": {key: value}}`. Its version is a digest of the
code that computes the entries (the modules given), so a changed reader never serves an old answer.
Entries are looked up by the caller's content key (a blob hash, a digest of the text); the entries a
run used are written back first, then the most recent others up to `keep`, so the file follows the
repository instead of growing. Loading never fails (a missing, corrupt or stale file is an empty
cache) and saving is best effort (a temporary file renamed over the old one: a reader sees one or
the other); outside git there is no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from . import _git
from ._read import Unread, read_file

MAX_CACHE_SIZE = 256 * 1024 * 1024  # a cache file larger than this is not read (a new one is made)


def code_version(modules: Iterable[ModuleType], generation: int | str) -> str:
    """A digest of the modules' source and the cache's format `generation`."""
    code = b"".join(Path(m.__file__).read_bytes() for m in modules if m.__file__)
    return hashlib.sha1(code).hexdigest()[:16] + f"/{generation}"


class JsonCache:
    """One cache file: `get` marks an entry used, `put` adds one, `save` writes the used ones back."""

    def __init__(self, path: Path | None, version: str, entries: dict[str, Any], keep: int = 0) -> None:
        self.path = path
        self.version = version
        self.entries = entries
        self.keep = keep  # entries kept on save: the used ones, then the most recent others up to this
        # many (0: only the used ones)
        self.used: dict[str, Any] = {}
        self.added = 0

    @classmethod
    def load(cls, root: Path | None, name: str, version: str, *, keep: int = 0) -> JsonCache:
        """`name` under the repository's cache directory; empty when `root` is None, outside git, or
        when the file is missing, unreadable, corrupt or of another version."""
        if root is None:
            return cls(None, version, {}, keep)
        try:
            path = _git.state_dir(root) / "cache" / name
        except _git.GitError:
            return cls(None, version, {}, keep)
        entries: Any = {}
        raw = read_file(path, MAX_CACHE_SIZE)
        if not isinstance(raw, Unread):
            try:
                data = json.loads(raw)
                entries = data["entries"] if data.get("version") == version else {}
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                entries = {}
        return cls(path, version, entries if isinstance(entries, dict) else {}, keep)

    def get(self, key: str) -> Any | None:
        raw = self.used.get(key)
        if raw is None:
            raw = self.entries.get(key)
            if raw is not None:
                self.used[key] = raw
        return raw

    def forget(self, key: str) -> None:
        """An entry the caller could not decode: not written back."""
        self.used.pop(key, None)

    def put(self, key: str, value: Any) -> None:
        self.used[key] = value
        self.added += 1

    def save(self) -> None:
        """Best effort: a cache that cannot be written costs time, never a result."""
        if self.path is None or not self.added and (self.keep or self.used.keys() == self.entries.keys()):
            return
        kept = dict(self.used)
        for key, value in reversed(list(self.entries.items())):
            if len(kept) >= self.keep:
                break
            kept.setdefault(key, value)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": self.version, "entries": kept}), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass
