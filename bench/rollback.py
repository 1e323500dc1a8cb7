"""Rollback figures: our own overhead (invocation to the provider call) and a whole rollback.

A temp git repo holds the test service of tests/fixtures/local-service (an HTTP server whose /health
reports its version). Two services are declared on it:
- `web`: the command provider starts each commit from a git worktree on a free loopback port; a
  rollback is timed from invocation until health verification is done (3 consecutive passes);
- `probe`: its rollback command is `touch MARKER`, so the marker's mtime is the moment the provider
  is called; overhead = that moment - the moment `ava-safety rollback probe` was started (Python's
  start-up, imports, config, the lock, the history and the plan included).
Medians of --runs (default 7) repeated runs. Usage: python bench/rollback.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "tests" / "fixtures" / "local-service"
ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
       "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **ENV}, check=True, capture_output=True, timeout=60
    )


def _cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "hooks._cli", *args], cwd=repo, env={**os.environ, **ENV},
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc


def _setup(base: Path) -> tuple[Path, Path, int]:
    repo, marker, port = base / "svc", base / "provider-called", _free_port()
    repo.mkdir()
    shutil.copy(SERVICE / "deploy.py", repo / "deploy.py")
    (repo / ".ava-safety.yaml").write_text(
        "services:\n"
        "  web:\n    provider: command\n"
        f'    deploy: [{sys.executable}, deploy.py, "{port}", "{{commit}}"]\n'
        "    gates: []\n"
        f"    health:\n      url: http://127.0.0.1:{port}/health\n"
        '      expect: {status: 200, json: {version: "{version}"}, max_ms: 1000}\n'
        "      passes: 3\n      interval_s: 0.1\n      timeout_s: 10\n"
        f"  probe:\n    provider: command\n    deploy: [touch, {marker}]\n    gates: []\n",
        encoding="utf-8",
    )
    _git(repo, "init", "-q", "-b", "main")
    for version in ("1.0.0", "2.0.0"):
        app = (
            (SERVICE / "app.py")
            .read_text(encoding="utf-8")
            .replace('VERSION = "1.0.0"', f'VERSION = "{version}"')
        )
        (repo / "app.py").write_text(app, encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", f"release {version}")
        _git(repo, "tag", f"v{version}")
    return repo, marker, port


def measure(runs: int) -> dict[str, object]:
    base = Path(tempfile.mkdtemp(prefix="ava-rollback-bench-"))
    repo, marker, port = _setup(base)
    overheads, wholes = [], []
    try:
        for service in ("web", "probe"):
            _cli(repo, "deploy", service, "--rev", "v1.0.0")
            _cli(repo, "deploy", service, "--rev", "v2.0.0")
        for _ in range(runs):
            marker.unlink(missing_ok=True)
            started = time.time()
            _cli(repo, "rollback", "probe")
            overheads.append(marker.stat().st_mtime - started)
            _cli(repo, "deploy", "probe", "--rev", "v2.0.0")

            started = time.monotonic()
            _cli(repo, "rollback", "web")
            wholes.append(time.monotonic() - started)
            _cli(repo, "deploy", "web", "--rev", "v2.0.0")
        return {
            "runs": runs,
            "overhead_s": {"median": round(statistics.median(overheads), 3), "max": round(max(overheads), 3)},
            "rollback_s": {"median": round(statistics.median(wholes), 3), "max": round(max(wholes), 3)},
            "cores": os.cpu_count(),
            "load": round(os.getloadavg()[0], 2),
        }
    finally:
        subprocess.run([sys.executable, str(repo / "deploy.py"), str(port), "stop"], cwd=repo, check=False,
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="repeated runs (default 7)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    result = measure(args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    over, whole = result["overhead_s"], result["rollback_s"]
    print(f"rollback, medians of {args.runs} runs on {result['cores']} cores (load {result['load']}):")
    print(
        f"  our overhead, invocation to the provider call: {over['median']:.3f} s (max {over['max']:.3f} s)"
    )  # type: ignore[index]
    print(
        f"  whole rollback with health verification:      {whole['median']:.3f} s (max {whole['max']:.3f} s)"
    )  # type: ignore[index]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
