"""db-connection rules (DB001-DB004) for the engine: the rules' examples run through these.

The same check as the hook (hooks._guards.database): the example's `database:` settings, its env
file, a real connection attempt with the connect timeout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._checks.plugin import repo_wide
from .._guards.database import DbResult, check, hits, settings_of
from .._source import Match, RunContext
from .working_systems import match


def _results(context: RunContext) -> list[DbResult]:
    config = context.config
    return [check(d, settings_of(d, context.root, config_path=config.display)) for d in config.databases]


def _matches(context: RunContext, paths: Sequence[str], rule: str) -> Iterator[tuple[str, Match]]:
    config = context.config
    for hit in hits(context.fact(_results), config.databases, config.display):
        if hit.rule == rule:
            yield hit.path, match(hit)


@repo_wide
def check_failed(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "DB001")


@repo_wide
def url_password(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "DB002")


@repo_wide
def settings_missing(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "DB003")


@repo_wide
def skipped(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "DB004")
