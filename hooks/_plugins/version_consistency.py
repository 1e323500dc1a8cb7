"""version-consistency: the places a repository writes its version agree (hooks._deployment.versions)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._deployment import versions as vs
from .._glob import PathMatcher
from .._source import Match, RunContext, SourceFile


def _all_sources(context: RunContext) -> list[vs.VersionSource]:
    config = context.config
    globs = tuple(getattr(config, "version_sources", ()) or ())
    if globs:
        chosen = PathMatcher(globs)
        paths = [p for p in context.repo_files if chosen(p)]
    else:
        paths = [p for p in context.repo_files if vs.is_source_name(p) and "/tests/" not in f"/{p}"]

    def read(path: str) -> str | None:
        found = context.file(path)
        return None if found is None else found.text

    return vs.sources(paths, read)


def _sources(context: RunContext) -> list[vs.VersionSource]:
    return context.fact(_all_sources)


def _tag(context: RunContext) -> vs.VersionSource | None:
    return context.fact(_latest_tag)


def _latest_tag(context: RunContext) -> vs.VersionSource | None:
    from .. import _git

    try:
        return vs.latest_tag(_git.tag_names(context.root))
    except _git.GitError:
        return None


def _own(source: SourceFile) -> vs.VersionSource | None:
    return next((s for s in _sources(source.context) if s.path == source.path), None)


def _where(s: vs.VersionSource) -> str:
    return f"{s.path}:{s.line}"


def check_files_agree(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    own = _own(source)
    if own is None or own.kind != "file":
        return
    for other in _sources(source.context):
        if other.kind == "file" and other.path != own.path and other.version != own.version:
            values = {"here": own.what, "version": own.version, "other": other.what,
                      "other_version": other.version, "where": _where(other)}  # fmt: skip
            yield Match(own.line, own.col, values)
            return


def check_changelog_top(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    own = _own(source)
    if own is None or own.kind != "changelog":
        return
    files = [s for s in _sources(source.context) if s.kind == "file"]
    if files and files[0].version != own.version:
        values = {"here": own.what, "version": own.version, "other": files[0].what,
                  "other_version": files[0].version, "where": _where(files[0])}  # fmt: skip
        yield Match(own.line, own.col, values)


def check_not_older_than_tag(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    own = _own(source)
    if own is None or own.kind != "file":
        return
    tag = _tag(source.context)
    if tag is not None and vs.key(own.version) < vs.key(tag.version):
        yield Match(own.line, own.col, {"here": own.what, "version": own.version, "tag": tag.what})


def _admits(source: SourceFile) -> bool:
    return vs.is_source_name(source.path)


check_files_agree.admits = _admits  # type: ignore[attr-defined]
check_changelog_top.admits = _admits  # type: ignore[attr-defined]
check_not_older_than_tag.admits = _admits  # type: ignore[attr-defined]
