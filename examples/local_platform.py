"""Deploy a commit of this service on this machine, as a platform would: stop what runs, start the commit.

Usage: python local_platform.py PORT COMMIT (in the service's repository), or PORT stop. The commit runs from a git worktree under
.git/local-deploy/ with uvicorn on 127.0.0.1:PORT; its pid is kept there so the next deploy (or a
rollback, which deploys an older commit) stops it first. The output of the service goes to
.git/local-deploy/service.log.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def stop(pidfile: Path) -> None:
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(250):
            if not running(pid):
                break
            time.sleep(0.02)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pidfile.unlink()


def main() -> int:
    port, commit = sys.argv[1], sys.argv[2]
    git_dir = Path(subprocess.check_output(["git", "rev-parse", "--git-common-dir"], text=True).strip())
    state = git_dir.resolve() / "local-deploy"
    state.mkdir(exist_ok=True)
    pidfile = state / "pid"
    stop(pidfile)
    if commit == "stop":
        return 0
    tree = state / commit
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), commit], check=True)
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://farm@127.0.0.1/farm")}
    with open(state / "service.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", port],
            cwd=tree, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    pidfile.write_text(f"{proc.pid} {commit}\n")
    print(f"started {commit[:12]} as pid {proc.pid} on 127.0.0.1:{port}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
