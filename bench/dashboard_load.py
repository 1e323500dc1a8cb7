"""`ava-safety serve` under a bounded loopback load while deploys and rollbacks run.

    python bench/dashboard_load.py                      # 8 clients, 4000 requests, 3000 seeded events
    python bench/dashboard_load.py --clients 16 --requests 8000 --json out.json

Sets up a temporary git repository with the deploy tests' loopback service (tests/fixtures/
local-service), seeds its history store with `--rows` events, starts `ava-safety serve` on a free
loopback port, then runs `--clients` parallel keep-alive HTTP clients for exactly `--requests`
requests in all (the page, /api/status, /api/history pages at random points, /api/history per
service) while another process deploys and rolls the service back in a loop. Reports requests per
second, latency percentiles and errors (any answer but 200/304, or no answer within 10 s). Only
loopback addresses are used; the run stops by itself (at the request count, or --max-seconds).

Exits 0 when it measured with zero errors, 1 when there were errors, 2 when the set-up failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "tests" / "fixtures" / "local-service"
CLI = [sys.executable, "-m", "hooks._cli"]
TIMEOUT = 10.0
TOKEN = "bench-token-0123456789abcdef"
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
           "GIT_CONFIG_NOSYSTEM": "1"}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(repo: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    return {**base, **GIT_ENV, "HOME": str(repo), "NO_COLOR": "1", "AVA_SAFETY_TOKEN": TOKEN}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=env_for(repo), capture_output=True, text=True,
                          check=True, timeout=60).stdout  # fmt: skip


def release(repo: Path, version: str) -> None:
    app = (
        (SERVICE / "app.py")
        .read_text(encoding="utf-8")
        .replace('VERSION = "1.0.0"', f'VERSION = "{version}"')
    )
    (repo / "app.py").write_text(app, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"release {version}")
    git(repo, "tag", f"v{version}")


def set_up(work: Path, rows: int) -> tuple[Path, int]:
    repo = work / "svc"
    repo.mkdir()
    port = free_port()
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(SERVICE / "deploy.py", repo / "deploy.py")
    (repo / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    (repo / ".ava-safety.yaml").write_text(
        "services:\n  web:\n    provider: command\n"
        f'    deploy: [python3, deploy.py, "{port}", "{{commit}}"]\n    gates: []\n'
        f"    health:\n      url: http://127.0.0.1:{port}/health\n"
        '      expect: {status: 200, json: {version: "{version}"}}\n'
        "      passes: 2\n      interval_s: 0.1\n      timeout_s: 5\n      request_timeout_s: 1\n",
        encoding="utf-8",
    )
    for version in ("1.0.0", "2.0.0"):
        release(repo, version)
    sys.path.insert(0, str(ROOT))
    from hooks._deploy.history import Event, SqliteHistory

    store = SqliteHistory(repo / ".git" / "ava-safety" / "history.sqlite3")
    now = time.time()
    for n in range(rows):
        at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - (rows - n) * 300))
        kind = "rollback" if n % 40 == 39 else "deploy"
        service = ("web", "api", "worker")[n % 3]
        store.record(Event(service=service, kind=kind, status="succeeded", version=f"v0.{n}.0",
                           commit=f"{n:040x}", started_at=at, finished_at=at, change_description=f"c{n}",
                           durations={"provider": 1.0, "health": 2.0}))  # fmt: skip
    store.close()
    first = subprocess.run([*CLI, "deploy"], cwd=repo, env=env_for(repo), capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    if first.returncode != 0:
        raise RuntimeError(f"the first deploy failed: {first.stdout}{first.stderr}")
    return repo, port


def start_serve(repo: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--probe-interval", "2"], cwd=repo, env=env_for(repo),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("ava-safety dashboard: "):
        proc.kill()
        raise RuntimeError(f"serve did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    return proc, int(line.rsplit(":", 1)[1].strip().rstrip("/"))


def deploy_loop(repo: Path, stop: threading.Event, done: list[str]) -> None:
    """Deploy and roll back in turn until told to stop (each run bounded by its own timeout)."""
    n = 0
    while not stop.is_set():
        args = ["deploy", "--rev", "v1.0.0"] if n % 3 == 0 else ["deploy"] if n % 3 == 1 else ["rollback"]
        proc = subprocess.run([*CLI, *args], cwd=repo, env=env_for(repo), capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        done.append(f"{' '.join(args)}: exit {proc.returncode}")
        n += 1


def client(port: int, count: int, top: int, results: list[tuple[str, float, bool]], seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    for _ in range(count):
        roll = rng.random()
        if roll < 0.55:
            name, path = "status", "/api/status"
        elif roll < 0.8:
            name, path = "history", f"/api/history?before={rng.randint(2, top)}"
        elif roll < 0.9:
            name, path = "service", f"/api/history?service={rng.choice(['web', 'api', 'worker'])}"
        else:
            name, path = "page", "/"
        started = time.perf_counter()
        ok = False
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            answer.read()
            ok = answer.status in (200, 304)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        results.append((name, time.perf_counter() - started, ok))
    conn.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=4000, help="requests in all (the bound)")
    parser.add_argument("--rows", type=int, default=3000, help="history events seeded before the load")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ava-dash-load-") as tmp:
        try:
            repo, _service_port = set_up(Path(tmp), args.rows)
            serve, port = start_serve(repo)
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            print(f"set-up failed: {exc}", file=sys.stderr)
            return 2
        stop = threading.Event()
        deploys: list[str] = []
        results: list[tuple[str, float, bool]] = []
        try:
            looper = threading.Thread(target=deploy_loop, args=(repo, stop, deploys), daemon=True)
            looper.start()
            time.sleep(1.0)  # a deploy is under way when the load starts
            each = [
                args.requests // args.clients + (i < args.requests % args.clients)
                for i in range(args.clients)
            ]
            threads = [threading.Thread(target=client, args=(port, n, args.rows, results, i), daemon=True)
                       for i, n in enumerate(each)]  # fmt: skip
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=max(0.0, args.max_seconds - (time.perf_counter() - started)))
            seconds = time.perf_counter() - started
        finally:
            stop.set()
            serve.terminate()
            serve.communicate(timeout=30)
            looper.join(timeout=180)
            pidfile = repo / ".git" / "local-deploy" / "pid"
            if pidfile.exists():
                try:
                    os.kill(int(pidfile.read_text().split()[0]), 9)
                except (ProcessLookupError, ValueError):
                    pass
    latencies = [r[1] for r in list(results)]
    errors = sum(1 for r in results if not r[2]) + (args.requests - len(results))
    figures = {
        "clients": args.clients, "requests": len(results), "planned": args.requests, "rows": args.rows,
        "seconds": round(seconds, 2), "rps": round(len(results) / seconds, 1), "errors": errors,
        "p50_ms": round(pct(latencies, 50), 1), "p95_ms": round(pct(latencies, 95), 1),
        "p99_ms": round(pct(latencies, 99), 1), "max_ms": round(max(latencies) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "by_endpoint_p99_ms": {name: round(pct([r[1] for r in results if r[0] == name], 99), 1)
                               for name in sorted({r[0] for r in results})},
        "deploys_during_load": deploys,
    }  # fmt: skip
    print(f"{figures['requests']} requests from {args.clients} clients in {figures['seconds']} s "
          f"with {args.rows} history rows, while {len(deploys)} deploys/rollbacks ran")  # fmt: skip
    print(f"  {figures['rps']} requests/s; latency p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
          f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; errors {errors}")  # fmt: skip
    print("  p99 per endpoint: " + ", ".join(f"{k} {v} ms" for k, v in figures["by_endpoint_p99_ms"].items()))
    print("  deploys: " + "; ".join(deploys))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
