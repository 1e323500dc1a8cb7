"""`files`: a path glob over tracked files that must, or must not, exist."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._glob import GlobError, PathMatcher, check_glob
from .._source import Match, SourceFile
from . import CheckError, CheckKind, register


class FilesChecker:
    def __init__(self, fields: Mapping[str, Any]) -> None:
        path = fields.get("path")
        globs = [path] if isinstance(path, str) else path
        if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
            raise CheckError("path", "'path' must be a glob or a list of globs")
        try:
            for glob in globs:
                check_glob(glob)
        except GlobError as exc:
            raise CheckError("path", str(exc)) from None
        self.globs = tuple(globs)
        self.matcher = PathMatcher(globs)
        must = fields.get("must")
        if must not in ("exist", "not-exist"):
            raise CheckError("must", "'must' must be 'exist' or 'not-exist'")
        self.must_exist = must == "exist"
        # a must-not-exist rule looks at paths only: the engine never needs to read the file
        self.path_only = not self.must_exist

    def admits(self, source: SourceFile) -> bool:
        return not self.must_exist and self.matcher(source.path)

    def check_file(self, source: SourceFile) -> Iterator[Match]:
        if self.admits(source):
            yield Match(1, 1, {"glob": self.globs[0]})

    def check_repo(self, paths: frozenset[str]) -> Iterator[tuple[str, Match]]:
        if self.must_exist and not any(self.matcher(p) for p in paths):
            yield self.globs[0], Match(1, 1, {"glob": self.globs[0]})


register(
    CheckKind(
        name="files",
        fields=frozenset({"path", "must"}),
        required=frozenset({"path", "must"}),
        compile=FilesChecker,
        default_files=("**",),
    )
)
