"""`ava-safety`: one command with a subcommand per hook, plus `init` and `rules`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from ._errors import ConfigErrors
from ._rules import Rule

HOOKS: dict[str, str] = {
    "constitutional-compliance": "hooks.constitutional_compliance",
    "design-rules": "hooks.design_rules",
    "syntax-imports": "hooks.syntax_imports",
    "deploy-config": "hooks.deploy_config",
    "env-vars": "hooks.env_vars",
}

STARTER_CONFIG = """\
# ava-safety configuration: https://github.com/ava-safety/ava-safety#configuration
# Bundled rule packs to use: generic (any Python service), ava-olo (the AVA OLO constitution).
packs: [generic]
# Your own rule files (same format as the bundled packs; a rule with a bundled id replaces it,
# `- {id: CC004, disabled: true}` turns one off).
rules: []
# constitutional-compliance blocks under this overall score, and under it for any principle.
min_score: 80
# Paths never checked (gitignore-style globs).
exclude: []
# Target Python version of the deployment, e.g. "3.11" (quoted).
# python: "3.11"
# Per-principle minimum scores and allowances, e.g. a team that must use Redis:
# principles:
#   POSTGRESQL ONLY: {allow: [redis]}
# Rule ids to turn off entirely:
# disable: []
# env-vars: variables set outside the repository (console, Secrets Manager).
# env:
#   provided: []
# env-vars and deploy-config: each deployed service and its deployment files.
# services:
#   - name: api
#     provider: apprunner   # apprunner | ecs | command
#     files: [apprunner.yaml, Dockerfile]
# deploy-config: registries images may come from (empty: any).
# image_registries: []
"""

STARTER_PRECOMMIT = """\
# Add to your .pre-commit-config.yaml (or keep this file as it is):
repos:
  - repo: https://github.com/ava-safety/ava-safety
    rev: v{version}
    hooks:
      - id: constitutional-compliance
      - id: syntax-imports
      - id: env-vars
      - id: deploy-config
      - id: design-rules
"""


def _init(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="ava-safety init", description="Write starter config files.")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where to write (default: here)")
    args = parser.parse_args(argv)
    targets = {
        args.dir / ".ava-safety.yaml": STARTER_CONFIG,
        args.dir / ".pre-commit-config.yaml": STARTER_PRECOMMIT.format(version=__version__),
    }
    existing = [p for p in targets if p.exists()]
    if existing:
        for path in existing:
            print(f"ava-safety init: {path} exists; not overwriting it (move it away first)", file=sys.stderr)
        return 2
    for path, text in targets.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


def _rules(argv: Sequence[str]) -> int:
    from ._rules import bundled_packs, load_rules

    parser = argparse.ArgumentParser(prog="ava-safety rules", description="List the bundled rules.")
    parser.add_argument("--pack", action="append", help="only these packs")
    parser.add_argument("--markdown", action="store_true", help="the README's rule table")
    args = parser.parse_args(argv)
    ruleset = load_rules(hook=None, packs=args.pack or bundled_packs())
    if args.markdown:
        print(rule_table(ruleset.rules))
        return 0
    for rule in ruleset.rules:
        print(f"{rule.id}  {rule.severity:<7}  {rule.pack:<8}  {rule.name}")
    return 0


def rule_table(rules: Sequence[Rule]) -> str:
    """The README's rule table, generated so it cannot drift from rules/."""
    lines = ["| id | pack | name | severity | principle | what it flags |", "|---|---|---|---|---|---|"]
    for rule in rules:
        flag = " (blocking)" if rule.blocking else ""
        text = (rule.description or rule.message).split(". ")[0].rstrip(".").replace("|", "\\|")
        text = " ".join(text.split())
        cells = [rule.id, rule.pack, rule.name, rule.severity + flag, rule.principle or "", text]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _hook(module: str) -> Callable[[Sequence[str]], int]:
    def run(argv: Sequence[str]) -> int:
        import importlib

        main: Callable[[Sequence[str]], int] = importlib.import_module(module).main
        return main(argv)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands: dict[str, Callable[[Sequence[str]], int]] = {name: _hook(m) for name, m in HOOKS.items()}
    commands.update({"init": _init, "rules": _rules})
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: ava-safety {" + ",".join(commands) + "} [args]")
        print("       ava-safety --version")
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"ava-safety {__version__}")
        return 0
    command = commands.get(argv[0])
    if command is None:
        print(f"ava-safety: unknown command '{argv[0]}' (choose from {', '.join(commands)})", file=sys.stderr)
        return 2
    try:
        return command(argv[1:])
    except BrokenPipeError:
        from ._errors import stdout_closed

        return stdout_closed()
    except KeyboardInterrupt:
        print(f"ava-safety {argv[0]}: interrupted", file=sys.stderr)
        return 130
    except ConfigErrors as exc:  # `ava-safety rules` over rule files with problems
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the crash policy: one clear line and exit 2, never exit 1
        import os

        from ._report import internal_error_line

        debug = bool(os.environ.get("AVA_SAFETY_DEBUG"))
        print(internal_error_line(f"ava-safety {argv[0]}", exc, debug=debug), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
