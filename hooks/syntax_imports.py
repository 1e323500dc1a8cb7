"""syntax-imports: will each file start on the deployment's Python, with what production installs?

Blocks on syntax the target Python rejects, pyflakes errors that fail at run time, and imports that
fail in production: first-party modules not tracked by git (or with the wrong letter case),
third-party modules no production dependency declares, and standard-library modules the target
version does not have. Style-level findings (unused imports, redefinitions) are warnings.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._hook import main_for

HOOK = "syntax-imports"


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(
        HOOK,
        argv,
        scoring=False,
        description="Check syntax for the target Python, pyflakes errors, and that every import "
        "resolves in production (tracked in git, declared, in the target's standard library).",
    )


if __name__ == "__main__":
    raise SystemExit(main())
