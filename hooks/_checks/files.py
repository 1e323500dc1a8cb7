"""`files`: a path glob over tracked files that must, or must not, exist."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from .._glob import GlobError, PathMatcher, check_glob
from .._source import Match, SourceFile
from . import Checker, CheckError, CheckKind, register


def _globs(fields: Mapping[str, Any]) -> tuple[str, ...]:
    path = fields.get("path")
    globs = [path] if isinstance(path, str) else path
    if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
        raise CheckError("path", "'path' must be a glob or a list of globs")
    try:
        for glob in globs:
            check_glob(glob)
    except GlobError as exc:
        raise CheckError("path", str(exc)) from None
    return tuple(globs)


class MustNotExist:
    """Every checked file the globs match is a finding; the path alone decides (nothing is read)."""

    shape: ClassVar[Literal["file"]] = "file"
    reads_text: ClassVar[bool] = False
    needs_tree: ClassVar[bool] = False
    reports_syntax_errors: ClassVar[bool] = False

    def __init__(self, globs: tuple[str, ...]) -> None:
        self.globs = globs
        self.matcher = PathMatcher(globs)

    def admits(self, source: SourceFile) -> bool:
        return self.matcher(source.path)

    def check_file(self, source: SourceFile) -> Iterator[Match]:
        if self.admits(source):
            yield Match(1, 1, {"glob": self.globs[0]})


class MustExist:
    """One finding (at the first glob) when no tracked file matches."""

    shape: ClassVar[Literal["tracked"]] = "tracked"

    def __init__(self, globs: tuple[str, ...]) -> None:
        self.globs = globs
        self.matcher = PathMatcher(globs)

    def check_tracked(self, paths: frozenset[str]) -> Iterator[tuple[str, Match]]:
        if not any(self.matcher(p) for p in paths):
            yield self.globs[0], Match(1, 1, {"glob": self.globs[0]})


def compile_files(fields: Mapping[str, Any]) -> Checker:
    globs = _globs(fields)
    must = fields.get("must")
    if must not in ("exist", "not-exist"):
        raise CheckError("must", "'must' must be 'exist' or 'not-exist'")
    return MustExist(globs) if must == "exist" else MustNotExist(globs)


register(
    CheckKind(
        name="files",
        fields=frozenset({"path", "must"}),
        required=frozenset({"path", "must"}),
        compile=compile_files,
        default_files=("**",),
    )
)
