"""working-systems: changes that reach a declared working system need an acknowledgement.

A system is declared under `working_systems:` in .ava-safety.yaml (name, entry, routes, smoke,
protect, elements). The change (the pushed range at pre-push, the commit being made at pre-commit
and commit-msg, the branch when run by hand) touches a system through its entries' import closure,
its protected paths or elements; it needs a `Working-System-Ack: <name> — <reason>` trailer (or
AVA_SAFETY_ACK for the commit being made). Routes in the committed lock are permanent. At pre-push
the touched systems' smoke commands run, their output in a live log under .git/ava-safety/logs/.
"""

from __future__ import annotations

from collections.abc import Sequence

HOOK = "working-systems"


def main(argv: Sequence[str] | None = None) -> int:
    from ._deploy.gates import guard_log
    from ._guards.runner import main_for_guard

    return main_for_guard(
        HOOK,
        argv,
        description="Refuse changes to declared working systems, their routes and elements without an "
        "acknowledgement; run the touched systems' smoke commands at pre-push.",
        open_log=guard_log,
    )


if __name__ == "__main__":
    raise SystemExit(main())
