"""version-consistency: pyproject.toml, the settings module's VERSION, the Dockerfile's version,
the top changelog entry and the latest vX.Y.Z tag agree (rules VC001-VC003)."""

from __future__ import annotations

from collections.abc import Sequence

from ._hook import main_for

HOOK = "version-consistency"


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(
        HOOK,
        argv,
        scoring=False,
        description="Check that every place the repository states its version says the same version.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
