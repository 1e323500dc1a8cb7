"""rollback: put the last stable version of a service back, verify it, record it, notify.

The target is the last `succeeded` deploy before the current one (or `--to VERSION`); with an empty
history store, the deploy/<service>/* tags. `--dry-run` prints the plan and changes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ._config import Config

HOOK = "rollback"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=HOOK, description="Roll a service back to its last stable version.")
    parser.add_argument("service", nargs="?", help="the service (may be left out when only one is declared)")
    parser.add_argument("--to", metavar="VERSION", help="the version to roll back to")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--reason", default="", help="why (recorded with the rollback)")
    parser.add_argument("--wait", type=float, metavar="S", help="wait up to S seconds for a running deploy")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args = parser.parse_args(argv)
    from ._deploy import main as common
    from ._deploy import protocol, report

    def action(root: Path, config: Config) -> int:
        protocol.install_signal_handlers()
        run = protocol.rollback(
            root, config, args.service, echo=common.echo, to=args.to, dry_run=args.dry_run,
            reason=args.reason, lock_wait_s=args.wait, progress=common.progress(),
        )  # fmt: skip
        if not args.dry_run:
            for line in report.run_lines(run):
                common.echo(line)
        return run.code

    return common.act(HOOK, args.config, action)


if __name__ == "__main__":
    raise SystemExit(main())
