"""The adversarial campaign (issue 8): the figures of the README's reliability section.

    python bench/adversarial.py                  # the campaign: every phase, new random inputs
    python bench/adversarial.py --quick          # a smoke run: the CI-sized property suite, fewer signals
    python bench/adversarial.py --json out.json  # the counts as JSON too
    python bench/adversarial.py --phases properties,interrupts

Phases:
- properties: the hypothesis suite (tests/adversarial_property_test.py) at `--scale` times its CI size,
  random inputs (profile `dev`), with hypothesis' statistics: generated inputs per property, and
  every hook main's exit code, over the config loader, the rule loader, the pattern compiler, the
  deployment readers, CSS/HTML, the env extractor and the file-level hooks in a scratch repository.
- git-states: each file-level hook, staged / --all-files / a ref range, in a detached HEAD, a merge
  and a rebase stopped on a conflict, a shallow clone, a linked worktree and a submodule.
- interrupts: SIGINT to the process group (a Ctrl-C) at staggered delays on a large repository
  (copies of the standard library): exit 130, and how long the hook took to stop.
- kills: SIGKILL at staggered delays, then a full run: same findings as an undisturbed run, and
  every file under .git/ava-safety/ still reads.
- concurrency: ten runs of each hook at once in one repository: identical output and exit codes.

For every run: an exit code of 0, 1, 2 (130 for SIGINT), no traceback, no planted canary secret in
the output or under .git/ava-safety/, and no tracked file or index entry changed.

Needs the test extra (hypothesis, pytest). Exits 0 when every property held, 1 when one did not
(each listed), 2 when the set-up failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests._adversarial import CANARY_AWS_KEY, CANARY_SECRET, DB_URL, FILE_HOOKS, leaked  # noqa: E402

PHASES = ("properties", "git-states", "interrupts", "kills", "concurrency")
TRACEBACK = "Traceback (most recent call last)"
TIMEOUT = 900.0
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "adversary",
    "GIT_AUTHOR_EMAIL": "a@example.invalid",
    "GIT_COMMITTER_NAME": "adversary",
    "GIT_COMMITTER_EMAIL": "a@example.invalid",
    "NO_COLOR": "1",
}
# a file every hook has something to say about, with the canaries the output must never show
PLANTED = {
    "app/settings.py": (
        f'import os\nDATABASE_URL = "{DB_URL}"\npassword = "{CANARY_SECRET}"\n'
        f'AWS_ACCESS_KEY_ID = "{CANARY_AWS_KEY}"\nDEBUG = os.environ["DEBUG"]\nbreakpoint()\n'
    ),
    "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "requirements.txt": "fastapi==0.110.0\n",
    "Dockerfile": 'FROM python:3.11-slim\nCOPY . /app\nCMD ["uvicorn", "app.main:app"]\n',
    "apprunner.yaml": (
        "version: 1.0\nruntime: python311\nrun:\n  command: uvicorn app.main:app --port 8080\n"
        f"  env:\n    - name: API_TOKEN\n      value: {CANARY_SECRET}\n"
    ),
}


class SetupError(Exception):
    """The campaign could not be set up: its counts would mean nothing."""


@dataclass
class Tally:
    """One phase's counts and the properties it saw broken."""

    runs: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"runs": self.runs, "codes": dict(self.codes), "problems": self.problems, **self.extra}


# --- processes --------------------------------------------------------------------------------------------


def env_for_hooks() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT_"))}
    return {**env, **GIT_ENV}


def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        env=env_for_hooks(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check and proc.returncode != 0:
        raise SetupError(f"git {' '.join(args)} in {repo}: {proc.stderr.strip()}")
    return proc.stdout


def hook_command(hook: str) -> list[str]:
    """The console script, as pre-commit runs it: `python -m` would put the repository first on
    sys.path, and a repository of standard library copies would shadow the interpreter's own."""
    script = Path(sys.executable).parent / hook
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "hooks." + hook.replace("-", "_")]


@dataclass(frozen=True)
class HookRun:
    code: int
    out: str
    err: str
    seconds: float


def run_hook(repo: Path, hook: str, *args: str, timeout: float = TIMEOUT) -> HookRun:
    start = time.monotonic()
    proc = subprocess.run(
        [*hook_command(hook), *args],
        cwd=repo,
        env=env_for_hooks(),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    return HookRun(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def tracked_state(repo: Path) -> str:
    """The index and the tracked content of the work tree: what no hook may change."""
    return git(repo, "ls-files", "-s") + git(repo, "status", "--porcelain=v1", "--ignored=no", "-uno")


def judge(run: HookRun, what: str, *, allowed: Sequence[int] = (0, 1, 2)) -> list[str]:
    problems = []
    if run.code not in allowed:
        problems.append(f"{what}: exit {run.code}")
    if TRACEBACK in run.out + run.err:
        problems.append(
            f"{what}: traceback printed, ending {(run.err.strip().splitlines() or [''])[-1][:160]!r}"
        )
    if "internal error" in run.err:
        problems.append(f"{what}: internal error: {run.err.strip().splitlines()[-1][:200]}")
    for canary in leaked(run.out + run.err):
        problems.append(f"{what}: canary {canary[:6]}… printed")
    return problems


def state_leaks(repo: Path, what: str) -> list[str]:
    problems = []
    state = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    state = (repo / state if not state.is_absolute() else state) / "ava-safety"
    for path in state.rglob("*") if state.is_dir() else ():
        if path.is_file() and path.suffix != ".sqlite3":
            text = path.read_bytes().decode("utf-8", "replace")
            problems += [f"{what}: canary {c[:6]}… written to {path.name}" for c in leaked(text)]
    return problems


# --- phase: properties -------------------------------------------------------------------------------------

# hypothesis' statistics: "20 passing, 0 failing, and 2 invalid test cases" (older: "... examples")
STATS_RX = re.compile(r"(\d+) passing(?: examples?)?, (\d+) failing(?: examples?)?,(?: and)? (\d+) invalid")
TEST_RX = re.compile(r"^(?:tests/)?adversarial_property_test\.py::(\w+):\s*$")


def phase_properties(base: Path, scale: float, *, random: bool) -> Tally:
    tally = Tally()
    log = base / "hook-runs.jsonl"
    env = {
        **os.environ,
        "AVA_ADVERSARIAL_SCALE": str(scale),
        "AVA_ADVERSARIAL_LOG": str(log),
        "HYPOTHESIS_PROFILE": "dev" if random else "ci",
    }
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
        "--hypothesis-show-statistics", "tests/adversarial_property_test.py",
    ]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=6 * 3600, check=False
    )
    tally.extra["seconds"] = round(time.monotonic() - start, 1)
    if proc.returncode not in (0, 1):
        raise SetupError(f"pytest exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    per_test: Counter[str] = Counter()
    current = "?"
    for line in proc.stdout.splitlines():
        m = TEST_RX.match(line.strip())
        if m:
            current = m.group(1)
            continue
        s = STATS_RX.search(line)
        if s:
            per_test[current] += int(s.group(1)) + int(s.group(2))
            if int(s.group(2)):
                tally.problems.append(f"{current}: {s.group(2)} failing example(s)")
    tally.runs = sum(per_test.values())
    tally.extra["inputs_per_property"] = dict(per_test)
    if proc.returncode == 1:
        failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
        tally.problems += failed or [proc.stdout[-2000:]]
    hooks: Counter[str] = Counter()
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            hooks[entry["hook"]] += 1
            tally.codes[str(entry["code"])] += 1
            tally.problems += [f"{entry['hook']} {' '.join(entry['argv'])}: {p}" for p in entry["problems"]]
    tally.extra["hook_runs"] = sum(hooks.values())
    tally.extra["hook_runs_per_hook"] = dict(hooks)
    return tally


# --- phase: git states --------------------------------------------------------------------------------------


def make_repo(path: Path, files: dict[str, str] | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for name, text in (files if files is not None else PLANTED).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "start")
    return path


def commit(repo: Path, name: str, text: str, message: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "--", name)
    git(repo, "commit", "-q", "-m", message)


def git_states(base: Path) -> Iterator[tuple[str, Path]]:
    """Repositories in the states a hook meets in the wild (each made fresh)."""
    repo = make_repo(base / "detached")
    commit(repo, "app/extra.py", "eval(data)\n", "second")
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    yield "detached HEAD", repo

    for kind in ("merge", "rebase"):
        repo = make_repo(base / kind)
        git(repo, "checkout", "-q", "-b", "feature")
        commit(repo, "app/main.py", "from fastapi import FastAPI\n\napp = FastAPI(title='a')\n", "feature")
        git(repo, "checkout", "-q", "main")
        commit(repo, "app/main.py", "from fastapi import FastAPI\n\napp = FastAPI(title='b')\n", "main")
        if kind == "merge":
            git(repo, "merge", "-q", "feature", check=False)
        else:
            git(repo, "checkout", "-q", "feature")
            git(repo, "rebase", "main", check=False)
        yield f"{kind} stopped on a conflict", repo

    origin = make_repo(base / "origin")
    for n in range(3):
        commit(origin, f"app/m{n}.py", f"x = {n}\n", f"c{n}")
    shallow = base / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow)],
        env=env_for_hooks(), check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    yield "shallow clone", shallow

    git(origin, "worktree", "add", "-q", "-b", "wt", str(base / "linked"))
    yield "linked worktree", base / "linked"

    sub = make_repo(base / "sub-origin", {"lib.py": f'password = "{CANARY_SECRET}"\n'})
    repo = make_repo(base / "super")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", f"file://{sub}", "vendor/lib")
    git(repo, "commit", "-q", "-m", "submodule")
    yield "submodule", repo


def phase_git_states(base: Path) -> Tally:
    tally = Tally()
    for state, repo in git_states(base / "states"):
        for hook in FILE_HOOKS:
            for args in ([], ["--all-files"], ["--from-ref", "HEAD~1", "--to-ref", "HEAD"]):
                before = tracked_state(repo)
                run = run_hook(repo, hook, *args)
                what = f"{state}: {hook} {' '.join(args)}".rstrip()
                tally.runs += 1
                tally.codes[str(run.code)] += 1
                tally.problems += judge(run, what) + state_leaks(repo, what)
                if run.code == 2:  # a usage error is right only where the request cannot be met
                    errors = tally.extra.setdefault("exit_2", {})
                    assert isinstance(errors, dict)
                    errors[what] = (run.err.strip().splitlines() or ["(nothing on stderr)"])[0][:160]
                if tracked_state(repo) != before:
                    tally.problems.append(f"{what}: a tracked file or the index changed")
    return tally


# --- a large repository for signals -------------------------------------------------------------------------


def large_repo(base: Path, files: int, name: str = "large") -> Path:
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    names = sorted(
        p.relative_to(stdlib).as_posix()
        for p in stdlib.rglob("*.py")
        if p.is_file() and not {"site-packages", "dist-packages", "__pycache__"} & set(p.parts)
    )[:files]
    if len(names) < min(files, 500):
        raise SetupError(f"only {len(names)} .py files under {stdlib}")
    repo = base / name
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stdlib / name, repo / name)
    for name, text in PLANTED.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "-m", "large")
    return repo


SIGNAL_HOOKS = ("constitutional-compliance", "env-vars", "syntax-imports")


def _start(repo: Path, hook: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*hook_command(hook), *args],
        cwd=repo,
        env=env_for_hooks(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: the signal reaches workers as a Ctrl-C does
    )


def delays(count: int, longest: float) -> list[float]:
    return [round(0.1 + (longest - 0.1) * i / max(1, count - 1), 2) for i in range(count)]


def phase_interrupts(repo: Path, count: int, longest: float) -> Tally:
    tally = Tally()
    stops: list[float] = []
    startup = 0
    for i, delay in enumerate(delays(count, longest)):
        hook = SIGNAL_HOOKS[i % len(SIGNAL_HOOKS)]
        proc = _start(repo, hook, "--all-files", "--no-results")
        time.sleep(delay)
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            tally.problems.append(f"SIGINT after {delay} s: {hook} still running 120 s later")
        stopped = time.monotonic() - sent
        run = HookRun(proc.returncode, out, err, stopped)
        tally.runs += 1
        tally.codes[str(run.code)] += 1
        if run.code in (0, 1):  # done before the signal arrived
            continue
        stops.append(stopped)
        if run.code == -signal.SIGINT and "KeyboardInterrupt" in err and " in main\n" not in err:
            # Ctrl-C while the interpreter was still importing, before a hook's main() ran: Python
            # dies of the signal (a shell shows 130) and prints its own traceback of the import
            startup += 1
            continue
        # a Ctrl-C is not a crash: 130, no traceback, and no claim the code is clean or blocked
        tally.problems += judge(run, f"SIGINT after {delay} s: {hook}", allowed=(130,))
    tally.extra["interrupted"] = len(stops)
    tally.extra["interrupted_while_importing"] = startup
    tally.extra["stop_seconds_max"] = round(max(stops), 2) if stops else None
    tally.extra["stop_seconds_median"] = round(sorted(stops)[len(stops) // 2], 2) if stops else None
    return tally


def phase_kills(repo: Path, count: int, longest: float) -> Tally:
    tally = Tally()
    reference = {hook: run_hook(repo, hook, "--all-files", "--format", "json") for hook in SIGNAL_HOOKS}
    for i, delay in enumerate(delays(count, longest)):
        hook = SIGNAL_HOOKS[i % len(SIGNAL_HOOKS)]
        proc = _start(repo, hook, "--all-files", "--format", "json")
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=120)
        again = run_hook(repo, hook, "--all-files", "--format", "json")
        what = f"SIGKILL after {delay} s, then {hook}"
        tally.runs += 1
        tally.codes[str(again.code)] += 1
        tally.problems += judge(again, what) + state_leaks(repo, what)
        if again.code != reference[hook].code or _findings(again.out) != _findings(reference[hook].out):
            tally.problems.append(f"{what}: different findings from an undisturbed run")
        tally.problems += _unreadable_state(repo, what)
    return tally


def _findings(out: str) -> list[str]:
    try:
        return sorted(json.dumps(f, sort_keys=True) for f in json.loads(out).get("findings", []))
    except (ValueError, AttributeError):
        return [out]


def _unreadable_state(repo: Path, what: str) -> list[str]:
    problems = []
    for path in (repo / ".git" / "ava-safety").rglob("*.json"):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{what}: {path.relative_to(repo)} unreadable ({exc})")
    return problems


def phase_concurrency(repo: Path, parallel: int) -> Tally:
    tally = Tally()
    for hook in FILE_HOOKS:
        before = tracked_state(repo)
        with ThreadPoolExecutor(parallel) as pool:
            runs = list(
                pool.map(lambda h: run_hook(repo, h, "--all-files", "--jobs", "1"), [hook] * parallel)
            )
        tally.runs += len(runs)
        for run in runs:
            tally.codes[str(run.code)] += 1
            tally.problems += judge(run, f"{parallel} at once: {hook}")
        if len({(r.code, r.out) for r in runs}) != 1:
            tally.problems.append(
                f"{parallel} at once: {hook} gave {len({r.out for r in runs})} different outputs"
            )
        if tracked_state(repo) != before:
            tally.problems.append(f"{parallel} at once: {hook}: a tracked file or the index changed")
        tally.problems += _unreadable_state(repo, f"{parallel} at once: {hook}")
    return tally


# --- the campaign -------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized properties, fewer signals")
    parser.add_argument("--scale", type=float, default=None, help="property inputs, times the CI suite's (4)")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help=f"comma-separated, from {', '.join(PHASES)}"
    )
    parser.add_argument("--files", type=int, default=5000, help="files in the signal repository (5000)")
    parser.add_argument("--kill-files", type=int, default=1500, help="files in the SIGKILL repository (1500)")
    parser.add_argument("--signals", type=int, default=None, help="SIGINTs and SIGKILLs each (35)")
    parser.add_argument("--parallel", type=int, default=10, help="simultaneous runs per hook (10)")
    parser.add_argument("--json", type=Path, help="write the counts here too")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in args.phases if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase {unknown[0]!r} (phases: {', '.join(PHASES)})")
    if args.scale is None:
        args.scale = 1.0 if args.quick else 4.0
    if args.signals is None:
        args.signals = 6 if args.quick else 35
    if args.quick:
        args.files, args.kill_files = min(args.files, 1500), min(args.kill_files, 500)
    if not 0 < args.scale <= 1000 or not 1 <= args.signals <= 1000 or not 1 <= args.parallel <= 64:
        parser.error("--scale must be above 0 (at most 1000), --signals 1-1000, --parallel 1-64")
    return args


def summary(results: dict[str, Tally]) -> str:
    lines = []
    for name, tally in results.items():
        codes = ", ".join(f"exit {c}: {n}" for c, n in sorted(tally.codes.items()))
        extra = ", ".join(
            f"{k}: {v}" for k, v in tally.extra.items() if not isinstance(v, dict) and v is not None
        )
        lines.append(f"{name:12} {tally.runs:6} runs/inputs  {codes}" + (f"  ({extra})" if extra else ""))
        for k, v in tally.extra.items():
            if isinstance(v, dict):
                lines.append(f"{'':12} {k}:")
                lines += [f"{'':14} {a}: {b}" for a, b in v.items()]
        lines += [f"{'':12} BROKEN: {p}" for p in tally.problems[:20]]
        if len(tally.problems) > 20:
            lines.append(f"{'':12} ... and {len(tally.problems) - 20} more")
    total = sum(len(t.problems) for t in results.values())
    lines.append(f"properties broken: {total}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results: dict[str, Tally] = {}
    base = Path(tempfile.mkdtemp(prefix="ava-adversarial-"))
    try:
        if "properties" in args.phases:
            results["properties"] = phase_properties(base, args.scale, random=not args.quick)
        if "git-states" in args.phases:
            results["git-states"] = phase_git_states(base)
        longest = 3.0 if args.quick else 8.0
        if "interrupts" in args.phases:
            repo = large_repo(base, args.files)
            results["interrupts"] = phase_interrupts(repo, args.signals, longest)
            results["interrupts"].extra["files"] = len(git(repo, "ls-files").splitlines())
        if "kills" in args.phases:
            repo = large_repo(base, args.kill_files, "kill")
            results["kills"] = phase_kills(repo, args.signals, longest)
            results["kills"].extra["files"] = len(git(repo, "ls-files").splitlines())
        if "concurrency" in args.phases:
            results["concurrency"] = phase_concurrency(make_repo(base / "concurrent"), args.parallel)
    except (SetupError, subprocess.SubprocessError, OSError) as exc:
        print(f"adversarial: set-up failed: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(summary(results))
    if args.json:
        args.json.write_text(
            json.dumps({k: v.as_dict() for k, v in results.items()}, indent=2) + "\n", encoding="utf-8"
        )
    return 1 if any(t.problems for t in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
