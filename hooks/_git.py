"""Git access for the hooks: which files to check and where results may be written.

The commit path uses plain `git` subprocesses (GitPython costs import time that a hook on every
commit should not pay). Every call has a timeout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

TIMEOUT = 30


class GitError(Exception):
    pass


def _git(args: list[str], cwd: Path) -> str:
    if shutil.which("git") is None:
        raise GitError("git is not installed or not on PATH; install git or pass file names explicitly")
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not answer within {TIMEOUT}s") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        # the fatal line names the problem; hint lines after it (e.g. "Use '--' to separate ...") do not
        fatal = [line for line in detail if line.startswith(("fatal:", "error:"))]
        reason = fatal[0] if fatal else detail[-1] if detail else proc.returncode
        raise GitError(f"git {' '.join(args[:2])} failed: {reason}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def repo_root(cwd: Path) -> Path:
    return Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())


def _z(output: str) -> list[str]:
    return [p for p in output.split("\0") if p]


def tracked_files(root: Path) -> list[str]:
    return _z(_git(["ls-files", "-z", "--cached"], root))


def staged_files(root: Path) -> list[str]:
    return _z(_git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"], root))


def changed_between(root: Path, from_ref: str, to_ref: str) -> list[str]:
    return _z(_git(["diff", "--name-only", "-z", "--diff-filter=ACMR", f"{from_ref}...{to_ref}"], root))


def state_dir(root: Path) -> Path:
    """`.git/ava-safety`: where results, caches and logs live (never a tracked file)."""
    common = _git(["rev-parse", "--git-common-dir"], root).strip()
    path = Path(common)
    if not path.is_absolute():
        path = root / path
    return path / "ava-safety"


def push_range_from_env() -> tuple[str, str] | None:
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_SOURCE")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
    if from_ref and to_ref:
        return from_ref, to_ref
    return None


def grep_tracked(root: Path, pattern: str, pathspec: str = "*.py") -> list[str]:
    """Tracked files under `pathspec` whose work-tree text matches the extended regex `pattern`.

    One `git grep` reads the files in C, in parallel: a cheap first test over a whole repository.
    """
    if shutil.which("git") is None:
        raise GitError("git is not installed or not on PATH")
    args = ["git", "grep", "-l", "-z", "-I", "-E", "-e", pattern, "--", pathspec]
    try:
        proc = subprocess.run(args, cwd=root, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git grep did not answer within {TIMEOUT}s") from None
    if proc.returncode == 1 and not proc.stderr:
        return []  # nothing matches
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git grep failed: {detail[0] if detail else proc.returncode}")
    return _z(proc.stdout.decode("utf-8", "surrogateescape"))


def ignored(root: Path, paths: Iterable[str]) -> set[str]:
    """The repo-relative `paths` that the repository ignores: its .gitignore files (with their `!`
    negations) and .git/info/exclude, a path inside an ignored directory included, as git decides.

    One `git check-ignore` for all of them. The user's global excludes file is left out: it differs
    from one machine to the next. Outside a repository (a rule example in a plain directory) the
    .gitignore files under `root` are still read, by git, through a throwaway empty repository.
    """
    wanted = [p for p in dict.fromkeys(paths) if p and not p.startswith("/") and ".." not in p.split("/")]
    if not wanted:
        return set()
    if shutil.which("git") is None:
        raise GitError("git is not installed or not on PATH")
    stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in wanted)
    check = ["-c", "core.excludesFile=", "check-ignore", "--stdin", "-z"]
    proc = _run_stdin(["git", *check], root, stdin)
    if proc.returncode == 128 and b"not a git repository" in proc.stderr:
        with tempfile.TemporaryDirectory(prefix="ava-safety-") as empty:
            _run_stdin(["git", "init", "-q", "--bare", empty], root, b"")
            outside = ["git", f"--git-dir={empty}", f"--work-tree={root}", *check, "--no-index"]
            proc = _run_stdin(outside, root, stdin)
    if proc.returncode not in (0, 1):  # 1: none of them is ignored
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git check-ignore failed: {detail[0] if detail else proc.returncode}")
    return set(_z(proc.stdout.decode("utf-8", "surrogateescape")))


def _run_stdin(args: list[str], cwd: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[1]} did not answer within {TIMEOUT}s") from None
