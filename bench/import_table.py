"""Generate rules/data/distributions.json: import names and requirements of the most used distributions.

    python bench/import_table.py --ranks pypi.tsv [--top 250] [--out rules/data/distributions.json]

syntax-imports asks which distribution an import comes from, and what a declared distribution
installs with it (`requests` through twilio, `modelcluster` through wagtail). The project's own
virtualenv answers best when there is one; otherwise this table does. It is made from the packages'
published metadata, for the distributions a service is likely to declare: the `--top` most
downloaded (a TSV with `name` and `rank_among_15000_most_downloaded` columns, as a registry mirror
lists them: no name list is fetched here), the distributions whose requirements the
hand-written table (rules/data/import-names.yaml `requires:`) lists, and SEEDS (web-service
ecosystems: Django, Wagtail, Flask, FastAPI, AWS, data). For each, the latest release:

- `Requires-Dist` from PyPI's JSON API (`/pypi/NAME/VERSION/json`), split into what it always installs
  and what each extra adds (environment markers evaluated for CPython 3.11 on Linux);
- the import names from the wheel's file list: its top-level modules and packages, with namespace
  packages kept dotted (`google.cloud.storage`, where top_level.txt says only `google`), or its
  top_level.txt when the files show none. Only the end of the wheel is read (HTTP range requests for the zip's
  central directory and two small members), never the whole file.

Every request has a timeout; a distribution that cannot be read is left out and said so. The output
records the date, the source and the count, so a reader knows how old the table is.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import io
import json
import re
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API = "https://pypi.org/pypi"
TIMEOUT = 30.0
WORKERS = 6
SKIP_TOP = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "scripts"}
)
# what a service repository declares beside the most downloaded: frameworks and their plug-ins
SEEDS = (
    "django", "djangorestframework", "django-filter", "django-taggit", "django-modelcluster", "wagtail",
    "django-environ", "django-storages", "django-cors-headers", "django-extensions", "django-debug-toolbar",
    "django-redis", "django-celery-beat", "django-celery-results", "dj-database-url", "whitenoise",
    "django-allauth", "django-crispy-forms", "channels", "daphne", "willow", "wagtail-localize",
    "flask", "flask-sqlalchemy", "flask-migrate", "flask-login", "flask-wtf", "flask-cors", "flask-restful",
    "fastapi", "starlette", "uvicorn", "gunicorn", "sqlmodel", "tortoise-orm", "aerich", "asyncpg",
    "databases", "alembic", "psycopg", "psycopg2-binary", "python-multipart", "email-validator",
    "passlib", "bcrypt", "python-jose", "pyjwt", "authlib", "itsdangerous", "httpx", "aiohttp",
    "twilio", "stripe", "sendgrid", "openai", "anthropic", "langchain", "langdetect", "newspaper3k",
    "nltk", "beautifulsoup4", "lxml", "feedparser", "pandas", "numpy", "scikit-learn", "redis", "celery",
    "boto3", "sentry-sdk", "python-dotenv", "pydantic-settings", "jinja2", "emails", "tenacity",
    "streamlit", "dash", "plotly", "psutil", "pytz", "structlog", "loguru", "orjson", "ujson",
)  # fmt: skip


@dataclass
class Dist:
    name: str
    version: str
    modules: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    extras: dict[str, list[str]] = field(default_factory=dict)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def get(url: str, headers: dict[str, str] | None = None) -> bytes:
    sent = {"User-Agent": "ava-safety-import-table", **(headers or {})}
    request = urllib.request.Request(url, headers=sent)
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - https only
        return bytes(response.read())


class RangeFile(io.RawIOBase):
    """A remote file read through HTTP range requests, for zipfile's seeks to its central directory."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size, self.pos = url, size, 0
        self.chunks: dict[int, bytes] = {}
        self.requests = 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else self.pos + offset if whence == 1 else self.size + offset
        return self.pos

    def read(self, n: int = -1) -> bytes:
        end = self.size if n < 0 else min(self.size, self.pos + n)
        if end <= self.pos:
            return b""
        start = self.pos
        data = self._range(start, end)
        self.pos = end
        return data

    def _range(self, start: int, end: int) -> bytes:
        block = 1 << 16
        first, last = start // block, (end - 1) // block
        missing = [b for b in range(first, last + 1) if b not in self.chunks]
        if missing:
            lo, hi = missing[0] * block, min(self.size, (missing[-1] + 1) * block)
            self.requests += 1
            data = get(self.url, {"Range": f"bytes={lo}-{hi - 1}"})
            if len(data) != hi - lo:
                raise OSError(f"range request answered with {len(data)} bytes, not {hi - lo}")
            for b in range(missing[0], missing[-1] + 1):
                self.chunks[b] = data[(b - missing[0]) * block : (b - missing[0] + 1) * block]
        joined = b"".join(self.chunks[b] for b in range(first, last + 1))
        return joined[start - first * block : end - first * block]


def marker_ok(marker: str, extra: str | None) -> bool:
    """An environment marker on CPython 3.11, Linux; `extra` is the extra being asked about."""
    try:
        from packaging.markers import Marker
    except ImportError:  # pragma: no cover - pip vendors packaging
        from pip._vendor.packaging.markers import Marker  # type: ignore[no-redef]
    env = {
        "python_version": "3.11", "python_full_version": "3.11.9", "sys_platform": "linux",
        "platform_system": "Linux", "os_name": "posix", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "platform_machine": "x86_64", "extra": extra or "",
    }  # fmt: skip
    try:
        return bool(Marker(marker).evaluate(env))
    except Exception:  # noqa: BLE001 - a marker packaging cannot read: keep the requirement
        return True


def requirements(requires_dist: list[str] | None) -> tuple[list[str], dict[str, list[str]]]:
    always: set[str] = set()
    extras: dict[str, set[str]] = {}
    for spec in requires_dist or ():
        name_part, _, marker = spec.partition(";")
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name_part)
        if m is None:
            continue
        name = normalize(m.group(1))
        wanted = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        if wanted:
            extra = normalize(wanted.group(1))
            if marker_ok(marker, extra):
                extras.setdefault(extra, set()).add(name)
        elif not marker.strip() or marker_ok(marker, None):
            always.add(name)
    return sorted(always), {k: sorted(v) for k, v in sorted(extras.items())}


def modules_of(names: list[str], top_level: str | None) -> list[str]:
    """Import names a wheel provides: its files' top-level modules (a directory without __init__.py,
    a namespace package, is followed down to the first one that has it), else top_level.txt."""
    found = _file_modules(names)
    if found or not top_level:
        return found
    listed = {line.strip().replace("/", ".") for line in top_level.splitlines() if line.strip()}
    return sorted(n for n in listed if n.split(".")[0] not in SKIP_TOP and not n.startswith("."))


def _file_modules(names: list[str]) -> list[str]:
    files = [n for n in names if not n.endswith("/") and ".dist-info/" not in n and ".data/" not in n]
    inits = {n.rsplit("/", 1)[0] for n in files if n.endswith("/__init__.py")}
    out: set[str] = set()
    for path in files:
        parts = path.split("/")
        leaf = parts[-1]
        if not (leaf.endswith((".py", ".pyi")) or ".so" in leaf or leaf.endswith(".pyd")):
            continue
        if parts[0] in SKIP_TOP or parts[0].endswith(("-stubs", ".libs")) or parts[0] == "__pycache__":
            continue
        if len(parts) == 1:
            name = leaf.split(".", 1)[0]
            if name and name != "__init__" and name != "setup":
                out.add(name)
            continue
        depth = 1
        while depth < len(parts) - 1 and "/".join(parts[:depth]) not in inits:
            depth += 1  # a namespace package: google/cloud/storage
        if "/".join(parts[:depth]) in inits or depth == len(parts) - 1:
            out.add(".".join(parts[:depth]))
    return sorted(out)


def read_dist(name: str, version: str | None) -> Dist:
    quoted = urllib.parse.quote(name)
    url = f"{API}/{quoted}/{urllib.parse.quote(version)}/json" if version else f"{API}/{quoted}/json"
    try:
        data = json.loads(get(url))
    except Exception:  # noqa: BLE001 - a version the mirror list knows may be gone: the latest then
        data = json.loads(get(f"{API}/{urllib.parse.quote(name)}/json"))
    info = data["info"]
    dist = Dist(normalize(info["name"]), info["version"])
    dist.requires, dist.extras = requirements(info.get("requires_dist"))
    wheels = [u for u in data.get("urls", []) if u.get("packagetype") == "bdist_wheel"]
    wheels.sort(key=lambda u: ("none-any" not in u["filename"], "manylinux" not in u["filename"], u["size"]))
    if wheels:
        wheel = wheels[0]
        # a mirror may answer with a link relative to the project's page, whichever page was asked
        href = urllib.parse.urljoin(f"{API}/{urllib.parse.quote(name)}/json", wheel["url"])
        with zipfile.ZipFile(RangeFile(href, int(wheel["size"]))) as zf:  # type: ignore[arg-type]
            names = zf.namelist()
            tops = [n for n in names if n.endswith(".dist-info/top_level.txt")]
            top_level = zf.read(tops[0]).decode("utf-8", "replace") if tops else None
            dist.modules = modules_of(names, top_level)
    return dist


def wanted(ranks: Path | None, top: int) -> dict[str, str | None]:
    """name -> version (None: the latest) of the distributions to read."""
    out: dict[str, str | None] = {}
    if ranks is not None:
        ranked: list[tuple[int, str, str]] = []
        with ranks.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                rank = (row.get("rank_among_15000_most_downloaded") or "").strip()
                if rank.isdigit() and int(rank) <= top:
                    ranked.append((int(rank), row["name"], row.get("version") or ""))
        for _, name, version in sorted(ranked):
            out[normalize(name)] = version or None
    import yaml  # the project's own dependency

    table = yaml.safe_load((ROOT / "rules" / "data" / "import-names.yaml").read_text(encoding="utf-8"))
    for name in table.get("requires") or {}:
        out.setdefault(normalize(str(name)), None)
    for name in SEEDS:
        out.setdefault(normalize(name), None)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--ranks", type=Path, help="TSV with name, version, rank_among_15000_most_downloaded")
    parser.add_argument("--top", type=int, default=250, help="the N most downloaded (default 250)")
    parser.add_argument("--out", type=Path, default=ROOT / "rules" / "data" / "distributions.json")
    args = parser.parse_args(argv)
    names = wanted(args.ranks, args.top)
    print(f"reading {len(names)} distributions from {API} ...", file=sys.stderr)
    started = time.time()
    found: dict[str, Dist] = {}
    failed: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(read_dist, n, v): n for n, v in names.items()}
        for done in concurrent.futures.as_completed(futures):
            try:
                dist = done.result()
            except Exception as exc:  # noqa: BLE001 - left out, and said so
                failed.append(f"{futures[done]} ({type(exc).__name__}: {exc})")
                continue
            found[dist.name] = dist
    out: dict[str, Any] = {
        "generated": time.strftime("%Y-%m-%d"),
        "source": (
            f"PyPI JSON API ({API}/NAME/VERSION/json) Requires-Dist, and each wheel's top_level.txt or "
            f"file list; the {args.top} most downloaded (rank list), the distributions "
            "rules/data/import-names.yaml gives requirements for, and bench/import_table.py SEEDS"
        ),
        "generator": "bench/import_table.py",
        "environment": "CPython 3.11 on Linux x86_64 (environment markers)",
        "count": len(found),
        "distributions": {
            name: {"version": d.version, "modules": d.modules, "requires": d.requires, "extras": d.extras}
            for name, d in sorted(found.items())
        },
    }
    args.out.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(found)} distributions in {time.time() - started:.0f} s", file=sys.stderr)
    for item in sorted(failed):
        print(f"  left out: {item}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
