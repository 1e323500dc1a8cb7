"""`ava-safety`: one command with a subcommand per hook, plus `init`, `baseline`, `rules`, `routes`,
`history`, `dashboard` and `serve`."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from ._errors import ConfigErrors

if TYPE_CHECKING:  # the rule machinery costs 40 ms to import: not for deploy, rollback, history
    from ._rules import RetiredRule, Rule

HOOKS: dict[str, str] = {
    "constitutional-compliance": "hooks.constitutional_compliance",
    "design-rules": "hooks.design_rules",
    "syntax-imports": "hooks.syntax_imports",
    "deploy-config": "hooks.deploy_config",
    "env-vars": "hooks.env_vars",
    "version-consistency": "hooks.version_consistency",
    "working-systems": "hooks.working_systems",
    "rollback-risk": "hooks.rollback_risk",
    "db-connection": "hooks.db_connection",
    "pre-deploy-check": "hooks.pre_deploy_check",
    "deploy": "hooks.deploy",
    "rollback": "hooks.rollback",
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
# Each deployed service: its deployment files (env-vars, deploy-config) and, for deploy and
# rollback, its provider (command | apprunner | ecs), health check and notifications.
# services:
#   web:
#     provider: command
#     files: [apprunner.yaml, Dockerfile]
#     deploy: [./scripts/deploy.sh, "{version}", "{commit}"]
#     current: [./scripts/current.sh]           # prints the version running now
#     health: {url: "http://127.0.0.1:8080/health", passes: 3, timeout_s: 60}
#     notify: [{webhook: "https://hooks.example.invalid/T000/B000"}]
# Where deploy history is kept: sqlite (under .git/ava-safety/) or a postgresql:// URL.
# history: sqlite
# version-consistency: the files that state the version (default: found).
# version_sources: [pyproject.toml, app/config.py, CHANGELOG.md]
# deploy-config: registries images may come from (empty: any).
# image_registries: []
# Vendored and generated files are skipped; true (or globs) checks them.
# include_vendored: false
# design-rules: the stylesheets that define the team's design tokens (the palette).
# design:
#   tokens: [static/css/design-system.css]
# syntax-imports: pyflakes' style warnings too (unused imports ...).
# syntax_imports: {style: true}
# Files over this size are not checked, with a warning.
# max_file_size: 2 MB
# working-systems: what works today and must not change unacknowledged.
# working_systems:
#   - name: registration
#     entry: [app/registration.py]
#     routes: true
#     smoke: [[python, -m, pytest, -q, tests/test_registration.py]]
# rollback-risk: when a push needs a Rollback-Risk-Ack trailer.
# rollback_risk: {block_at: high, timezone: Europe/Ljubljana}
# db-connection: the database as the service reaches it.
# database: {url_env: DATABASE_URL, env_file: .env, policy: skip}
"""

HOOK_REPO = "https://github.com/ava-safety/ava-safety"
BASELINE_FILE = ".ava-safety-baseline.json"
INIT_HOOKS = ("constitutional-compliance", "syntax-imports", "env-vars", "deploy-config", "design-rules")
# the file-level hooks whose findings `ava-safety baseline` records (pre-commit runs them per file)
BASELINE_HOOKS = (*INIT_HOOKS, "version-consistency")
TAG_TIMEOUT_S = 10.0


def starter_precommit(repo: str, rev: str | None, *, baseline: bool) -> str:
    """The generated .pre-commit-config.yaml. `rev` None: no tag of the installed version exists
    (or the hook repository could not be asked), so the file says to run `pre-commit autoupdate`."""
    lines = ["# Add to your .pre-commit-config.yaml (or keep this file as it is):", "repos:"]
    lines.append(f"  - repo: {repo}")
    if rev is None:
        lines.append(
            f"    rev: v{__version__}  # no such tag yet: run 'pre-commit autoupdate' to pin a release"
        )
    else:
        lines.append(f"    rev: {rev}")
    lines.append("    hooks:")
    for hook in INIT_HOOKS:
        lines.append(f"      - id: {hook}")
        if baseline:
            lines.append(f"        args: [--baseline, {BASELINE_FILE}]")
    lines += [
        "      # before a push (pre-commit install --hook-type pre-push):",
        "      # - id: rollback-risk",
        "      # - id: working-systems     # with working_systems: in .ava-safety.yaml",
        "      # - id: db-connection       # with database:",
        "      # - id: pre-deploy-check",
        "      # by hand (pre-commit run --hook-stage manual deploy), with services: declared:",
        "      # - id: deploy",
        "      # - id: rollback",
    ]
    return "\n".join(lines) + "\n"


def release_tag(repo: str, version: str) -> str | None:
    """`v<version>` when the hook repository has that tag, else None (also when git cannot reach it
    within TAG_TIMEOUT_S: init never waits long and never prompts for credentials)."""
    import os
    import subprocess

    tag = f"v{version}"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    try:
        proc = subprocess.run(
            ["git", "ls-remote", "--tags", "--", repo, f"refs/tags/{tag}"],
            capture_output=True, text=True, timeout=TAG_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    refs = {line.split("\t")[-1] for line in proc.stdout.splitlines()}
    return tag if f"refs/tags/{tag}" in refs else None


def _init(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="ava-safety init", description="Write starter config files.")
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: here)")
    parser.add_argument("--repo", default=HOOK_REPO, help=f"the hook repository to pin (default {HOOK_REPO})")
    args = parser.parse_args(argv)
    directory: Path = args.dir if args.dir is not None else Path.cwd()
    if not directory.is_dir():
        what = "is not a directory" if os.path.lexists(directory) else "does not exist"
        parser.error(f"--dir {directory} {what}")
    precommit_path = directory / ".pre-commit-config.yaml"
    targets = {directory / ".ava-safety.yaml": STARTER_CONFIG, precommit_path: ""}
    refused = False
    for path in targets:
        if path.is_symlink():  # a dangling link would be written through, wherever it points
            print(f"ava-safety init: {path} is a symbolic link (to {os.readlink(path)}); "
                  "not writing through it (remove it first)", file=sys.stderr)  # fmt: skip
            refused = True
        elif os.path.lexists(path):
            print(f"ava-safety init: {path} exists; not overwriting it (move it away first)", file=sys.stderr)
            refused = True
    if refused:
        return 2
    rev = release_tag(args.repo, __version__)
    baseline = (directory / BASELINE_FILE).is_file()
    targets[precommit_path] = starter_precommit(args.repo, rev, baseline=baseline)
    try:
        write_new_files(targets)
    except OSError as exc:
        where = exc.filename or directory
        print(f"ava-safety init: cannot write {where}: {exc.strerror or exc}; nothing was written",
              file=sys.stderr)  # fmt: skip
        return 2
    for path in targets:
        print(f"wrote {path}")
    if baseline:
        print(f"the hooks report only findings not in {BASELINE_FILE} (args: [--baseline, {BASELINE_FILE}])")
    else:
        print("a repository with old findings: run 'ava-safety baseline' first, then init again, "
              "to report only new ones")  # fmt: skip
    if rev is None:
        print(f"{args.repo} has no tag v{__version__} (or could not be reached): "
              "run 'pre-commit autoupdate' to pin the newest release")  # fmt: skip
    return 0


def write_new_files(files: dict[Path, str]) -> None:
    """Create every file or none: each is written in full to a temporary file beside it first, then
    linked to its name, which fails if the name exists by then (a file or a link: never written
    through); when one fails, the ones already created are removed again. Raises OSError."""
    import tempfile

    temporaries: dict[Path, str] = {}
    created: list[Path] = []
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporaries[path] = tmp
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
        for path, tmp in temporaries.items():
            _link_new(tmp, path)
            created.append(path)
    except OSError:
        for path in created:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    finally:
        for tmp in temporaries.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _link_new(tmp: str, path: Path) -> None:
    import errno

    try:
        os.link(tmp, path)  # atomic, and refuses an existing name
        return
    except OSError as exc:
        no_links = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS)
        if exc.errno not in no_links:
            raise OSError(exc.errno, exc.strerror, str(path)) from None  # name the file, not the temporary
    if os.path.lexists(path):  # a file system without hard links: check, then rename
        raise FileExistsError(errno.EEXIST, "File exists", str(path))
    os.rename(tmp, path)


def _write_baseline(argv: Sequence[str]) -> int:
    """`ava-safety baseline`: every file-level hook's findings on every tracked file, in one file
    that the hooks' `--baseline` reads (fingerprints carry the rule id, so one file serves them all)."""
    from . import _git
    from ._baseline import BaselineError, write
    from ._hook import AllFiles, HookRequest, UsageError, execute_many
    from ._report import crash_lines

    parser = argparse.ArgumentParser(
        prog="ava-safety baseline",
        description="Accept today's findings: record every hook's findings on every tracked file, so "
        "the hooks (with --baseline) report only new ones.",
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE",
        help=f"where to write (default: {BASELINE_FILE} at the repository root)",
    )  # fmt: skip
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    parser.add_argument("--hook", action="append", choices=BASELINE_HOOKS, help="only these hooks")
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args(argv)
    hooks = args.hook or list(BASELINE_HOOKS)
    try:
        root = _git.repo_root(Path.cwd())
        requests = [
            HookRequest(h, scope=AllFiles(), config=args.config, results=False, jobs=args.jobs)
            for h in dict.fromkeys(hooks)
        ]
        outcomes = execute_many(requests)
    except (UsageError, _git.GitError) as exc:
        print(f"ava-safety baseline: {exc}", file=sys.stderr)
        return 2
    crashes = [c for o in outcomes.values() for c in o.crashes]
    if crashes:
        for line in crash_lines(crashes, debug=False):
            print(line, file=sys.stderr)
        print("ava-safety baseline: a check crashed; no baseline written (exit 2)", file=sys.stderr)
        return 2
    target = args.output if args.output is not None else root / BASELINE_FILE
    try:
        count = write(target, [f for o in outcomes.values() for f in o.findings])
    except BaselineError as exc:
        print(f"ava-safety baseline: {exc}", file=sys.stderr)
        return 2
    per_hook = ", ".join(f"{hook} {len(o.findings)}" for hook, o in outcomes.items())
    print(f"wrote {count} finding(s) to {target} ({per_hook})")
    print(f"commit it, and give each hook args: [--baseline, {_shown(target, root)}] "
          "('ava-safety init' does when the file exists)")  # fmt: skip
    return 0


def _rules(argv: Sequence[str]) -> int:
    from ._rules import bundled_packs, load_rules

    parser = argparse.ArgumentParser(
        prog="ava-safety rules", description="List the bundled rules, or test rule examples."
    )
    parser.add_argument("--pack", action="append", help="only these packs")
    parser.add_argument("--markdown", action="store_true", help="the README's rule table")
    parser.add_argument(
        "--test",
        action="store_true",
        help="run every example of the repo's own rule files through the engine; exit 1 if one fails",
    )
    parser.add_argument("--config", type=Path, help="with --test: config file (default .ava-safety.yaml)")
    parser.add_argument("--bundled", action="store_true", help="with --test: the bundled packs' examples too")
    args = parser.parse_args(argv)
    if args.test:
        return _test_examples(args.config, bundled=args.bundled)
    if args.config is not None or args.bundled:
        parser.error("--config and --bundled go with --test")
    unknown = [p for p in args.pack or () if p not in bundled_packs()]
    if unknown:
        parser.error(f"unknown pack {unknown[0]!r} (bundled packs: {', '.join(bundled_packs())})")
    ruleset = load_rules(hook=None, packs=args.pack or bundled_packs())
    if args.markdown:
        print(rule_table(ruleset.rules, ruleset.retired.values()))
        return 0
    for rule in ruleset.rules:
        print(f"{rule.id}  {rule.severity:<7}  {rule.pack:<8}  {rule.name}")
    for old in sorted(ruleset.retired.values(), key=lambda r: r.id):
        instead = f" (replaced by {', '.join(old.replaced_by)})" if old.replaced_by else ""
        print(f"{old.id}  {'retired':<7}  {old.pack:<8}  {old.name}{instead}")
    return 0


def _test_examples(config_path: Path | None, *, bundled: bool) -> int:
    """`rules --test`: each rule whose fail example its check cannot flag, or whose pass example it
    flags, with file and line; exit 1 when there is one, 2 on a configuration error or a crash."""
    from . import _git
    from ._config import load_config
    from ._errors import ConfigErrors
    from ._examples import check_examples
    from ._rules import bundled_packs, load_rules

    cwd = Path.cwd()
    try:
        root = _git.repo_root(cwd)
    except _git.GitError:
        root = cwd
    try:
        config = load_config(root, config_path)
        own = config.rule_files()
        display = {p: _shown(p, root) for p in own}
        ruleset = load_rules(
            hook=None,
            packs=bundled_packs() if bundled else config.packs,
            extra_files=own,
            extra_display=display,
            packs_from=(config.display, config.packs_line),
        )
    except ConfigErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("ava-safety rules: fix the configuration above (exit 2)", file=sys.stderr)
        return 2
    own_sources = set(display.values())
    rules = [r for r in ruleset.rules if bundled or r.source in own_sources]
    if not rules:
        print("ava-safety rules: no rules of your own to test ('rules:' in .ava-safety.yaml); "
              "--bundled tests the bundled packs")  # fmt: skip
        return 0
    failures = check_examples(rules, catch_crash=True)
    for failure in sorted(failures, key=lambda f: (f.rule.source, f.example.line)):
        print(failure)
    examples = sum(len(r.examples) for r in rules)
    if failures:
        print(f"{len(failures)} of {examples} examples of {len(rules)} rules do not hold")
        return 2 if any(f.crashed for f in failures) else 1
    print(f"all {examples} examples of {len(rules)} rules hold")
    return 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def rule_table(rules: Sequence[Rule], retired: Iterable[RetiredRule] = ()) -> str:
    """The README's rule table, generated so it cannot drift from rules/; retired ids last, so an
    old suppression's id can still be looked up."""
    lines = ["| id | pack | name | severity | principle | what it flags |", "|---|---|---|---|---|---|"]
    for rule in rules:
        flag = " (blocking)" if rule.blocking else ""
        text = (rule.description or rule.message).split(". ")[0].rstrip(".").replace("|", "\\|")
        text = " ".join(text.split())
        cells = [rule.id, rule.pack, rule.name, rule.severity + flag, rule.principle or "", text]
        lines.append("| " + " | ".join(cells) + " |")
    for old in sorted(retired, key=lambda r: r.id):
        text = f"replaced by {', '.join(old.replaced_by)}" if old.replaced_by else "no longer checked"
        lines.append(f"| {old.id} | {old.pack} | {old.name} | retired |  | {text} |")
    return "\n".join(lines)


def _history(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ava-safety history", description="Deploys and rollbacks, newest first."
    )
    parser.add_argument("service", nargs="?", help="only this service")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--limit", type=int, default=30, help="how many events (default 30)")
    parser.add_argument("--before", type=int, metavar="ID", help="events older than this id (paging)")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args = parser.parse_args(argv)
    if not 1 <= args.limit <= 100_000:
        parser.error("--limit must be a number of events from 1 to 100000")
    if args.before is not None and not 1 <= args.before < 2**63:
        parser.error("--before must be an event id (a positive number)")
    from ._config import Config
    from ._deploy import main as common
    from ._deploy import report
    from ._deploy.history import open_history

    def action(root: Path, config: Config) -> int:
        store = open_history(root, config.history)
        try:
            events = store.events(args.service, before=args.before, limit=args.limit)
        finally:
            store.close()
        if args.format == "json":
            print(report.history_json(events))
        else:
            for line in report.history_table(events):
                print(line)
        return 0

    return common.act("history", args.config, action)


def _dashboard(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ava-safety dashboard",
        description="Write the health dashboard: one self-contained HTML file that works offline.",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write it (default: .git/ava-safety/dashboard.html)"
    )
    parser.add_argument("--no-probe", action="store_true", help="do not call the services' health URLs")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args = parser.parse_args(argv)
    from ._config import Config
    from ._dashboard import build
    from ._deploy import main as common

    def action(root: Path, config: Config) -> int:
        try:
            target, data = build.write(root, config, args.out, probe=not args.no_probe)
        except OSError as exc:
            print(f"ava-safety dashboard: cannot write {args.out or 'the page'}: {exc}", file=sys.stderr)
            return 2
        n = data["summary"]
        print(f"wrote {target} ({len(data['services'])} services: {n['up']} up, {n['down']} down, "
              f"{n['drift']} drifted; {len(data['timeline']['events'])} events)")  # fmt: skip
        print(f"open it: file://{target.resolve()}")
        return 0

    return common.act("ava-safety dashboard", args.config, action)


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ava-safety serve",
        description="Serve the health dashboard live, with a JSON API and token-protected actions.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: a free one)")
    parser.add_argument(
        "--token-env", default="AVA_SAFETY_TOKEN", metavar="NAME",
        help="environment variable holding the action token (default AVA_SAFETY_TOKEN; unset: a new "
        "token is made and printed)",
    )  # fmt: skip
    parser.add_argument(
        "--probe-interval", type=float, default=30.0, metavar="S", help="seconds between health probes"
    )
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535 or not 1 <= args.probe_interval <= 86400:  # not NaN either
        parser.error("--port must be 0-65535 and --probe-interval from 1 to 86400 seconds")
    import os

    from ._config import Config
    from ._dashboard import server as srv
    from ._deploy import main as common

    def action(root: Path, config: Config) -> int:
        token = os.environ.get(args.token_env, "")
        if token and len(token) < 16:
            print(f"ava-safety serve: ${args.token_env} is too short for a token (16 characters at least)",
                  file=sys.stderr)  # fmt: skip
            return 2
        dashboard = srv.Dashboard(root, config, token=token or srv.new_token(),
                                  probe_interval_s=args.probe_interval)  # fmt: skip
        try:
            server = srv.make_server(dashboard, args.host, args.port)
        except OSError as exc:
            print(f"ava-safety serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            dashboard.close()
            return 2
        port = server.server_address[1]
        shown = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{shown}:{port}/"
        print(f"ava-safety dashboard: {url}", flush=True)
        if token:
            print(f"actions need the token in ${args.token_env}", flush=True)
        else:
            print(f"action token: {dashboard.token}  (this tab, signed in: {url}#token={dashboard.token})",
                  flush=True)  # fmt: skip
        if not srv.is_loopback(args.host):
            print(f"warning: listening on {args.host}: anyone who reaches this machine sees the page "
                  "(actions still need the token)", file=sys.stderr, flush=True)  # fmt: skip
        dashboard.start_prober()
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            print("ava-safety serve: stopped", file=sys.stderr)
        finally:
            server.server_close()
            dashboard.close()
        return 0

    return common.act("ava-safety serve", args.config, action)


def _routes_command(argv: Sequence[str]) -> int:
    """`ava-safety routes [--update] [--all]`: the routes the working systems serve, and their lock."""
    parser = argparse.ArgumentParser(
        prog="ava-safety routes",
        description="List the routes of the working systems with `routes: true`, or write their lock "
        "(.ava-safety.routes.lock; commit it). Reads the tracked files as they are on disk.",
    )
    parser.add_argument("--update", action="store_true", help="write the routes lock (a file you commit)")
    parser.add_argument("--all", action="store_true", help="list every route the code defines, with its app")
    parser.add_argument("--config", type=Path, help="config file (default: .ava-safety.yaml)")
    args = parser.parse_args(argv)
    from ._config import Config
    from ._deploy import main as common
    from ._guards.routes_command import lock_lines, write_lock

    def action(root: Path, config: Config) -> int:
        if args.update:
            path, count, changed = write_lock(root, config)
            if count == 0:
                nothing = "no working system with `routes: true` serves a route; nothing locked"
                print(f"ava-safety routes: {nothing}", file=sys.stderr)
                return 1
            print(f"{'wrote' if changed else 'unchanged:'} {path} ({count} routes); commit it")
            return 0
        for line in lock_lines(root, config, every=args.all):
            print(line)
        return 0

    return common.act("ava-safety routes", args.config, action)


def _hook(module: str) -> Callable[[Sequence[str]], int]:
    def run(argv: Sequence[str]) -> int:
        import importlib

        main: Callable[[Sequence[str]], int] = importlib.import_module(module).main
        return main(argv)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands: dict[str, Callable[[Sequence[str]], int]] = {name: _hook(m) for name, m in HOOKS.items()}
    commands.update(
        {
            "init": _init,
            "baseline": _write_baseline,
            "rules": _rules,
            "routes": _routes_command,
            "history": _history,
            "dashboard": _dashboard,
            "serve": _serve,
        }  # fmt: skip
    )
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
    except SystemExit as exc:  # argparse's usage errors (2) and --help (0): returned, as a main does
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
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
