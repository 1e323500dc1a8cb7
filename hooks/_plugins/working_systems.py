"""working-systems rules (WS001-WS007) for the engine: the rules' examples run through these.

The hook itself runs hooks._guards.systems through the guard runner on the pushed range; here the
change is a rule example's (its staged files against its `before` commit, or its checked files as
new), evaluated once per run and file set, with the smoke commands run whatever else is found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._checks.plugin import repo_wide
from .._guards.change import example_change
from .._guards.hits import Hit
from .._guards.pyfacts import FactsStore
from .._guards.systems import ACK_RULES, SystemsResult, evaluate
from .._source import Match, RunContext


def _results(context: RunContext) -> dict[frozenset[str], SystemsResult]:
    return {}


def evaluation(context: RunContext, paths: Sequence[str]) -> SystemsResult:
    memo = context.fact(_results)
    key = frozenset(paths)
    if key not in memo:
        change = example_change(context.root, paths, context.repo_files)
        store = FactsStore.empty()  # an example writes no cache
        memo[key] = evaluate(change, context.config, store, smoke=True, smoke_when_refused=True)
    return memo[key]


def _matches(context: RunContext, paths: Sequence[str], rule: str) -> Iterator[tuple[str, Match]]:
    result = evaluation(context, paths)
    for hit in result.hits:
        if hit.rule == rule and (rule not in ACK_RULES or result.ack_for(hit.system, hit.route) is None):
            yield hit.path, match(hit)


def match(hit: Hit) -> Match:
    return Match(hit.line, hit.col, dict(hit.values))


@repo_wide
def touched(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS001")


@repo_wide
def route_removed(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS002")


@repo_wide
def duplicate_route(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS003")


@repo_wide
def element_changed(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS004")


@repo_wide
def protected_path(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS005")


@repo_wide
def smoke_failed(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS006")


@repo_wide
def lock_outdated(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "WS007")
