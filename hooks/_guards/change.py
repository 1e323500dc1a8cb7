"""The change a push guard judges: which range, which files (deletions included), which commits.

`decide_change` picks it the way the hook was invoked:
- a commit message file (the commit-msg stage): the index against HEAD, with the message;
- a range (`--from-ref/--to-ref`, or pre-push's `PRE_COMMIT_FROM_REF/TO_REF`): base..head; a base
  that is pre-push's all-zero name (a new branch) becomes the merge base with the default branch;
- pre-push of a whole new history (pre-commit gives no range then): everything up to the branch;
- staged files (the pre-commit stage): the index against HEAD;
- otherwise (run by hand): the current branch against its merge base with the default branch, or
  on the default branch itself, the commits its upstream lacks.

Contents come from git objects (`_git.read_objects`): a pushed commit is judged as pushed, not as the
work tree happens to be. `Change.context` is a RunContext over a commit or the index (RunContext.index),
so every reader of the package (the module index, declared dependencies) reads the revision the change names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .. import _git
from .._config import Config
from .._read import MAX_FILE_SIZE, Unread, read_file
from .._source import RunContext, decode

INDEX = _git.INDEX
WORKTREE = ""  # the files on disk (a rule example, `routes --update`)
MODES = ("commit-msg", "pre-push", "pre-commit", "manual", "example")
ACK_TRAILER = "Working-System-Ack"
RISK_TRAILER = "Rollback-Risk-Ack"
ACK_ENV = "AVA_SAFETY_ACK"
# `Name: value — reason` (an em or en dash, or a hyphen with spaces around it, or " -- ")
_TRAILER_RX = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9-]*)[ \t]*:(?P<value>.*)$")  # a stripped line
# no quantifier: the spaces around the dash are stripped from the parts, not matched (linear)
_REASON_SPLIT_RX = re.compile(r"[—–]|(?<=\s)--?(?=\s)")


@dataclass(frozen=True)
class Changed:
    """One file the change adds (A), modifies (M), deletes (D) or renames (R, from `old_path`)."""

    path: str
    status: str
    old_path: str | None = None
    added: int | None = None  # lines; None for a binary file or where not counted
    deleted: int | None = None

    @property
    def before(self) -> str | None:
        """Its path before the change (None: it did not exist)."""
        if self.status == "A":
            return None
        return self.old_path or self.path

    @property
    def after(self) -> str | None:
        """Its path after the change (None: deleted)."""
        return None if self.status == "D" else self.path


@dataclass(frozen=True)
class Commit:
    sha: str
    message: str

    @property
    def subject(self) -> str:
        return self.message.strip().split("\n", 1)[0]

    def trailers(self, key: str) -> list[str]:
        return trailers(self.message, key)


def trailers(message: str, key: str) -> list[str]:
    """The values of `key:` lines of a commit message (trailers, wherever they stand)."""
    found = []
    for line in message.splitlines():
        m = _TRAILER_RX.match(line.strip())
        if m and m.group("key").lower() == key.lower():
            found.append(m.group("value").strip())
    return found


@dataclass(frozen=True)
class Ack:
    """An acknowledgement: the names it covers (systems, routes), why, and where it was given."""

    names: tuple[str, ...]
    reason: str
    where: str  # "commit 1a2b3c4d", "the commit message", "AVA_SAFETY_ACK"

    def covers(self, name: str) -> bool:
        wanted = _norm_name(name)
        return any(_norm_name(n) == wanted for n in self.names)


def _norm_name(name: str) -> str:
    return " ".join(name.split()).lower()


def parse_ack(value: str, where: str, *, need_reason: bool = True) -> Ack | None:
    """`registration, weather — why` as an Ack; None when it names nothing or (with `need_reason`)
    gives no reason."""
    parts = _REASON_SPLIT_RX.split(value.strip(), maxsplit=1)
    names = tuple(n.strip() for n in parts[0].split(",") if n.strip())
    reason = parts[1].strip() if len(parts) > 1 else ""
    if not names or (need_reason and not reason):
        return None
    return Ack(names, reason, where)


@dataclass
class Change:
    """What a guard judges. `head` is a commit sha, INDEX or WORKTREE; `base` a commit sha, or None
    when nothing comes before (a first push, a rule example without a history)."""

    root: Path
    base: str | None
    head: str
    files: tuple[Changed, ...]
    commits: tuple[Commit, ...]
    mode: str
    description: str
    message: str | None = None  # commit-msg: the message being written
    message_file: str | None = None  # ... and its file (an AVA_SAFETY_ACK becomes a trailer there)
    worktree_files: frozenset[str] | None = None  # WORKTREE outside git: the files the head has
    _text: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.files

    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    @cached_property
    def head_blobs(self) -> dict[str, str]:
        return tree_of(self.root, self.head, self.worktree_files)

    @cached_property
    def base_blobs(self) -> dict[str, str]:
        return {} if self.base is None else tree_of(self.root, self.base)

    def context(self, config: Config, *, before: bool = False) -> RunContext:
        """A RunContext over the head (or, `before`, the base) of the change: the work tree's files
        from disk, a commit's or the index's from git objects (RunContext.index, read in batches by
        `preload`)."""
        blobs = self.base_blobs if before else self.head_blobs
        files = frozenset(blobs)
        if not before and self.head == WORKTREE:
            return RunContext(root=self.root, repo_files=files, config=config)
        index = {path: _git.IndexEntry("100644", sha) for path, sha in blobs.items()}
        return RunContext(root=self.root, repo_files=files, config=config, index=index)

    def text(self, path: str | None, *, before: bool) -> str | None:
        """A file's text before or after the change; None when absent or binary."""
        if path is None:
            return None
        key = (path, "b" if before else "a")
        if key not in self._text:
            self.prefetch([path], before=before)
        return self._text.get(key)

    def prefetch(self, paths: Iterable[str], *, before: bool) -> None:
        """Read many files in one git call (the texts are kept for `text`)."""
        blobs = self.base_blobs if before else self.head_blobs
        tag = "b" if before else "a"
        wanted = [p for p in dict.fromkeys(paths) if (p, tag) not in self._text]
        if not wanted:
            return
        if not before and self.head == WORKTREE:
            for path in wanted:
                self._text[(path, tag)] = _decoded(path, read_file(self.root / path, MAX_FILE_SIZE))
            return
        shas = {p: blobs[p] for p in wanted if p in blobs}
        contents = _git.read_objects(self.root, shas.values(), MAX_FILE_SIZE) if shas else {}
        for path in wanted:
            sha = shas.get(path)
            self._text[(path, tag)] = _decoded(path, contents.get(sha) if sha else None)

    def acks(self, *, env: dict[str, str] | None = None) -> list[Ack]:
        """Working-System-Ack trailers of the pushed commits, or of the message being written, and
        AVA_SAFETY_ACK for the commit being made (not for a push: a push's acknowledgement is recorded
        in its commits)."""
        out: list[Ack] = []
        for commit in self.commits:
            for value in commit.trailers(ACK_TRAILER):
                ack = parse_ack(value, f"commit {commit.sha[:8]}")
                if ack is not None:
                    out.append(ack)
        if self.message is not None:
            for value in trailers(self.message, ACK_TRAILER):
                ack = parse_ack(value, "the commit message")
                if ack is not None:
                    out.append(ack)
        environ = os.environ if env is None else env
        if self.mode in ("pre-commit", "commit-msg", "manual", "example") and environ.get(ACK_ENV):
            ack = parse_ack(environ[ACK_ENV], ACK_ENV, need_reason=False)
            if ack is not None:
                out.append(ack)
        return out

    def unreasoned_acks(self) -> list[str]:
        """Trailers that name a system but give no reason (they acknowledge nothing)."""
        values = [v for c in self.commits for v in c.trailers(ACK_TRAILER)]
        if self.message is not None:
            values += trailers(self.message, ACK_TRAILER)
        return [v for v in values if parse_ack(v, "") is None and v.strip()]


def _decoded(path: str, raw: bytes | Unread | None) -> str | None:
    if raw is None or isinstance(raw, Unread):
        return None
    found = decode(path, raw)
    return None if found is None else found.text


def tree_of(root: Path, head: str, files: Iterable[str] | None = None) -> dict[str, str]:
    """path -> content hash of every file of a commit, the index, or (WORKTREE) the tracked files on
    disk, or these `files` (hashed as git would, so all three share one cache)."""
    if head != WORKTREE:
        return _git.tree_blobs(root, head)
    out = {}
    for path in sorted(files) if files is not None else _git.tracked_files(root):
        raw = read_file(root / path, MAX_FILE_SIZE)
        if not isinstance(raw, Unread):
            out[path] = _git.blob_sha(raw)
    return out


class ChangeError(Exception):
    """The range cannot be read (an unknown ref): a usage error, exit 2."""


def decide_change(
    root: Path,
    *,
    from_ref: str | None = None,
    to_ref: str | None = None,
    message_file: Path | None = None,
    env: dict[str, str] | None = None,
) -> Change:
    environ = dict(os.environ if env is None else env)
    head_commit = _git.rev_commit(root, "HEAD")
    if message_file is not None:
        raw = read_file(message_file, MAX_FILE_SIZE)  # the one reader: never a FIFO, always bounded
        if isinstance(raw, Unread):
            raise ChangeError(f"cannot read the commit message {message_file}: {raw.detail}")
        message = raw.decode("utf-8", errors="replace")
        message = "\n".join(line for line in message.splitlines() if not line.startswith("#"))
        change = _build(root, head_commit, INDEX, "commit-msg", "the commit being made", message=message)
        change.message_file = str(message_file)
        return change
    if from_ref is None:
        pushed = _push_range(environ)
        if pushed is not None:
            from_ref, to_ref = pushed
    if from_ref is not None:
        return _range(root, from_ref, to_ref or "HEAD")
    if environ.get("PRE_COMMIT_REMOTE_NAME") and environ.get("PRE_COMMIT_LOCAL_BRANCH"):
        # pre-push of a history the remote has none of: pre-commit gives no range
        head = _git.rev_commit(root, environ["PRE_COMMIT_LOCAL_BRANCH"]) or head_commit
        if head is None:
            raise ChangeError("nothing to push")
        branch = environ["PRE_COMMIT_LOCAL_BRANCH"]
        return _build(root, None, head, "pre-push", f"the whole history of {branch}")
    if _git.staged_files(root) or _has_staged_deletions(root):
        return _build(root, head_commit, INDEX, "pre-commit", "the commit being made (staged files)")
    if head_commit is None:
        return _build(root, None, INDEX, "manual", "nothing committed yet")
    base, description = _branch_base(root, head_commit)
    return _build(root, base, head_commit, "manual", description)


def _push_range(environ: dict[str, str]) -> tuple[str, str] | None:
    from_ref = environ.get("PRE_COMMIT_FROM_REF") or environ.get("PRE_COMMIT_SOURCE")
    to_ref = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_ORIGIN")
    return (from_ref, to_ref) if from_ref and to_ref else None


def _has_staged_deletions(root: Path) -> bool:
    try:
        return bool(_git.name_status(root, _git.rev_commit(root, "HEAD"), INDEX))
    except _git.GitError:
        return False


def _range(root: Path, from_ref: str, to_ref: str) -> Change:
    head = _git.rev_commit(root, to_ref)
    if head is None:
        raise ChangeError(f"--to-ref {to_ref!r} names no commit here")
    if _git.is_null_sha(from_ref):
        default = _git.default_branch(root)
        base = _git.merge_base(root, head, default) if default else None
        where = f"a new branch against its merge base with {_short_ref(default)}" if base else "a new history"
        return _build(root, base, head, "pre-push", where)
    base = _git.rev_commit(root, from_ref)
    if base is None:
        raise ChangeError(f"--from-ref {from_ref!r} names no commit here (fetch it first?)")
    return _build(root, base, head, "pre-push", f"{base[:8]}..{head[:8]}")


def _branch_base(root: Path, head: str) -> tuple[str | None, str]:
    default = _git.default_branch(root)
    default_sha = _git.rev_commit(root, default) if default else None
    if default_sha is not None and default_sha != head:
        base = _git.merge_base(root, head, default_sha)
        if base is not None and base != head:
            return base, f"this branch against its merge base with {_short_ref(default)}"
    upstream = _git.upstream_of_head(root)
    if upstream is not None:
        up = _git.rev_commit(root, upstream)
        if up is not None and up != head:
            return _git.merge_base(root, head, up) or up, f"the commits {upstream} lacks"
    return head, "nothing new on this branch"


def _short_ref(ref: str | None) -> str:
    if ref is None:
        return "the default branch"
    return ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")


def _build(
    root: Path, base: str | None, head: str, mode: str, description: str, *, message: str | None = None
) -> Change:
    if base is not None and base == head:
        return Change(root, base, head, (), (), mode, description, message)
    status = _git.name_status(root, base, head)
    counts = _git.numstat(root, base, head)
    files = tuple(
        Changed(path, kind if kind in "AMDR" else ("A" if kind == "C" else "M"), old,
                *counts.get(path, (None, None)))
        for kind, path, old in status
    )  # fmt: skip
    commits: tuple[Commit, ...] = ()
    if head not in (INDEX, WORKTREE):
        commits = tuple(Commit(sha, msg) for sha, msg in _git.commit_messages(root, base, head))
    return Change(root, base, head, files, commits, mode, description, message)


def example_change(root: Path, paths: Iterable[str], repo_files: frozenset[str]) -> Change:
    """A rule example's change: its staged files against its `before` commit when it has one (the
    example harness commits `before`, then stages the example's files), else every checked path is
    new and the head is the files on disk."""
    try:
        in_git = _git.repo_root(root).resolve() == root.resolve()
    except _git.GitError:
        in_git = False
    head_commit = _git.rev_commit(root, "HEAD") if in_git else None
    if head_commit is not None:
        return _build(root, head_commit, INDEX, "example", "the example's files")
    files = tuple(Changed(p, "A") for p in sorted(set(paths)))
    described = "the example's files"
    return Change(root, None, WORKTREE, files, (), "example", described, worktree_files=repo_files)
