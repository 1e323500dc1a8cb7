"""`ava-safety dashboard` and `ava-safety serve` as commands: where the page goes, exit codes, messages;
the written page passes the suite's own design-rules generic pack."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from hooks import _cli
from hooks.design_rules import main as design_rules

from ._dashboard_support import serving
from ._deploy_support import ServiceRepo
from ._support import ctrl_c_reaches
from .conftest import make_repo

Capsys = pytest.CaptureFixture[str]


def test_dashboard_writes_under_git_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    monkeypatch.chdir(repo)
    assert _cli.main(["dashboard", "--no-probe"]) == 0
    target = repo / ".git" / "ava-safety" / "dashboard.html"
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {target} (0 services: 0 up, 0 down, 0 drifted; 0 events)",
        f"open it: file://{target.resolve()}",
    ]
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "__DATA__" not in html
    assert not (repo / ".git" / "ava-safety" / "history.sqlite3").exists()


def test_the_written_page_passes_the_design_rules_generic_pack(
    service_repo: ServiceRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    assert repo.run("constitutional-compliance", "--all-files").returncode == 0
    out = tmp_path / "site" / "dashboard.html"
    assert repo.run("dashboard", "--out", str(out)).returncode == 0
    monkeypatch.chdir(out.parent)  # outside any git repo: the named file, the default (generic) pack
    assert design_rules([out.name, "--strict", "--no-results"]) == 0, capsys.readouterr().out
    broken = out.read_text(encoding="utf-8").replace('<html lang="en">', "<html>", 1)
    (out.parent / "broken.html").write_text(broken, encoding="utf-8")
    assert design_rules(["broken.html", "--no-results"]) == 1  # the check is live, not a pass by default
    assert "DR002" in capsys.readouterr().out


def test_dashboard_errors_are_exit_2_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["dashboard"]) == 2
    assert "not a git repository" in capsys.readouterr().err
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    monkeypatch.chdir(repo)
    (repo / "file").write_text("x")
    assert _cli.main(["dashboard", "--no-probe", "--out", "file/page.html"]) == 2
    assert capsys.readouterr().err.startswith("ava-safety dashboard: cannot write file/page.html: ")
    (repo / ".ava-safety.yaml").write_text("servics: {}\n")
    assert _cli.main(["dashboard", "--no-probe"]) == 2
    assert "unknown key 'servics'" in capsys.readouterr().err


def test_serve_prints_where_and_the_token_and_stops_on_ctrl_c(service_repo: ServiceRepo) -> None:
    with serving(service_repo, token=None) as served:
        assert re.fullmatch(r"ava-safety dashboard: http://127\.0\.0\.1:\d+/", served.first_lines[0])
        m = re.fullmatch(
            r"action token: (\S{32})  \(this tab, signed in: (\S+)#token=(\S+)\)", served.first_lines[1]
        )
        assert m is not None and m.group(1) == m.group(3) and m.group(2) == served.url
        assert served.json("/api/status")["live"] is True
        assert served.post("/api/actions/health", {}, {"Authorization": f"Bearer {m.group(1)}"})[0] == 202
    assert served.proc.returncode == 0
    assert "ava-safety serve: stopped" in served.stderr


def test_serve_refuses_bad_settings(service_repo: ServiceRepo) -> None:
    short = service_repo.run("serve", "--port", "0", AVA_SAFETY_TOKEN="short")
    assert short.returncode == 2 and "too short for a token" in short.stderr
    assert service_repo.run("serve", "--port", "70000").returncode == 2
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        taken = service_repo.run("serve", "--port", str(port))
        assert taken.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in taken.stderr


def test_serve_beyond_loopback_warns(service_repo: ServiceRepo) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hooks._cli", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=service_repo.path, env={**service_repo.env(), "AVA_SAFETY_TOKEN": "x" * 20},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_reaches,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = proc.stdout.readline().split(": ", 1)[1].strip()
        assert proc.stdout.readline() == "actions need the token in $AVA_SAFETY_TOKEN\n"
        warning = proc.stderr.readline()
        assert warning.startswith("warning: listening on 0.0.0.0: anyone who reaches this machine")
        port = url.rsplit(":", 1)[1].rstrip("/")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=10) as answer:
            assert answer.status == 200  # serving: Ctrl-C now stops it cleanly
    finally:
        os.kill(proc.pid, signal.SIGINT)
        out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
