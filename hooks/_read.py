"""Reading a file from disk the way a safety tool must: regular files only, with a size bound, and
never through a symlink that leaves the tree it belongs to.

A FIFO blocks whoever opens it, `/dev/zero` never ends, `/proc/self/environ` holds the secrets of
the process reading it: a name in a repository (a tracked symlink, a COPY line, `--config`) may
point at any of them. `read_file` stats before it opens, opens without blocking, checks again on
the open descriptor, and reads at most `limit` bytes; what it will not or cannot read it returns as
an `Unread` with the reason, for the caller to report or pass over.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Reason = Literal["missing", "link", "directory", "special", "unreadable", "too-large", "binary"]
MAX_FILE_SIZE = 2 * 1024 * 1024  # default of `max_file_size`: bigger files are skipped with a warning
CHUNK = 1 << 20
# the open must not wait for a writer (a FIFO) or make a terminal ours
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
)


@dataclass(frozen=True)
class Unread:
    """Why a file has no contents to check. `detail` completes a sentence: "not read: {detail}"."""

    reason: Reason
    detail: str = ""
    size: int = 0  # the file's size, for "too-large"
    head: bytes = field(default=b"", repr=False)  # "too-large" from git: its first bytes, to tell binary


def read_file(
    path: Path,
    limit: int,
    *,
    inside: Path | None = None,
    resolve_dirs: bool = False,
    follow_links: bool = True,
) -> bytes | Unread:
    """The bytes of the regular file at `path`, or why not.

    A symlink is followed (unless `follow_links` is false: then it is Unread("link", "a symlink"))
    only to a regular file; with `inside` (a real, resolved directory), only when its target lies
    under it. `resolve_dirs`: check `inside` for the whole path (a directory on the way may be a
    link, or the name may hold `..`), not only for a final link; it costs a realpath, so callers
    pass it for names that do not come from git.
    """
    try:
        st = os.lstat(path)
    except OSError as exc:
        return _unread(exc)
    linked = stat.S_ISLNK(st.st_mode)
    if linked and not follow_links:
        return Unread("link", "a symlink")
    if inside is not None and (linked or resolve_dirs):
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError, RuntimeError):
            return Unread("link", "a symlink loop")
        if not _is_under(Path(real), inside):
            return Unread("link", "a symlink to a path outside the repository")
    if linked:
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return Unread("link", "a dangling symlink")
            return _unread(exc)
    problem = _not_regular(st, limit)
    if problem is not None:
        return problem
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return _unread(exc)
    try:
        st = os.fstat(fd)  # what was opened, which may not be what was stat'ed a moment ago
        problem = _not_regular(st, limit)
        if problem is not None:
            return problem
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew after the stat
                return Unread("too-large", _size_text(total, limit), total)
        return b"".join(chunks)
    except OSError as exc:
        return _unread(exc)
    finally:
        os.close(fd)


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of a regular file (b"" when it is not one or cannot be read): enough
    to tell a binary file over the size limit, which needs no warning, from a text file that does."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return b""
    try:
        return os.read(fd, size) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)


def _not_regular(st: os.stat_result, limit: int) -> Unread | None:
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return Unread("directory", "a directory")
    if not stat.S_ISREG(mode):
        return Unread("special", f"{kind_of(mode)}, not a regular file")
    if st.st_size > limit:
        return Unread("too-large", _size_text(st.st_size, limit), st.st_size)
    return None


def kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def _unread(exc: OSError) -> Unread:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Unread("missing", "no such file")
    if exc.errno == errno.ENAMETOOLONG:
        return Unread("missing", "a name too long for the file system")
    if exc.errno == errno.ELOOP:
        return Unread("link", "a symlink loop")
    if exc.errno == errno.EISDIR:
        return Unread("directory", "a directory")
    return Unread("unreadable", exc.strerror or str(exc))


def _is_under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _size_text(size: int, limit: int) -> str:
    return f"{size_text(size)}, over the size limit of {size_text(limit)}"


def size_text(size: int) -> str:
    """1536 -> '1.5 KB' (binary units, as `ls -lh` counts)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}".replace(".0 ", " ")
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop returns


def exists(path: Path) -> bool:
    """`Path.exists()` that answers no, instead of raising, for a name too long for the file system,
    a loop or a NUL: a name written in a repository file (a COPY source, a Procfile's script) may
    be anything."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def glob_exists(directory: Path, pattern: str) -> bool:
    """Whether `directory.glob(pattern)` finds anything; no (instead of raising) for a name too long."""
    try:
        return any(directory.glob(pattern))
    except (OSError, ValueError):
        return False
