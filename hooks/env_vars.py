"""env-vars: does the deployment provide every environment variable the code requires?

Blocks on a variable the code reads without a default that no deployment source provides
(apprunner.yaml, ECS task definitions, Dockerfile, docker-compose, .env.example, or `env.provided`
in .ava-safety.yaml), secrets and placeholders written into committed deployment config, a committed
.env with values, and passwords put into URLs without quoting. Warns on variables the deployment sets
that nothing reads, and on two names that look like one value's. Never reads the developer's own
environment; values are masked in every message.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._hook import main_for

HOOK = "env-vars"


def main(argv: Sequence[str] | None = None) -> int:
    return main_for(
        HOOK,
        argv,
        scoring=False,
        description="Check that the deployment provides every environment variable the code requires, "
        "and that deployment config holds no plaintext secrets or placeholders.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
