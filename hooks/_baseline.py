"""Baselines: accepted findings recorded by content fingerprint, so moving lines do not churn them."""

from __future__ import annotations

import hashlib
import json
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline ({exc.strerror or exc})") from None
    return len(findings)


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
