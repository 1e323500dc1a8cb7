"""The project's benchmark: constitutional-compliance against pyflakes and ruff on the stdlib.

    python bench/bench.py                 # 5 runs per tool, medians, PASS/MISS for the targets
    python bench/bench.py --quick         # 1 run per tool: a smoke test
    python bench/bench.py --json out.json # the figures as JSON too
    python bench/bench.py --profile       # also cProfile the hook (one process) on the corpus
    python bench/bench.py --design        # design-rules on >= 200 HTML/CSS files from PyPI packages
    python bench/bench.py --guards        # working-systems on the stdlib corpus, cold and cached
    python bench/bench.py --repo PATH     # every file-level hook on a real repository (repeatable)
    python bench/bench.py --regex         # a team's rule regexes (time-bounded) against the same on re

Corpus: every `*.py` of the running interpreter's standard library (`test/` included unless
`--no-tests`, `site-packages` never), copied into a temporary git repo and committed; nothing is
downloaded. Every tool gets the same explicit list of files, or (the hook) the same tracked files.
The peers (pyflakes, `ruff check --select F`) live in a scratch venv outside the repo, made once
and reused. Targets (DESIGN.md §7): a 5-file commit under 0.5 s wall for the hook, interpreter
start-up included; the whole stdlib with the ava-olo pack within 3x pyflakes.

`--repo PATH` (issue 11): a clone of a real repository (its own config), every file-level hook and
constitutional-compliance beside pyflakes in one run: a 5-file commit (5 mid-size Python files of the
team's own, edited and staged; each file-level hook given them as pre-commit gives them, warm cache:
one untimed run first) against a target of 0.3 s wall per hook, interpreter start-up included; and
`--all-files` against pyflakes on the repository's own Python files (vendored trees left out), a
target of 2x. PYTHONDONTWRITEBYTECODE is removed from the hooks' environment (bytecode is cached, as
on a developer's machine).

Stdlib only; exits 0 when it measured (whatever PASS/MISS says), 2 when a tool crashed or the
set-up failed.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

TIMEOUT = 600.0  # seconds, for every subprocess
COMMIT_FILES = 5
COMMIT_TARGET_S = 0.5
STDLIB_RATIO_TARGET = 3.0
HOOK = "constitutional-compliance"
HOOK_MODULE = "hooks.constitutional_compliance"
# the file-level hooks of "will it start in production", timed on the same corpus and commit
START_HOOKS = ("syntax-imports", "env-vars", "deploy-config")
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@local"]
# Keep the user's global git config (hooks, signing, autocrlf) out of the corpus repo.
GIT_SAFE = ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "core.autocrlf=false"]
FINDING_RX = re.compile(r"^[^\s:][^:]*:\d+:\d+:", re.MULTILINE)
TRACEBACK = "Traceback (most recent call last)"
EDIT_LINE = "# ava-safety bench: a typical one-line change\n"


class BenchError(Exception):
    """Set-up failed or a tool crashed: the figures would be meaningless."""


@dataclass
class Timing:
    tool: str
    command: list[str]
    files: int
    lines: int
    runs: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    findings: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def files_per_s(self) -> float:
        return self.files / self.median if self.median > 0 else float("inf")


# --- running things -----------------------------------------------------------------------------


def run(
    cmd: list[str],
    *,
    cwd: Path | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, errors="replace", timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"timed out after {timeout:.0f} s: {_show(cmd)}") from None
    except OSError as exc:
        raise BenchError(f"cannot run {_show(cmd)}: {exc}") from None
    if check and proc.returncode != 0:
        raise BenchError(f"exit {proc.returncode}: {_show(cmd)}\n{_tail(proc.stderr or proc.stdout)}")
    return proc


def _show(cmd: list[str], limit: int = 12) -> str:
    shown = " ".join(cmd[:limit])
    return shown + (f" ... (+{len(cmd) - limit} args)" if len(cmd) > limit else "")


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def crashed(proc: subprocess.CompletedProcess[str]) -> str | None:
    """Why this run is a crash rather than a run that found things, or None."""
    if TRACEBACK in proc.stderr:
        return "traceback on stderr"
    # Our hook: 1 = blocked, 2 = usage/config/internal error. pyflakes: 1 = warnings. ruff: 1 =
    # violations, 2 = abnormal termination. Anything else (signals: negative) is a crash too.
    if proc.returncode not in (0, 1):
        return f"exit code {proc.returncode}"
    return None


def timed(
    tool: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None, before: list[Path] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    for path in before or ():
        shutil.rmtree(path, ignore_errors=True)  # e.g. the hook's result cache: measure cold runs
    started = time.perf_counter()
    proc = run(cmd, cwd=cwd, check=False, env=env)
    seconds = time.perf_counter() - started
    why = crashed(proc)
    if why:
        raise BenchError(
            f"{tool} crashed ({why}): {_show(cmd)}\n--- stderr ---\n{_tail(proc.stderr)}"
            f"\n--- stdout ---\n{_tail(proc.stdout, 10)}"
        )
    return seconds, proc


def measure(
    timing: Timing,
    cwd: Path,
    runs: int,
    *,
    warmup: bool,
    env: dict[str, str] | None = None,
    before: list[Path] | None = None,
) -> Timing:
    if warmup:
        timed(timing.tool, timing.command, cwd, env, before)
    for _ in range(runs):
        seconds, proc = timed(timing.tool, timing.command, cwd, env, before)
        timing.runs.append(seconds)
        timing.exit_codes.append(proc.returncode)
        timing.findings = len(FINDING_RX.findall(proc.stdout))
    print(f"  {timing.tool:<44} median {timing.median:7.3f} s  runs {_runs(timing.runs)}", flush=True)
    return timing


def _runs(runs: list[float]) -> str:
    return " ".join(f"{r:.3f}" for r in runs)


# --- the machine, the peers, the corpus -----------------------------------------------------------


def machine() -> dict[str, object]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 1
    return {
        "nproc": usable,
        "loadavg": load_average(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
    }


def load_average() -> list[float]:
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):  # not Unix
        return []


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_peers(venv: Path) -> Path:
    """A scratch venv with pyflakes and ruff, outside the repo: created once, reused afterwards."""
    py = venv_python(venv)
    wanted = ["pyflakes", "ruff"]
    if not py.exists():
        print(f"creating the peers' venv at {venv} (once; reused afterwards)", flush=True)
        run([sys.executable, "-m", "venv", str(venv)])
    probe = "import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in sys.argv[1:]) else 1)"
    if run([str(py), "-c", probe, *wanted], check=False).returncode != 0:
        print(f"installing {' '.join(wanted)} into {venv}", flush=True)
        run([str(py), "-m", "pip", "install", "--quiet", *wanted])
    return py


def tool_version(cmd: list[str]) -> str:
    proc = run(cmd, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "unknown"


def stdlib_files(include_tests: bool) -> tuple[Path, list[str]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    skip = {"site-packages", "dist-packages", "__pycache__"}
    files: list[str] = []
    for path in stdlib.rglob("*.py"):
        rel = path.relative_to(stdlib)
        if skip & set(rel.parts[:-1]) or not path.is_file():
            continue
        if not include_tests and rel.parts[0] == "test":
            continue
        files.append(rel.as_posix())
    if not files:
        raise BenchError(f"no *.py files under {stdlib}")
    return stdlib, sorted(files)


def make_corpus(base: Path, stdlib: Path, files: list[str]) -> Path:
    repo = base / "corpus"
    for rel in files:
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stdlib / rel, target)
    run(["git", "init", "--quiet", str(repo)])
    _git_add(repo, files)
    run(["git", *GIT_ID, *GIT_SAFE, "commit", "--quiet", "--no-verify", "-m", "stdlib corpus"], cwd=repo)
    tracked = run(["git", "ls-files", "-z"], cwd=repo).stdout.split("\0")
    if sorted(t for t in tracked if t) != files:
        raise BenchError("the corpus repo does not track exactly the stdlib files copied into it")
    return repo


def _git_add(repo: Path, files: list[str]) -> None:
    # Explicit paths and --force, not `add -A`: exactly these files, whatever a global excludesfile
    # says. Batches keep each command line well under ARG_MAX.
    for i in range(0, len(files), 500):
        run(["git", *GIT_SAFE, "add", "--force", "--", *files[i : i + 500]], cwd=repo)


def count_lines(repo: Path, files: list[str]) -> int:
    return sum((repo / f).read_bytes().count(b"\n") for f in files)


def write_config(repo: Path, packs: list[str]) -> None:
    # Left untracked on purpose: the hook's --all-files and staged scopes come from git, so the
    # config never joins the file set the tools are compared on.
    (repo / ".ava-safety.yaml").write_text(f"packs: [{', '.join(packs)}]\n", encoding="utf-8")


def hook_command(name: str = HOOK) -> list[str]:
    """A hook as a user runs it: the current interpreter's console script, else `python -m`."""
    script = Path(sys.executable).parent / name
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "hooks." + name.replace("-", "_")]


def hook_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    # The hook must not see git state of the shell that started the benchmark.
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
        env.pop(key, None)
    return env


def check_hook_saw(
    repo: Path, cmd: list[str], expected: int, env: dict[str, str], name: str = HOOK
) -> dict[str, object]:
    """One untimed run that writes its results file, to prove the hook checked the whole corpus."""
    results = repo / ".git" / "ava-safety" / "results" / f"{name}.json"
    results.unlink(missing_ok=True)
    proc = run([*cmd, "--all-files"], cwd=repo, check=False, env=env)
    why = crashed(proc)
    if why:
        raise BenchError(f"{name} crashed ({why}) on the corpus:\n{_tail(proc.stderr)}")
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchError(f"{name} wrote no readable results file ({results}): {exc}") from None
    files = data.get("files")
    if files != expected:
        raise BenchError(f"{name} checked {files} files, the corpus has {expected}")
    findings = data.get("findings")
    by_rule: dict[str, int] = {}
    for finding in findings if isinstance(findings, list) else []:
        by_rule[finding["rule"]] = by_rule.get(finding["rule"], 0) + 1
    return {
        "files": files,
        "findings": len(findings) if isinstance(findings, list) else None,
        "by_rule": dict(sorted(by_rule.items())),
        "exit_code": proc.returncode,
        "seconds_inside": data.get("seconds"),
    }


# --- the typical commit -------------------------------------------------------------------------


def pick_commit_files(repo: Path, files: list[str], count: int) -> list[str]:
    """`count` mid-size files (around the median line count) that parse, outside test/ if possible."""
    candidates = [f for f in files if not f.startswith("test/")] or files
    sized = sorted(((repo / f).read_bytes().count(b"\n"), f) for f in candidates)
    middle = len(sized) // 2
    picked: list[str] = []
    for offset in range(len(sized)):
        for index in (middle + offset, middle - offset - 1):
            if 0 <= index < len(sized) and len(picked) < count:
                name = sized[index][1]
                try:
                    ast.parse((repo / name).read_bytes())
                except (SyntaxError, ValueError):
                    continue
                if name not in picked:
                    picked.append(name)
        if len(picked) >= count:
            break
    return picked


@dataclass
class CommitResult:
    files: list[str]
    lines: int
    timings: list[Timing]  # the hook, then pyflakes


def typical_commit(
    repo: Path,
    files: list[str],
    runs: int,
    *,
    warmup: bool,
    hook: list[str],
    env: dict[str, str],
    pyflakes: list[str],
) -> CommitResult:
    picked = pick_commit_files(repo, files, COMMIT_FILES)
    lines = count_lines(repo, picked)
    print(f"\ntypical commit, ava-olo pack: {len(picked)} staged files, {lines} lines: {', '.join(picked)}")
    write_config(repo, ["generic", "ava-olo"])
    try:
        for name in picked:
            with (repo / name).open("a", encoding="utf-8") as fh:
                fh.write(EDIT_LINE)
        run(["git", *GIT_SAFE, "add", "--", *picked], cwd=repo)
        staged = run(["git", "diff", "--cached", "--name-only", "-z"], cwd=repo).stdout.split("\0")
        if sorted(s for s in staged if s) != sorted(picked):
            raise BenchError(f"staged files differ from the picked ones: {staged}")
        own = Timing(f"{HOOK} (staged, no args)", hook, len(picked), lines)
        peer = Timing("pyflakes", [*pyflakes, *picked], len(picked), lines)
        timings = [
            measure(own, repo, runs, warmup=warmup, env=env),
            measure(peer, repo, runs, warmup=warmup),
        ]
        for name in START_HOOKS:  # as pre-commit runs them: the staged files named
            other = Timing(f"{name} (5 named files)", [*hook_command(name), *picked], len(picked), lines)
            timings.append(measure(other, repo, runs, warmup=warmup, env=env))
    finally:
        run(["git", "reset", "--quiet", "HEAD", "--", *picked], cwd=repo, check=False)
        run(["git", "checkout", "--quiet", "--", *picked], cwd=repo, check=False)
    if run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo).stdout.strip():
        raise BenchError("could not restore the corpus repo after the typical commit")
    return CommitResult(picked, lines, timings)


# --- profile ------------------------------------------------------------------------------------


def profile_hook(repo: Path, base: Path, env: dict[str, str], top: int) -> str:
    """cProfile one in-process run (--jobs 1, or the work hides in worker processes)."""
    write_config(repo, ["generic", "ava-olo"])
    out = base / "hook.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", HOOK_MODULE]
    cmd += ["--all-files", "--no-results", "--jobs", "1"]
    started = time.perf_counter()
    proc = run(cmd, cwd=repo, check=False, env=env)
    seconds = time.perf_counter() - started
    why = crashed(proc)
    if why:
        raise BenchError(f"{HOOK} crashed under cProfile ({why}):\n{_tail(proc.stderr)}")
    text = io.StringIO()
    text.write(f"cProfile of {HOOK} --all-files --jobs 1, ava-olo pack: {seconds:.2f} s wall (profiled)\n")
    stats = pstats.Stats(str(out), stream=text)
    text.write("\n-- the hook's own functions by cumulative time --\n")
    stats.sort_stats("cumulative").print_stats(r"[/\\]hooks[/\\]", top)  # before strip_dirs: by path
    stats.strip_dirs()
    text.write("\n-- everything by own time --\n")
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


# --- design-rules on real templates and stylesheets (--design) ---------------------------------------
# The HTML and CSS that ship inside popular PyPI packages (Django's admin and error pages, Sphinx and
# its themes, Jupyter) are a corpus of real templates: Django and Jinja syntax, inheritance, inline
# styles, minified and hand-written CSS, custom properties. The packages are installed with --no-deps
# into the scratch venv (outside the repo); only their *.html/*.htm/*.css are copied into a temp repo.

DESIGN_HOOK = "design-rules"
DESIGN_HOOK_MODULE = "hooks.design_rules"
DESIGN_PACKAGES = {  # distribution -> import directory in site-packages
    "django": "django",
    "sphinx": "sphinx",
    "sphinx-rtd-theme": "sphinx_rtd_theme",
    "furo": "furo",
    "pydata-sphinx-theme": "pydata_sphinx_theme",
    "notebook": "notebook",
    "jupyterlab": "jupyterlab",
}
DESIGN_SUFFIXES = (".html", ".htm", ".css")
DESIGN_MIN_FILES = 200
DESIGN_PARSE_FLOOR = """\
import sys, time, html.parser, tinycss2
from pathlib import Path
root = Path(sys.argv[1])
started = time.perf_counter()
for name in sys.argv[2:]:
    text = (root / name).read_text("utf-8", "replace")
    if name.endswith(".css"):
        tinycss2.parse_stylesheet(text)
    else:
        html.parser.HTMLParser().feed(text)
print(f"{time.perf_counter() - started:.3f}")
"""


def ensure_design_corpus(venv: Path) -> Path:
    """The corpus packages in the scratch venv (installed once, without their dependencies)."""
    py = venv_python(venv)
    if not py.exists():
        print(f"creating the scratch venv at {venv} (once; reused afterwards)", flush=True)
        run([sys.executable, "-m", "venv", str(venv)])
    site = Path(
        run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    missing = [dist for dist, folder in DESIGN_PACKAGES.items() if not (site / folder).is_dir()]
    if missing:
        print(f"installing the design corpus into {venv}: {' '.join(missing)} (--no-deps)", flush=True)
        run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", *missing])
    return site


def design_files(site: Path) -> list[str]:
    files: list[str] = []
    for folder in DESIGN_PACKAGES.values():
        for path in sorted((site / folder).rglob("*")):
            if path.suffix.lower() in DESIGN_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                files.append(path.relative_to(site).as_posix())
    files.sort()
    if len(files) < DESIGN_MIN_FILES:
        raise BenchError(f"the design corpus has {len(files)} files, fewer than {DESIGN_MIN_FILES}")
    return files


def design_command(jobs: int | None) -> list[str]:
    script = Path(sys.executable).parent / DESIGN_HOOK
    cmd = [str(script)] if script.is_file() and os.access(script, os.X_OK) else [
        sys.executable, "-m", DESIGN_HOOK_MODULE
    ]  # fmt: skip
    return cmd + ([] if jobs is None else ["--jobs", str(jobs)])


def bench_design(args: argparse.Namespace, base: Path) -> dict[str, object]:
    warmup = not args.quick
    info = machine()
    print(f"machine: {info['nproc']} cores usable ({info['cpu_count']} online), {info['cpu_model']}")
    load = load_average()
    print(f"load:    {_load(load)}")
    site = ensure_design_corpus(args.venv)
    files = design_files(site)
    repo = make_corpus(base, site, files)
    lines = count_lines(repo, files)
    per_package = {
        folder: sum(f.startswith(folder + "/") for f in files) for folder in DESIGN_PACKAGES.values()
    }
    html_count = sum(not f.endswith(".css") for f in files)
    print(
        f"corpus:  {len(files)} files ({html_count} templates/pages, {len(files) - html_count} stylesheets), "
        f"{lines} lines, {sum((repo / f).stat().st_size for f in files) // 1024} KiB, committed in {repo}"
    )
    print("         " + ", ".join(f"{name} {count}" for name, count in per_package.items()))
    after = ", after a warm-up run" if warmup else ""
    print(f"runs:    {args.runs} per measurement, median wall seconds{after}")
    env = hook_env()
    timings: list[Timing] = []
    seen: dict[str, dict[str, object]] = {}
    for packs in (["generic"], ["generic", "ava-olo"]):
        write_config(repo, packs)
        for jobs in (args.jobs, 1) if args.jobs != 1 else (1,):
            cmd = design_command(jobs)
            label = f"{DESIGN_HOOK} [{', '.join(packs)}]" + (" --jobs 1" if jobs == 1 else "")
            if jobs == args.jobs:
                seen[label] = check_hook_saw(repo, cmd, len(files), env, DESIGN_HOOK)
            timing = Timing(label, [*cmd, "--all-files", "--no-results"], len(files), lines)
            measure(timing, repo, args.runs, warmup=warmup, env=env)
            timing.findings = seen.get(label, {}).get("findings")  # type: ignore[assignment]
            timings.append(timing)
    floor = Timing("parse only: html.parser + tinycss2, 1 process", [], len(files), lines)
    for _ in range(args.runs):
        proc = run([sys.executable, "-c", DESIGN_PARSE_FLOOR, str(repo), *files])
        floor.runs.append(float(proc.stdout.strip()))
    print(f"  {floor.tool:<44} median {floor.median:7.3f} s  runs {_runs(floor.runs)}", flush=True)
    # a typical commit: pre-commit passes the staged files' names (pass_filenames: true)
    picked = pick_design_commit(repo, files)
    named = [*design_command(args.jobs), "--no-results", *picked]
    commit = Timing(
        f"{DESIGN_HOOK} [generic, ava-olo], 5 named files", named, len(picked), count_lines(repo, picked)
    )
    measure(commit, repo, args.runs, warmup=warmup, env=env)
    print(f"\nload at the end: {_load(load_average())}")
    print(f"\n== design-rules on {len(files)} real HTML/CSS files ==")
    print(table([*timings, floor, commit], floor).replace("x pyflakes", "x parsing"))
    print("(x parsing: against parsing the same files once, no checks, no process pool;")
    print(" exit code 1 is expected: the corpus breaks the rules)")
    for label, data in seen.items():
        print(
            f"{label}: {data['findings']} findings "
            + " ".join(f"{r}:{n}" for r, n in data["by_rule"].items())
        )
    ok = commit.median < COMMIT_TARGET_S
    print(f"\n{verdict(ok)}  5-file commit: {commit.median:.3f} s wall, target < {COMMIT_TARGET_S} s")
    return {
        "machine": info,
        "corpus": {"files": len(files), "lines": lines, "per_package": per_package, "commit_files": picked},
        "runs": args.runs,
        "timings": [_as_dict(t, floor) for t in [*timings, floor, commit]],
        "results": seen,
        "targets": {"commit_s": {"value": commit.median, "limit": COMMIT_TARGET_S, "pass": ok}},
    }


def pick_design_commit(repo: Path, files: list[str]) -> list[str]:
    """Five mid-size files as a change would touch them: templates and one stylesheet."""

    def size(f: str) -> int:
        return (repo / f).stat().st_size

    templates = sorted((f for f in files if not f.endswith(".css")), key=size)
    sheets = sorted((f for f in files if f.endswith(".css")), key=size)
    middle = len(templates) // 2
    return templates[middle - 2 : middle + 2] + sheets[len(sheets) // 2 : len(sheets) // 2 + 1]


# --- real repositories (--repo) ---------------------------------------------------------------------

FILE_HOOKS = ("syntax-imports", "env-vars", "deploy-config", "design-rules", "version-consistency")
REPO_COMMIT_TARGET_S = 0.3
REPO_RATIO_TARGET = 2.0
VENDORED_PARTS = frozenset(
    {"node_modules", "vendor", "vendored", "third_party", "site-packages", ".venv", "venv", "dist"}
)


def own_python_files(repo: Path) -> list[str]:
    """The team's own tracked Python files: vendored trees (node_modules/, site-packages/, a tree
    that holds its own *.dist-info) left out, as a user comparing with pyflakes would leave them."""
    tracked = [t for t in run(["git", "ls-files", "-z"], cwd=repo).stdout.split("\0") if t]
    bundles = {t.split(".dist-info/")[0].rsplit("/", 1)[0] for t in tracked if ".dist-info/" in t}
    out = []
    for path in tracked:
        parts = path.split("/")
        if not path.endswith(".py") or VENDORED_PARTS & set(parts[:-1]):
            continue
        if any(path.startswith(b + "/") for b in bundles if b):
            continue
        out.append(path)
    return out


def clone_repo(source: Path, base: Path) -> Path:
    if not (source / ".git").exists():
        raise BenchError(f"{source} is not a git repository")
    target = base / source.resolve().name
    run(["git", "clone", "--quiet", "--local", str(source), str(target)], timeout=TIMEOUT)
    return target


def bench_repo(repo: Path, runs: int, warmup: bool, pyflakes: list[str]) -> dict[str, object]:
    env = hook_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    own = own_python_files(repo)
    lines = count_lines(repo, own)
    print(f"\n== {repo.name}: {len(own)} Python files of its own, {lines} lines ==")
    print("all files:")
    whole = [measure(Timing("pyflakes (own Python files)", [*pyflakes, *own], len(own), lines), repo, runs,
                     warmup=warmup)]  # fmt: skip
    for name in (HOOK, *FILE_HOOKS):
        timing = Timing(f"{name} --all-files", [*hook_command(name), "--all-files", "--no-results"],
                        len(own), lines)  # fmt: skip
        whole.append(measure(timing, repo, runs, warmup=True, env=env))
    picked = pick_commit_files(repo, own, COMMIT_FILES)
    picked_lines = count_lines(repo, picked)
    print(f"5-file commit ({picked_lines} lines: {', '.join(picked)}), warm cache:")
    commit: list[Timing] = []
    try:
        for name in picked:
            with (repo / name).open("a", encoding="utf-8") as fh:
                fh.write(EDIT_LINE)
        run(["git", *GIT_SAFE, "add", "--", *picked], cwd=repo)
        commit.append(measure(Timing("pyflakes", [*pyflakes, *picked], len(picked), picked_lines), repo, runs,
                              warmup=warmup))  # fmt: skip
        staged = Timing(f"{HOOK} (staged, no args)", [*hook_command(HOOK), "--no-results"], len(picked),
                        picked_lines)  # fmt: skip
        commit.append(measure(staged, repo, runs, warmup=True, env=env))
        for name in FILE_HOOKS:  # as pre-commit runs them: the staged files its filter admits, named
            timing = Timing(f"{name} (5 named files)", [*hook_command(name), "--no-results", *picked],
                            len(picked), picked_lines)  # fmt: skip
            commit.append(measure(timing, repo, runs, warmup=True, env=env))
    finally:
        run(["git", "reset", "--quiet", "HEAD", "--", *picked], cwd=repo, check=False)
        run(["git", "checkout", "--quiet", "--", *picked], cwd=repo, check=False)
    print(f"\n{repo.name}, all files:")
    print(table(whole, whole[0]))
    print(f"\n{repo.name}, 5-file commit:")
    print(table(commit, commit[0]))
    targets = []
    for t in commit[1:]:
        ok = t.median <= REPO_COMMIT_TARGET_S
        targets.append({"what": f"commit {t.tool}", "value": t.median, "pass": ok})
        print(f"{verdict(ok)}  5-file commit: {t.tool} {t.median:.3f} s, target <= {REPO_COMMIT_TARGET_S} s")
    for t in whole[1:]:
        ratio = t.median / whole[0].median
        ok = ratio <= REPO_RATIO_TARGET
        targets.append({"what": t.tool, "value": ratio, "pass": ok})
        print(
            f"{verdict(ok)}  {t.tool}: {t.median:.3f} s = {ratio:.2f}x pyflakes, "
            f"target <= {REPO_RATIO_TARGET}x"
        )
    return {
        "repo": repo.name,
        "own_python_files": len(own),
        "lines": lines,
        "whole": [_as_dict(t, whole[0]) for t in whole],
        "commit": {"files": picked, "timings": [_as_dict(t, commit[0]) for t in commit]},
        "targets": targets,
    }


def bench_repos(args: argparse.Namespace, base: Path) -> dict[str, object]:
    info = machine()
    print(f"machine: {info['nproc']} cores usable ({info['cpu_count']} online), {info['cpu_model']}")
    load = load_average()
    print(f"load:    {_load(load)}")
    py = str(ensure_peers(args.venv))
    pyflakes = [py, "-m", "pyflakes"]
    print(f"peers:   pyflakes {tool_version([*pyflakes, '--version'])}")
    print(f"runs:    {args.runs} per tool, median wall seconds, subprocesses incl. interpreter start-up")
    results = [bench_repo(clone_repo(path, base), args.runs, not args.quick, pyflakes) for path in args.repo]
    print(f"\nload at the end: {_load(load_average())}")
    return {"machine": info, "runs": args.runs, "repos": results}


# --- report -------------------------------------------------------------------------------------


def table(timings: list[Timing], reference: Timing) -> str:
    w = max(len("tool"), *(len(t.tool) for t in timings))
    cols = f"{'files':>6} {'lines':>8} {'median s':>9} {'min s':>8} {'files/s':>9} {'x pyflakes':>10}"
    cols += f" {'findings':>9}"
    rows = [f"{'tool':<{w}} {cols}"]
    rows.append("-" * len(rows[0]))
    for t in timings:
        ratio = f"{t.median / reference.median:.2f}" if reference.median > 0 else "-"
        found = "-" if t.findings is None else str(t.findings)
        figures = f"{t.median:>9.3f} {min(t.runs):>8.3f} {t.files_per_s:>9.0f} {ratio:>10} {found:>9}"
        rows.append(f"{t.tool:<{w}} {t.files:>6} {t.lines:>8} {figures}")
    return "\n".join(rows)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _as_dict(t: Timing, reference: Timing) -> dict[str, object]:
    data = asdict(t)
    data["command"] = _show(t.command, 16)
    data["median_s"] = t.median
    data["files_per_s"] = t.files_per_s
    data["ratio_to_pyflakes"] = t.median / reference.median if reference.median > 0 else None
    return data


def _load(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values) + " (1/5/15 min)" if values else "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = parser.add_argument
    add("--runs", type=int, default=5, help="timed runs per tool (default 5; the median is reported)")
    add("--quick", action="store_true", help="1 run per tool and no warm-up: a smoke test")
    add("--json", type=Path, metavar="FILE", help="also write the figures as JSON here")
    add("--no-tests", action="store_true", help="leave the stdlib's test/ out of the corpus")
    add("--jobs", type=int, help="pass --jobs to the hook (default: the hook's own, all cores)")
    add(
        "--venv",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ava-safety-bench-venv",
        help="scratch venv for the peers (default $TMPDIR/ava-safety-bench-venv)",
    )
    add("--profile", action="store_true", help="also cProfile the hook once on the corpus")
    add("--top", type=int, default=15, help="rows of the profile to print (default 15)")
    add("--keep", action="store_true", help="keep the corpus repo (its path is printed)")
    add("--design", action="store_true", help="design-rules on real HTML/CSS from PyPI packages instead")
    add("--guards", action="store_true", help="working-systems on the stdlib, cold and cached, instead")
    add(
        "--repo",
        type=Path,
        action="append",
        metavar="PATH",
        help="measure every file-level hook on (a clone of) this git repository instead; repeatable",
    )
    add("--regex", action="store_true", help="the cost of time-bounded team regexes instead")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def bench(args: argparse.Namespace, base: Path) -> dict[str, object]:
    """Set up, measure and print; returns the figures for --json."""
    warmup = not args.quick
    info = machine()
    print(f"machine: {info['nproc']} cores usable ({info['cpu_count']} online), {info['cpu_model']}")
    load = load_average()
    busy = bool(load) and load[0] > 0.5 * (os.cpu_count() or 1)
    print(f"load:    {_load(load)}{'  (busy machine: expect noisy figures)' if busy else ''}")
    print(f"python:  {info['implementation']} {info['python']} ({info['executable']})")

    py = str(ensure_peers(args.venv))
    pyflakes_cmd = [py, "-m", "pyflakes"]
    ruff_cmd = [py, "-m", "ruff", "check", "--select", "F", "--isolated", "--no-cache"]
    ruff_cmd += ["--output-format", "concise", "--quiet"]
    versions = {
        "pyflakes": tool_version([py, "-m", "pyflakes", "--version"]),
        "ruff": tool_version([py, "-m", "ruff", "--version"]),
    }
    print(f"peers:   pyflakes {versions['pyflakes']}; {versions['ruff']} (venv {args.venv})")
    print("         ruff: --isolated --no-cache, its own threads; pyflakes: one process")
    hook = hook_command() + ([] if args.jobs is None else ["--jobs", str(args.jobs)])
    print(f"hook:    {' '.join(hook)}")

    stdlib, files = stdlib_files(include_tests=not args.no_tests)
    print(
        f"corpus:  {stdlib}: *.py, site-packages skipped, test/ {'excluded' if args.no_tests else 'included'}"
    )
    repo = make_corpus(base, stdlib, files)
    lines = count_lines(repo, files)
    print(f"         {len(files)} files, {lines} lines, committed in {repo}")
    print(f"runs:    {args.runs} per tool, median wall seconds{', after a warm-up run' if warmup else ''}")

    env = hook_env()
    cache = [repo / ".git" / "ava-safety" / "cache"]  # cleared before each run: cold figures
    print("\nwhole corpus:")
    whole: list[Timing] = []
    for tool, cmd in (("pyflakes", pyflakes_cmd), ("ruff check --select F", ruff_cmd)):
        # Explicit file lists: the peers see exactly the files the hook sees as tracked.
        timing = Timing(tool, [*cmd, *files], len(files), lines)
        whole.append(measure(timing, repo, args.runs, warmup=warmup))
    seen: dict[str, dict[str, object]] = {}
    for packs in (["generic"], ["generic", "ava-olo"]):
        write_config(repo, packs)
        label = f"{HOOK} [{', '.join(packs)}]"
        # An untimed run that writes its results: proof it checked every file (and a warm-up).
        seen[label] = check_hook_saw(repo, hook, len(files), env)
        timing = Timing(label, [*hook, "--all-files", "--no-results"], len(files), lines)
        whole.append(measure(timing, repo, args.runs, warmup=False, env=env, before=cache))
        timing.findings = seen[label]["findings"]  # type: ignore[assignment]
    write_config(repo, ["generic"])
    for name in START_HOOKS:
        cmd = hook_command(name)
        seen[name] = check_hook_saw(repo, cmd, len(files), env, name)
        timing = Timing(f"{name} [generic]", [*cmd, "--all-files", "--no-results"], len(files), lines)
        whole.append(measure(timing, repo, args.runs, warmup=False, env=env, before=cache))
        timing.findings = seen[name]["findings"]  # type: ignore[assignment]

    commit = typical_commit(repo, files, args.runs, warmup=warmup, hook=hook, env=env, pyflakes=pyflakes_cmd)
    profile = profile_hook(repo, base, env, args.top) if args.profile else None

    pyflakes, ava_olo = whole[0], whole[3]  # pyflakes, ruff, [generic], [generic, ava-olo]
    commit_hook, commit_pyflakes = commit.timings[:2]
    starts = [t for t in whole if t.tool.split(" ")[0] in START_HOOKS]
    start_commits = commit.timings[2:]
    commit_ok = commit_hook.median < COMMIT_TARGET_S
    ratio = ava_olo.median / pyflakes.median
    ratio_ok = ratio <= STDLIB_RATIO_TARGET

    print(f"\nload at the end: {_load(load_average())}")
    print("\n== whole stdlib corpus ==")
    print(table(whole, pyflakes))
    print("\n== typical commit: 5 staged files, subprocess wall time incl. interpreter start-up ==")
    print(table(commit.timings, commit_pyflakes))
    print("(exit code 1 = the tool found something, expected; findings: lines of output, hook: its results;")
    print(" files/s and x pyflakes are from the medians; min s shows how noisy the machine was)")
    print("\n== targets ==")
    print(
        f"{verdict(commit_ok)}  5-file commit: hook {commit_hook.median:.3f} s wall, "
        f"target < {COMMIT_TARGET_S} s"
    )
    print(
        f"{verdict(ratio_ok)}  whole stdlib, ava-olo pack: {ava_olo.median:.3f} s = {ratio:.2f}x pyflakes "
        f"({pyflakes.median:.3f} s), target <= {STDLIB_RATIO_TARGET:.0f}x"
    )
    for whole_run, commit_run in zip(starts, start_commits, strict=True):
        name = whole_run.tool.split(" ")[0]
        r = whole_run.median / pyflakes.median
        ok = commit_run.median < COMMIT_TARGET_S
        print(f"{verdict(ok)}  5-file commit: {name} {commit_run.median:.3f} s wall")
        ok = r <= STDLIB_RATIO_TARGET
        print(f"{verdict(ok)}  whole stdlib: {name} {whole_run.median:.3f} s = {r:.2f}x pyflakes")
    if profile:
        print("\n== profile ==")
        print(profile)
    return {
        "machine": info,
        "versions": versions,
        "hook_command": hook,
        "corpus": {
            "stdlib": str(stdlib),
            "tests_included": not args.no_tests,
            "files": len(files),
            "lines": lines,
        },
        "runs": args.runs,
        "warmup": warmup,
        "whole": [_as_dict(t, pyflakes) for t in whole],
        "hook_verification": seen,
        "commit": {
            "files": commit.files,
            "lines": commit.lines,
            "timings": [_as_dict(t, commit_pyflakes) for t in commit.timings],
        },
        "targets": {
            "commit_hook_s": {"value": commit_hook.median, "limit": COMMIT_TARGET_S, "pass": commit_ok},
            "stdlib_ratio_to_pyflakes": {"value": ratio, "limit": STDLIB_RATIO_TARGET, "pass": ratio_ok},
        },
    }


# --- working-systems: the import graph of the stdlib, cold and from the content-hash cache --------------

GUARD_SYSTEMS = """\
working_systems:
  - name: web
    entry: [http/server.py, wsgiref/simple_server.py, xmlrpc/server.py]
  - name: mail
    entry: [smtplib, email]
  - name: tooling
    entry: [unittest, asyncio, concurrent.futures]
"""
GUARD_CACHE = ("cache", "py-facts.json")  # under .git/ava-safety, hooks._guards.pyfacts


def bench_guards(args: argparse.Namespace, base: Path) -> dict[str, object]:
    """A one-file push to the stdlib corpus, judged by working-systems: cold (no cache) and cached.
    The change edits `email/utils.py`, which the declared systems reach through their imports."""
    info = machine()
    print(f"machine: {info['nproc']} cores usable ({info['cpu_count']} online), {info['cpu_model']}")
    stdlib, files = stdlib_files(include_tests=not args.no_tests)
    repo = make_corpus(base, stdlib, files)
    (repo / ".ava-safety.yaml").write_text(GUARD_SYSTEMS, encoding="utf-8")
    run(["git", *GIT_SAFE, "add", "--force", ".ava-safety.yaml"], cwd=repo)
    run(["git", *GIT_ID, *GIT_SAFE, "commit", "--quiet", "--no-verify", "-m", "systems"], cwd=repo)
    with (repo / "email" / "utils.py").open("a", encoding="utf-8") as handle:
        handle.write("\nBENCH_LIMIT = 1\n")
    run(["git", *GIT_ID, *GIT_SAFE, "commit", "--quiet", "--no-verify", "-am", "a change"], cwd=repo)
    cmd = [*hook_command("working-systems"), "--from-ref", "HEAD~1", "--no-smoke", "--no-results"]
    env = hook_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed hook runs from bytecode, as the probe leaves it
    cache = repo / ".git" / "ava-safety" / Path(*GUARD_CACHE)
    probe = run(cmd, cwd=repo, check=False, env=env)
    if crashed(probe) or probe.returncode != 1 or "WS001" not in probe.stdout:
        found = f"exit {probe.returncode}:\n{_tail(probe.stdout + probe.stderr)}"
        raise BenchError(f"working-systems did not find the touch ({found})")
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(args.runs):
        cache.unlink(missing_ok=True)
        started = time.perf_counter()
        run(cmd, cwd=repo, check=False, env=env)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        run(cmd, cwd=repo, check=False, env=env)
        warm.append(time.perf_counter() - started)
    ratio = statistics.median(cold) / statistics.median(warm)
    print(f"corpus: {len(files)} files; the push touches {probe.stdout.count('WS001')} system(s)")
    print(f"working-systems cold   median {statistics.median(cold):.3f}s ({_runs(cold)})")
    print(f"working-systems cached median {statistics.median(warm):.3f}s ({_runs(warm)})")
    load = _load(load_average())
    print(f"cached is {ratio:.1f}x faster (target >= 5x): {verdict(ratio >= 5)}  load {load}")
    return {"machine": info, "files": len(files), "cold_s": cold, "cached_s": warm, "ratio": round(ratio, 2)}


def bench_regex(args: argparse.Namespace) -> dict[str, object]:
    """Every `regex`/`strings` pattern of the bundled packs searched over every line of the stdlib,
    compiled as a bundled rule (`re`) and as a team's (`regex` with a time budget), and the cost of
    the load-time check for exponential repetitions."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import yaml

    from hooks._checks import regexes

    patterns: list[tuple[str, int]] = []
    for path in sorted((Path(__file__).resolve().parent.parent / "rules").glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in doc.get("rules") or []:
            if rule.get("check") in ("regex", "strings") and isinstance(rule.get("pattern"), str):
                patterns.append((rule["pattern"], re.I if rule.get("ignore-case") else 0))
    stdlib, files = stdlib_files(include_tests=not args.no_tests)
    lines = [
        line
        for f in files
        for line in (stdlib / f).read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    print(f"corpus:  {len(files)} stdlib files, {len(lines)} lines; {len(patterns)} bundled patterns")
    start = time.perf_counter()
    for pattern, flags in patterns:
        regexes.exponential_part(pattern, flags)
    check_ms = (time.perf_counter() - start) * 1000 / max(len(patterns), 1)
    with regexes.trusted():
        plain = [regexes.compile_rule_regex(p, "pattern", f) for p, f in patterns]
    timed = [regexes.compile_rule_regex(p, "pattern", f) for p, f in patterns]
    figures: dict[str, object] = {"patterns": len(patterns), "lines": len(lines), "check_ms": check_ms}
    for label, compiled in (("re (bundled)", plain), ("regex, time-bounded (team)", timed)):
        runs = []
        for _ in range(args.runs):
            start = time.perf_counter()
            for rx in compiled:
                regexes.begin(rx, lines)
                for line in lines:
                    rx.search(line)
            runs.append(time.perf_counter() - start)
        median = statistics.median(runs)
        figures[label] = median
        print(f"{label:28} {median:7.2f} s  {median / (len(lines) * len(compiled)) * 1e6:5.2f} µs/call")
    ratio = float(figures["regex, time-bounded (team)"]) / float(figures["re (bundled)"])  # type: ignore[arg-type]
    print(f"time-bounded / re: {ratio:.2f}x; load-time check: {check_ms:.1f} ms per pattern")
    figures["ratio"] = ratio
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="ava-safety-bench-"))
    try:
        if args.guards:
            report = bench_guards(args, base)
        elif args.repo:
            report = bench_repos(args, base)
        elif args.regex:
            report = bench_regex(args)
        else:
            report = bench_design(args, base) if args.design else bench(args, base)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            print(f"\nwrote {args.json}")
        return 0
    except BenchError as exc:
        print(f"\nbench: FAILED: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
