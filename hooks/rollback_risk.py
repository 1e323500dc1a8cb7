"""rollback-risk: how hard would this push be to undo? A table of factors, then the level.

Factors with points from YAML (migrations, destructive DDL, dependency bumps, new required
variables, deployment config, working systems touched, deletions, size, areas, the time of the
week, a recent rollback in the deploy history); LOW, MEDIUM, HIGH or CRITICAL; blocks at `block_at`
(default HIGH) unless a pushed commit says `Rollback-Risk-Ack: <why it is safe>`.
"""

from __future__ import annotations

from collections.abc import Sequence

HOOK = "rollback-risk"


def main(argv: Sequence[str] | None = None) -> int:
    from ._deploy.gates import recent_rollbacks
    from ._guards.runner import main_for_guard

    return main_for_guard(
        HOOK,
        argv,
        description="Score how hard the pushed change would be to roll back; block at the configured level.",
        rollbacks=recent_rollbacks,
    )


if __name__ == "__main__":
    raise SystemExit(main())
