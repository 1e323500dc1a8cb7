"""Baselines: accepted findings recorded by content fingerprint, so moving lines do not churn them."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ._engine import Finding
from ._read import Unread, read_file

VERSION = 1
MAX_SIZE = 64 * 1024 * 1024  # bytes: about 400,000 accepted findings


class BaselineError(Exception):
    pass


def fingerprint(finding: Finding) -> str:
    normalised = " ".join(finding.line_text.split())
    raw = f"{finding.rule}\0{finding.path}\0{normalised}".encode()
    return hashlib.sha256(raw).hexdigest()[:20]


def write(path: Path, findings: Iterable[Finding]) -> int:
    findings = list(findings)
    counts = Counter(fingerprint(f) for f in findings)
    entries: list[dict[str, str | int]] = []
    for f in sorted(findings):
        fp = fingerprint(f)
        if fp in counts:
            entries.append({"fingerprint": fp, "rule": f.rule, "path": f.path, "count": counts.pop(fp)})
    text = json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, text)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline ({exc.strerror or exc})") from None
    return len(findings)


def replace_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file in the same directory, flushed to disk, then
    renamed over the name, so a reader sees the old file or the new one, never a part of either. A
    symbolic link at `path` is replaced, not written through. Raises OSError."""
    import tempfile

    try:
        mode = stat.S_IMODE(path.lstat().st_mode) if not path.is_symlink() else 0o644
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load(path: Path) -> Counter[str]:
    raw = read_file(path, MAX_SIZE)  # never a FIFO (it would block) or a device (it would not end)
    if isinstance(raw, Unread):
        if raw.reason == "missing":
            raise BaselineError(f"{path}: baseline not found; create it with --write-baseline {path}")
        raise BaselineError(f"{path}: cannot read the baseline: {raw.detail}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BaselineError(
            f"{path}:1: not a baseline file ({exc}); recreate it with --write-baseline"
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("version") != VERSION
        or not isinstance(data.get("findings"), list)
    ):
        raise BaselineError(f"{path}:1: not a version {VERSION} baseline; recreate it with --write-baseline")
    counts: Counter[str] = Counter()
    for number, entry in enumerate(data["findings"], start=1):
        if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str):
            count = entry.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise BaselineError(
                    f"{path}:1: entry {number} has a bad count {count!r}; recreate it with --write-baseline"
                )
            counts[entry["fingerprint"]] += count
    return counts


def filter_new(findings: Iterable[Finding], accepted: Counter[str]) -> list[Finding]:
    """Findings not covered by the baseline; each baseline entry absorbs up to `count` findings."""
    left = Counter(accepted)
    new = []
    for f in sorted(findings):
        fp = fingerprint(f)
        if left[fp] > 0:
            left[fp] -= 1
        else:
            new.append(f)
    return new
