"""Findings of every file-level hook on a set of repositories, for before/after comparisons.

    python bench/findings.py snap OUT TARGET...          # run every hook --all-files --format json
    python bench/findings.py snap OUT --packs generic,ava-olo TARGET...
    python bench/findings.py diff BEFORE AFTER           # what appeared and what went, per target
    python bench/findings.py counts SNAP                 # findings per hook and rule

A TARGET is a directory: a git repository is used as it is (its index and config); any other
directory is copied into a temporary git repository first (the test fixtures, examples/). `--packs`
writes a config outside the target that uses those packs (and nothing else of the target's own
config). Each hook runs as a subprocess of this interpreter (`python -m hooks.<hook>`), so the
figures are the installed package's. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HOOKS = {
    "constitutional-compliance": "hooks.constitutional_compliance",
    "syntax-imports": "hooks.syntax_imports",
    "env-vars": "hooks.env_vars",
    "deploy-config": "hooks.deploy_config",
    "design-rules": "hooks.design_rules",
}
TIMEOUT = 1800
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@local", "-c", "commit.gpgsign=false"]


def _repo_of(target: Path, scratch: Path) -> Path:
    if (target / ".git").exists():
        return target
    copy = scratch / target.name
    shutil.copytree(target, copy, symlinks=True)
    subprocess.run([*GIT, "init", "-q"], cwd=copy, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=copy, check=True)
    subprocess.run([*GIT, "commit", "-qm", "snapshot", "--no-verify"], cwd=copy, check=True)
    return copy


def snap(out: Path, targets: list[Path], packs: str | None, hooks: list[str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    crashed = 0
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        config: list[str] = []
        if packs:
            cfg = scratch / "packs.ava-safety.yaml"
            cfg.write_text(f"packs: [{packs}]\n", encoding="utf-8")
            config = ["--config", str(cfg)]
        for target in targets:
            repo = _repo_of(target.resolve(), scratch)
            name = target.resolve().name
            for hook in hooks:
                started = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", HOOKS[hook], "--all-files", "--format", "json", "--no-results",
                     *config],
                    cwd=repo, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                )  # fmt: skip
                seconds = time.perf_counter() - started
                try:
                    data = json.loads(proc.stdout) if proc.stdout.strip() else {}
                except json.JSONDecodeError:
                    data = {"unparsed_stdout": proc.stdout[-4000:]}
                findings = sorted(
                    (f["path"], f["line"], f["col"], f["rule"], f["message"])
                    for f in data.get("findings", [])
                )
                record = {
                    "target": name,
                    "hook": hook,
                    "exit_code": proc.returncode,
                    "seconds": round(seconds, 2),
                    "stderr": proc.stderr[-4000:],
                    "findings": [list(f) for f in findings],
                }
                if proc.returncode not in (0, 1):
                    crashed += 1
                (out / f"{name}.{hook}.json").write_text(json.dumps(record, indent=1) + "\n", "utf-8")
                print(f"{name:32} {hook:26} exit {proc.returncode}  {len(findings):6} findings  "
                      f"{seconds:6.1f} s", flush=True)  # fmt: skip
    return 2 if crashed else 0


def _load(snapdir: Path) -> dict[tuple[str, str], dict[str, object]]:
    runs = {}
    for path in sorted(snapdir.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        runs[(data["target"], data["hook"])] = data
    return runs


def diff(before: Path, after: Path) -> int:
    old, new = _load(before), _load(after)
    changed = 0
    for key in sorted(set(old) | set(new)):
        a = {tuple(f) for f in old.get(key, {}).get("findings", [])}  # type: ignore[union-attr]
        b = {tuple(f) for f in new.get(key, {}).get("findings", [])}  # type: ignore[union-attr]
        codes = (old.get(key, {}).get("exit_code"), new.get(key, {}).get("exit_code"))
        if a == b and codes[0] == codes[1]:
            continue
        changed += 1
        print(f"== {key[0]} {key[1]}: exit {codes[0]} -> {codes[1]}, -{len(a - b)} +{len(b - a)}")
        for f in sorted(a - b):
            print("  - " + ":".join(str(x) for x in f[:3]) + f": {f[3]} {f[4]}")
        for f in sorted(b - a):
            print("  + " + ":".join(str(x) for x in f[:3]) + f": {f[3]} {f[4]}")
    if not changed:
        print("no differences")
    return 0


def counts(snapdir: Path) -> int:
    for (target, hook), data in sorted(_load(snapdir).items()):
        per_rule = Counter(f[3] for f in data["findings"])  # type: ignore[union-attr]
        total = sum(per_rule.values())
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(per_rule.items()))
        print(f"{target:32} {hook:26} exit {data['exit_code']} {data['seconds']:7.1f} s {total:6}  {rules}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("snap")
    s.add_argument("out", type=Path)
    s.add_argument("targets", type=Path, nargs="+")
    s.add_argument("--packs", help="comma-separated packs (a config outside the target)")
    s.add_argument("--hooks", default=",".join(HOOKS), help="comma-separated hook ids")
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    c = sub.add_parser("counts")
    c.add_argument("snap", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snap":
        return snap(args.out, args.targets, args.packs, args.hooks.split(","))
    if args.command == "diff":
        return diff(args.before, args.after)
    return counts(args.snap)


if __name__ == "__main__":
    raise SystemExit(main())
