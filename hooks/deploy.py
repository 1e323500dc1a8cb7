"""deploy: gates, the provider, health verification, history; a failed deploy is rolled back.

`ava-safety deploy [SERVICE]`, or `pre-commit run --hook-stage manual deploy`. Never prompts; writes
a live log under .git/ava-safety/logs/ and ends with one timed line per phase.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ._config import Config

HOOK = "deploy"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=HOOK, description="Deploy a service: gates, provider, health, history."
    )
    parser.add_argument("service", nargs="?", help="the service (may be left out when only one is declared)")
    parser.add_argument("--rev", default="HEAD", help="the commit to deploy (default HEAD)")
    parser.add_argument("--version", help="the version to record (default: its tag, git describe, short sha)")
    parser.add_argument("--skip-gates", action="store_true", help="deploy without the gates (needs --reason)")
    parser.add_argument("--reason", default="", help="why (recorded with the deploy)")
    parser.add_argument("--wait", type=float, metavar="S", help="wait up to S seconds for a running deploy")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args = parser.parse_args(argv)
    from ._deploy import main as common
    from ._deploy import protocol, report

    def action(root: Path, config: Config) -> int:
        protocol.install_signal_handlers()
        run = protocol.deploy(
            root, config, args.service, echo=common.echo, rev=args.rev, version=args.version,
            skip_gates=args.skip_gates, reason=args.reason, lock_wait_s=args.wait, progress=common.progress(),
        )  # fmt: skip
        for line in report.run_lines(run):
            common.echo(line)
        return run.code

    return common.act(HOOK, args.config, action)


if __name__ == "__main__":
    raise SystemExit(main())
