"""Git access for the hooks: which files to check and where results may be written.

The commit path uses plain `git` subprocesses (GitPython costs import time that a hook on every
commit should not pay); GitPython is imported in `_repo` only, for the deploy commands. Every call has
a timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._read import Unread, size_text

TIMEOUT = 30
HEAD_SIZE = 8192  # of a blob over the size limit: enough to tell a binary one (hooks._source)


class GitError(Exception):
    pass


def _git_missing() -> bool:
    """No executable `git` on PATH (shutil.which's test, without importing shutil on every hook start)."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", "git")
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return False
    return True


def _git(args: list[str], cwd: Path) -> str:
    if _git_missing():
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


def tracked_and_sparse(root: Path) -> tuple[list[str], dict[str, IndexEntry]]:
    """The tracked files, and those of them a sparse checkout leaves out of the work tree
    (skip-worktree entries) with their index entries: their contents are read from the index."""
    tagged = _z(_git(["ls-files", "-z", "--cached", "-t"], root))
    files = [entry[2:] for entry in tagged]
    skipped = {entry[2:] for entry in tagged if entry.startswith("S ")}
    if not skipped:
        return files, {}
    return files, {path: e for path, e in index_entries(root).items() if path in skipped}


def index_entries(root: Path) -> dict[str, IndexEntry]:
    """Every stage-0 index entry: path -> (mode, blob id)."""
    out = {}
    for record in _z(_git(["ls-files", "-z", "--stage"], root)):
        meta, _, path = record.partition("\t")
        mode, oid, stage = meta.split()
        if stage == "0":
            out[path] = IndexEntry(mode, oid)
    return out


def staged_files(root: Path) -> list[str]:
    return _z(_git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"], root))


def unstaged_changes(root: Path) -> dict[str, IndexEntry]:
    """Tracked files whose work tree differs from the index (edited or deleted since `git add`),
    with their index entries: what a commit would take is the index, not the work tree."""
    out = {}
    args = ["diff", "--no-color", "--no-ext-diff", "--raw", "-z", "--no-abbrev", "--no-renames"]
    fields = _z(_git([*args, "--ignore-submodules"], root))
    for meta, path in zip(fields[::2], fields[1::2], strict=False):
        mode, _, oid, _, status = meta.lstrip(":").split(" ")
        if status[:1] in ("M", "D", "T") and mode != "000000":
            out[path] = IndexEntry(mode, oid)
    return out


def changed_between(root: Path, from_ref: str, to_ref: str) -> list[str]:
    # after --end-of-options, `--output=FILE` is a (bad) revision, never an option that writes a file
    args = ["diff", "--name-only", "-z", "--diff-filter=ACMR", "--end-of-options", f"{from_ref}...{to_ref}"]
    return _z(_git(args, root))


@dataclass(frozen=True)
class IndexEntry:
    mode: str  # "100644", "100755"; "120000" a symlink, "160000" a submodule
    oid: str


def read_blobs(root: Path, entries: Mapping[str, IndexEntry], limit: int) -> dict[str, bytes | Unread]:
    """The contents of index entries, with one `git cat-file --batch` (a symlink is a link, and a blob
    over `limit` bytes is not kept: the same rules as files on disk, see hooks._read)."""
    out: dict[str, bytes | Unread] = {}
    wanted: dict[str, list[str]] = {}
    for path, entry in entries.items():
        if entry.mode == "120000":
            out[path] = Unread("link", "a symlink")
        elif entry.mode == "160000":
            out[path] = Unread("directory", "a submodule")
        else:
            wanted.setdefault(entry.oid, []).append(path)
    found = read_objects(root, wanted, limit)
    for oid, paths in wanted.items():
        for path in paths:
            out[path] = found[oid]
    return out


def read_objects(root: Path, oids: Iterable[str], limit: int) -> dict[str, bytes | Unread]:
    """The contents of blobs by object name, with ONE `git cat-file --batch` (the one reader of git
    objects); a blob over `limit` bytes is Unread("too-large") with its head, a missing one
    Unread("missing")."""
    wanted = list(dict.fromkeys(o for o in oids if o))
    out: dict[str, bytes | Unread] = {}
    if not wanted:
        return out
    if _git_missing():
        raise GitError("git is not installed or not on PATH")
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    try:
        for oid in wanted:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                if not header:
                    raise GitError(f"git cat-file did not answer within {TIMEOUT}s")
                out[oid] = Unread("missing", "not in the git object store")
                continue
            out[oid] = _read_exactly(proc.stdout, int(header[2]), limit)
            proc.stdout.read(1)  # the newline after the contents
        proc.stdin.close()
        proc.wait(timeout=TIMEOUT)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        with contextlib.suppress(OSError):  # a git that died has left a pipe nobody reads
            proc.stdin.close()
    return out


def _read_exactly(stream: IO[bytes], size: int, limit: int) -> bytes | Unread:
    if size <= limit:
        data = stream.read(size)
        if len(data) != size:
            raise GitError("git cat-file ended in the middle of a blob")
        return data
    left = size
    head = b""
    while left:  # read past it, keeping only its start (binary or not)
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise GitError("git cat-file ended in the middle of a blob")
        head = head or chunk[:HEAD_SIZE]
        left -= len(chunk)
    return Unread("too-large", f"{size_text(size)}, over the size limit of {size_text(limit)}", size, head)


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
    if _git_missing():
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
    if _git_missing():
        raise GitError("git is not installed or not on PATH")
    stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in wanted)
    check = ["-c", "core.excludesFile=", "check-ignore", "--stdin", "-z"]
    proc = _run_stdin(["git", *check], root, stdin)
    if proc.returncode == 128 and b"not a git repository" in proc.stderr:
        import tempfile  # rare: outside a repository

        with tempfile.TemporaryDirectory(prefix="ava-safety-") as empty:
            _run_stdin(["git", "init", "-q", "--bare", empty], root, b"")
            outside = ["git", f"--git-dir={empty}", f"--work-tree={root}", *check, "--no-index"]
            proc = _run_stdin(outside, root, stdin)
    if proc.returncode not in (0, 1):  # 1: none of them is ignored
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git check-ignore failed: {detail[0] if detail else proc.returncode}")
    return set(_z(proc.stdout.decode("utf-8", "surrogateescape")))


def attributes(root: Path, paths: Iterable[str], names: Iterable[str]) -> dict[str, dict[str, str]]:
    """The git attributes `names` of each path that sets them: path -> {name: value}, where the value
    is git's `set`, `unset` (`-name`) or the text after `name=`; unspecified ones are left out.

    One `git check-attr --stdin` for all of them; a path outside the repository has none. The user's
    global attributes file is left out, as `ignored` leaves out the global excludes: a hook must
    decide the same on every machine.
    """
    wanted = [p for p in dict.fromkeys(paths) if p and not p.startswith("/") and ".." not in p.split("/")]
    names = list(names)
    if not wanted or not names:
        return {}
    if _git_missing():
        raise GitError("git is not installed or not on PATH")
    stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in wanted)
    proc = _run_stdin(
        ["git", "-c", "core.attributesFile=", "check-attr", "-z", "--stdin", *names], root, stdin
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git check-attr failed: {detail[0] if detail else proc.returncode}")
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: dict[str, dict[str, str]] = {}
    for i in range(0, len(fields) - 2, 3):  # path, attribute, value; repeated
        path, name, value = fields[i : i + 3]
        if value != "unspecified":
            out.setdefault(path, {})[name] = value
    return out


def _run_stdin(args: list[str], cwd: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[1]} did not answer within {TIMEOUT}s") from None


# --- deploy and rollback (GitPython: imported here only, and only by those commands) ----------------

DEPLOY_TAG_PREFIX = "deploy"


def _repo(root: Path) -> Any:
    import git  # GitPython: about 0.08 s to import, so never on the commit path

    return git.Repo(root)


def resolve(root: Path, rev: str) -> str:
    return _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root).strip()


def version_of(root: Path, commit: str) -> str:
    """The commit's tag (the highest vX.Y.Z, else any), else `git describe --tags`, else the short sha."""
    tags = [t for t in _git(["tag", f"--points-at={commit}"], root).split() if not t.startswith("deploy/")]
    if tags:
        semver = [t for t in tags if re.fullmatch(r"v?\d+(\.\d+)*", t)]
        key = lambda t: tuple(int(x) for x in t.lstrip("v").split("."))  # noqa: E731
        return max(semver, key=key) if semver else sorted(tags)[0]
    try:
        described = _git(
            ["describe", "--tags", "--exclude", "deploy/*", "--end-of-options", commit], root
        ).strip()
    except GitError:
        described = ""
    return described or _git(["rev-parse", "--short=12", "--end-of-options", commit], root).strip()


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    subject: str


def commit_info(root: Path, rev: str) -> CommitInfo:
    out = _git(["log", "-1", "--format=%H%x00%an <%ae>%x00%s", "--end-of-options", rev], root).rstrip("\n")
    sha, author, subject = (out.split("\0") + ["", ""])[:3]
    return CommitInfo(sha, author, subject)


def subjects_between(root: Path, old: str | None, new: str, *, limit: int = 30) -> list[str]:
    """Commit subjects in old..new (newest first): a deploy's change description."""
    spec = [f"{old}..{new}"] if old else [new]
    try:
        out = _git(["log", f"--max-count={limit + 1}", "--format=%h %s", "--end-of-options", *spec], root)
    except GitError:
        out = _git(["log", f"--max-count={limit + 1}", "--format=%h %s", "--end-of-options", new], root)
    lines = out.splitlines()
    return lines[:limit] + ([f"... and more since {old[:12]}"] if len(lines) > limit and old else [])


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether `older` is an ancestor of `newer` (and not the same commit)."""
    if not older or not newer or older == newer or older.startswith("-") or newer.startswith("-"):
        return False  # (GitPython hands them to git as they are: never an option)
    try:
        return bool(_repo(root).is_ancestor(older, newer))
    except Exception:  # noqa: BLE001 - an unknown commit (another clone's) is simply not an ancestor
        return False


def actor(root: Path) -> str:
    try:
        name = _git(["config", "user.name"], root).strip()
    except GitError:
        name = ""
    return name or os.environ.get("USER", "") or os.environ.get("USERNAME", "")


@dataclass(frozen=True)
class DeployTag:
    n: int
    name: str
    commit: str
    fields: dict[str, str]  # what the tag's message records: version, kind, provider_ref


def deploy_tags(root: Path, service: str) -> list[DeployTag]:
    """`deploy/<service>/<n>` tags, highest n first: the history of a clone without a history store."""
    fmt = "%(refname:strip=2)%00%(*objectname)%00%(objectname)%00%(contents)%01"
    out = _git(["for-each-ref", f"--format={fmt}", f"refs/tags/{DEPLOY_TAG_PREFIX}/{service}/"], root)
    tags = []
    for record in out.split("\x01"):
        parts = record.strip("\n").split("\0")
        if len(parts) < 4 or not parts[0]:
            continue
        name, peeled, obj, message = parts[:4]
        tail = name.rsplit("/", 1)[-1]
        if not tail.isdigit():
            continue
        fields = dict(
            line.split(": ", 1) for line in message.splitlines() if ": " in line and not line.startswith(" ")
        )
        tags.append(DeployTag(int(tail), name, peeled or obj, fields))
    return sorted(tags, key=lambda t: t.n, reverse=True)


def create_deploy_tag(root: Path, service: str, commit: str, fields: dict[str, str]) -> str:
    """The next `deploy/<service>/<n>`, annotated with the deploy's facts; returns its name."""
    existing = deploy_tags(root, service)
    n = (existing[0].n if existing else 0) + 1
    message = f"{fields.get('kind', 'deploy')} of {service}\n\n" + "".join(
        f"{k}: {' '.join(v.split())}\n" for k, v in fields.items()
    )
    for _attempt in range(5):  # a concurrent clone may take n first
        name = f"{DEPLOY_TAG_PREFIX}/{service}/{n}"
        try:
            _git(
                ["-c", "tag.gpgSign=false", "tag", "-a", "-m", message, "--end-of-options", name, commit],
                root,
            )
            return name
        except GitError as exc:
            if "already exists" not in str(exc):
                raise
            n += 1
    raise GitError(f"could not create a deploy tag for {service}")


def push_tag(root: Path, name: str, remote: str = "origin") -> None:
    _git(["push", "--quiet", "--end-of-options", remote, f"refs/tags/{name}"], root)


def worktree_dirty(root: Path) -> list[str]:
    """Tracked files changed and untracked files not ignored, as `git status --porcelain` names them."""
    return [line[3:] for line in _git(["status", "--porcelain"], root).splitlines() if line]


def behind_upstream(root: Path) -> tuple[str, int] | None:
    """(upstream, commits behind) of the current branch, from the last fetch; None without upstream."""
    try:
        upstream = _git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"], root).strip()
    except GitError:
        return None
    count = _git(["rev-list", "--count", "HEAD..@{u}"], root).strip()
    return upstream, int(count or 0)


def push_commit(root: Path, remote: str, commit: str, branch: str, *, force: bool) -> None:
    """Put `commit` at the tip of `remote`'s `branch` (a code service deploys its branch)."""
    args = ["push", "--quiet", "--end-of-options", remote, f"{commit}:refs/heads/{branch}"]
    if force:
        args.insert(2, "--force-with-lease")
    _git(args, root)


def tag_names(root: Path) -> list[str]:
    return _git(["tag", "--list", "v*"], root).split()


# --- the pushed change (working-systems, rollback-risk): plain git, on the push path -----------------

INDEX = ":"  # a revision that means the staged content (`git cat-file` reads `:path` from the index)


def is_null_sha(ref: str) -> bool:
    """pre-push's all-zero object name: a branch the remote does not have (or one being deleted)."""
    return len(ref) >= 40 and set(ref) == {"0"}


def rev_commit(root: Path, rev: str) -> str | None:
    """The full sha of `rev` as a commit, or None when it names none (an unborn HEAD, a typo)."""
    try:
        return resolve(root, rev) or None
    except GitError:
        return None


def merge_base(root: Path, a: str, b: str) -> str | None:
    try:
        return _git(["merge-base", a, b], root).strip() or None
    except GitError:
        return None


def default_branch(root: Path) -> str | None:
    """The default branch as a ref this clone has: origin's HEAD, else origin/main|master, else a
    local main|master (`init.defaultBranch` first)."""
    try:
        target = _git(["symbolic-ref", "-q", "refs/remotes/origin/HEAD"], root).strip()
        if target:
            return target
    except GitError:
        pass
    try:
        configured = _git(["config", "init.defaultBranch"], root).strip()
    except GitError:
        configured = ""
    names = [n for n in (configured, "main", "master") if n]
    for ref in [f"refs/remotes/origin/{n}" for n in names] + [f"refs/heads/{n}" for n in names]:
        if rev_commit(root, ref) is not None:
            return ref
    return None


def upstream_of_head(root: Path) -> str | None:
    try:
        return _git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"], root).strip() or None
    except GitError:
        return None


def tree_blobs(root: Path, rev: str) -> dict[str, str]:
    """path -> blob sha of every file of a commit, or of the index (`INDEX`); submodules left out."""
    out: dict[str, str] = {}
    if rev == INDEX:
        for record in _z(_git(["ls-files", "-s", "-z"], root)):
            meta, _, path = record.partition("\t")
            mode, sha, stage = (meta.split() + ["", "", ""])[:3]
            if stage == "0" and not mode.startswith("160"):
                out[path] = sha
        return out
    for record in _z(_git(["ls-tree", "-r", "-z", "--full-tree", rev], root)):
        meta, _, path = record.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            out[path] = parts[2]
    return out


def blob_sha(data: bytes) -> str:
    """The object name git gives this content: files on disk share the cache with commits."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _diff_args(base: str | None, head: str) -> list[str]:
    """`git diff` arguments comparing `base` with `head` (a commit, INDEX, or "" for the work tree)."""
    empty = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree: everything is added
    if head == INDEX:
        return ["--cached", base or empty]
    if not head:
        return [base or empty]
    return [base or empty, head]


def name_status(root: Path, base: str | None, head: str) -> list[tuple[str, str, str | None]]:
    """(status A|M|D|R|T|C, path, old path of a rename or copy) of every file that differs."""
    records = _z(_git(["diff", "--name-status", "-z", "-M", "--no-ext-diff", *_diff_args(base, head)], root))
    out: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(records):
        status = records[i][:1]
        if status in ("R", "C") and i + 2 < len(records):
            out.append((status, records[i + 2], records[i + 1]))  # "R100", old, new
            i += 3
        else:
            out.append((status, records[i + 1] if i + 1 < len(records) else "", None))
            i += 2
    return [r for r in out if r[1]]


def numstat(root: Path, base: str | None, head: str) -> dict[str, tuple[int | None, int | None]]:
    """path -> (lines added, lines deleted); None for a binary file. Renames under their new path."""
    out: dict[str, tuple[int | None, int | None]] = {}
    args = ["diff", "--numstat", "-z", "-M", "--no-ext-diff", *_diff_args(base, head)]
    records = _z(_git(args, root))
    i = 0
    while i < len(records):
        added, deleted, path = (records[i].split("\t", 2) + ["", ""])[:3]
        if not path:  # a rename: "A\tD\t" then the old and the new path
            path = records[i + 2] if i + 2 < len(records) else ""
            i += 3
        else:
            i += 1
        out[path] = (None if added == "-" else int(added), None if deleted == "-" else int(deleted))
    return out


def commit_messages(root: Path, base: str | None, head: str, *, limit: int = 2000) -> list[tuple[str, str]]:
    """(sha, whole message) of the commits in base..head, newest first."""
    spec = [f"{base}..{head}"] if base else [head]
    out = _git(["log", f"--max-count={limit}", "--format=%H%x00%B%x01", *spec], root)
    found = []
    for record in out.split("\x01"):
        sha, _, message = record.strip("\n").partition("\0")
        if sha:
            found.append((sha, message))
    return found


def git_dir(root: Path) -> Path:
    return Path(_git(["rev-parse", "--absolute-git-dir"], root).strip())


def hooks_dir(root: Path) -> Path:
    """Where git looks for its hooks (`core.hooksPath` honoured)."""
    found = Path(_git(["rev-parse", "--git-path", "hooks"], root).strip())
    return found if found.is_absolute() else root / found


def grep_tree(root: Path, pattern: str, rev: str, pathspec: str = "*.py") -> list[str]:
    """Files of a commit (or of the index, `INDEX`) whose text matches the extended regex."""
    where = ["--cached"] if rev == INDEX else [rev]
    args = ["git", "grep", "-l", "-z", "-I", "-E", "-e", pattern, *where, "--", pathspec]
    try:
        proc = subprocess.run(args, cwd=root, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git grep did not answer within {TIMEOUT}s") from None
    if proc.returncode == 1 and not proc.stderr:
        return []
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git grep failed: {detail[0] if detail else proc.returncode}")
    names = _z(proc.stdout.decode("utf-8", "surrogateescape"))
    prefix = "" if rev == INDEX else f"{rev}:"
    return [n.removeprefix(prefix) for n in names]


def add_trailer(root: Path, message_file: Path, trailer: str) -> None:
    """Append a trailer to a commit message file, as `git interpret-trailers` places it."""
    _git(["interpret-trailers", "--in-place", "--if-exists", "addIfDifferent", "--trailer", trailer,
          str(message_file)], root)  # fmt: skip
