"""db-connection: do the databases the service needs answer from here, with its settings?

Reads DATABASE_URL or the DB_* parts (names configurable under `database:`) from the environment or
an env file, connects with a timeout, runs SELECT 1, checks the configured tables and extensions,
and classifies every failure with what to do. The password never appears. A database unreachable
from here by design follows its `policy` (skip or fail). psycopg 3: the `postgres` extra.
"""

from __future__ import annotations

from collections.abc import Sequence

HOOK = "db-connection"


def main(argv: Sequence[str] | None = None) -> int:
    from ._guards.runner import main_for_guard

    return main_for_guard(
        HOOK,
        argv,
        description="Connect to the configured databases as the service would; report latency, "
        "missing tables and extensions, and classified failures.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
