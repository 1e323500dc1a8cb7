"""pre-deploy-check: is this repository ready to deploy? (pre-push and manual)

Every configured gate on the whole repository in one process (the file-level hooks), the git state
(clean tree, not behind its upstream), each service's running health (with a timeout) and, for AWS
providers, credentials and the live configuration's environment. One table; exit 1 when a gate blocks.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ._config import Config

HOOK = "pre-deploy-check"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=HOOK, description="Run every deploy gate and print one table.")
    parser.add_argument("services", nargs="*", help="only these services (default: all declared)")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args, _files = parser.parse_known_args(argv)  # pre-commit may pass file names: the check is repo-wide
    from ._deploy import main as common
    from ._deploy import report
    from ._deploy.check import pre_deploy_check

    def action(root: Path, config: Config) -> int:
        names = [s for s in args.services if config.service(s) is not None or not Path(s).exists()]
        results = pre_deploy_check(root, config, names)
        for line in report.gate_table(results):
            common.echo(line)
        if any(r.verdict == "error" for r in results):
            return 2
        blocked = [r.gate for r in results if r.blocks]
        common.echo(f"{HOOK}: BLOCKED by {', '.join(blocked)}" if blocked else f"{HOOK}: ready to deploy")
        return 1 if blocked else 0

    return common.act(HOOK, args.config, action)


if __name__ == "__main__":
    raise SystemExit(main())
