#!/usr/bin/env bash
# Set up ava-safety in .venv and run all its file-level hooks through real pre-commit on the bundled sample
# service (copied into a temporary git repository). Expect the hook to block: the sample has
# deliberate violations. Usage: bash examples/demo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
if [ ! -x "$here/.venv/bin/pre-commit" ]; then
  "$python" -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -e "$here[test]"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$here/examples/sample-service/." "$work/"
cd "$work"
git init -q
git add -A
git -c user.name=demo -c user.email=demo@example.com commit -qm "sample service"
echo "== pre-commit try-repo $here --all-files (every hook, in a copy of examples/sample-service)"
set +e
"$here/.venv/bin/pre-commit" try-repo "$here" --all-files --verbose
code=$?
set -e
echo "== pre-commit exited $code (1 = blocked, as expected for the sample's deliberate violations)"
[ "$code" -eq 1 ]
