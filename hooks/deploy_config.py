"""deploy-config: deployment configuration that is invalid, incomplete or inconsistent.

apprunner.yaml, Dockerfiles, ECS task definitions, GitHub Actions workflows, compose files,
Procfiles and .ava-safety.yaml are read strictly and checked against each other (ports, service
names, the files and images they name); rules in rules/generic/deploy-config.yaml (DC001-DC014).
Blocks on any error; warnings only with --strict.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._hook import main_for

HOOK = "deploy-config"


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(
        HOOK,
        argv,
        scoring=False,
        description="Check deployment files: strict parsing, tracked files, pinned images, ports and names.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
