"""rollback-risk rules (RR001, RR002) for the engine: the rules' examples run through these.

The hook runs hooks._guards.risk through the guard runner on the pushed range, with the deploy
history's rollbacks and the clock; here the change is a rule example's, with no history, at the
clock `AVA_SAFETY_NOW` gives (else now).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._checks.plugin import repo_wide
from .._guards.change import example_change
from .._guards.risk import assess, clock, hits
from .._source import Match, RunContext
from .working_systems import evaluation, match


def _matches(context: RunContext, paths: Sequence[str], rule: str) -> Iterator[tuple[str, Match]]:
    if not paths:
        return
    change = example_change(context.root, paths, context.repo_files)
    touched = evaluation(context, paths).touched() if context.config.working_systems else []
    found = assess(change, context.config, now=clock(), touched_systems=touched)
    for hit in hits(found, change, path=sorted(paths)[0]):
        if hit.rule == rule:
            yield hit.path, match(hit)


@repo_wide
def at_block_level(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "RR001")


@repo_wide
def elevated(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    return _matches(context, paths, "RR002")
