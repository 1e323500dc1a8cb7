#!/usr/bin/env bash
# The whole story on the bundled sample service (examples/sample-service, copied into a temporary git
# repository): the checks block it, the team fixes it, a deploy, a failed deploy rolled back
# automatically, an emergency rollback, and the history. The "platform" is this machine:
# examples/local_platform.py runs each deployed commit with uvicorn on a free loopback port.
# Usage: bash examples/demo.sh   (sets up .venv on first use; needs nothing else)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
if [ ! -x "$here/.venv/bin/pre-commit" ]; then
  "$python" -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -e "$here[test]"
fi
if ! "$here/.venv/bin/python" -c "import fastapi, uvicorn" 2>/dev/null; then
  "$here/.venv/bin/pip" install -q -r "$here/examples/sample-service/requirements.txt"
fi
export PATH="$here/.venv/bin:$PATH" NO_COLOR=1
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { (cd "$work" && python3 "$here/examples/local_platform.py" "$port" stop) >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
cp -a "$here/examples/sample-service/." "$work/"
cd "$work"
git init -q -b main
git config user.name "Demo Farmer" && git config user.email demo@example.com
git add -A && git commit -qm "sample service"
step() { printf '\n== %s\n' "$*"; }
serving() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
  "http://127.0.0.1:$port/health"; }
expect() { local want=$1; shift; set +e; "$@"; local got=$?; set -e
  [ "$got" -eq "$want" ] || { echo "demo: expected exit $want from '$*', got $got" >&2; exit 1; }; }

step "1. checks: every file-level hook through real pre-commit; the sample's deliberate violations block it"
expect 1 pre-commit try-repo "$here" --all-files

step "2. the team fixes what blocked, declares how the service deploys, and tags v1.0.0"
python3 - <<'PY'
from pathlib import Path
main = Path("app/main.py")
text = main.read_text()
text = text.replace('    if country == "Bulgaria":\n        return {"advice": "Plant in April."}\n', "")
text = text.replace("    except:\n", "    except requests.RequestException:\n")
text = text.replace('    print(f"sending advice to {farmer.phone}")', '    logger.info("advice sent to farmer %s", farmer.id)')
text = text.replace(", reload=True)", ")")
main.write_text(text)
settings = Path("app/settings.py")
settings.write_text(settings.read_text().replace("http://localhost:9000/forecast", "https://api.weather.example/forecast"))
PY
cat >> .ava-safety.yaml <<YAML

services:
  web:
    provider: command
    deploy: [python3, $here/examples/local_platform.py, "$port", "{commit}"]
    health:
      url: http://127.0.0.1:$port/health
      expect: {status: 200, json: {version: "{version}"}, max_ms: 500}
      passes: 3
      interval_s: 0.2
      timeout_s: 8
YAML
git add -A && git commit -qm "Name the exceptions, no auto-reload; deploy config" && git tag v1.0.0
expect 0 ava-safety pre-deploy-check

step "3. deploy v1.0.0: gates, the provider, health verification (3 passes, version == v1.0.0), history"
expect 0 ava-safety deploy
serving

step "4. v1.1.0 makes /health slow (1.5 s, over max_ms 500): its deploy fails and is rolled back by itself"
sed -i 's/VERSION = "1.0.0"/VERSION = "1.1.0"/' app/settings.py
sed -i 's/^import os$/import os\nimport time/; s/database=lambda: bool(DATABASE_URL)/database=lambda: time.sleep(1.5) or bool(DATABASE_URL)/' app/main.py
git commit -qam "Check the database in /health" && git tag v1.1.0
expect 1 ava-safety deploy
serving

step "5. v1.2.0 (the fix) deploys; then an emergency rollback: it lands on v1.0.0, the last stable version"
sed -i 's/VERSION = "1.1.0"/VERSION = "1.2.0"/' app/settings.py
git checkout -q v1.0.0 -- app/main.py
git commit -qam "Fast /health again" && git tag v1.2.0
expect 0 ava-safety deploy
expect 0 ava-safety rollback --dry-run
expect 0 ava-safety rollback
serving

step "6. the history, newest first (ava-safety history --format json for the machine-readable form)"
expect 0 ava-safety history
