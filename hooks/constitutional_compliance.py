"""constitutional-compliance: the project's principles as rules, scored per principle.

Blocks when the overall score or any principle's score is under its minimum (default 80%),
or when a rule marked `blocking: true` fires.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._hook import main_for

HOOK = "constitutional-compliance"


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(
        HOOK,
        argv,
        scoring=True,
        description="Score the change against the project's principles (rule packs in .ava-safety.yaml).",
    )


if __name__ == "__main__":
    raise SystemExit(main())
