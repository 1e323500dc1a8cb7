"""The push guards' keys in `.ava-safety.yaml` (working_systems, rollback_risk, database): every
problem at once, each at its line, and exit 2 from each guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hooks._config import load_config
from hooks._errors import ConfigErrors

from .conftest import GIT_ENV, make_repo

BAD = """\
working_systems:
  - name: registration
    entry: [modules/api/registration_routes.py]
    routes: yes please
    smoke: "pytest -q"
    protect: [Dockerfile]
    elements: {classes: [.version-badge], colors: [8B4513], tables: [farmers], fonts: [x]}
    smok_timeout_s: 5
  - entry: [a.py]
rollback_risk:
  block_at: severe
  timezone: Mars/Olympus
  weights: {destructive-ddl: 400, moon-phase: 3}
  windows: [{name: x, days: [fri], from: "25:00", to: "06:00"}]
database:
  url_env: DATABASE_URL
  policy: ignore
  connect_timeout_s: 0
  tables: [farmers]
  parts: {host: DB_HOST, pass: DB_PASS}
"""


def test_every_problem_of_the_guard_keys_is_reported_at_its_line(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config(tmp_path)
    found = [str(p).removeprefix(".ava-safety.yaml:") for p in info.value.problems]
    assert [f[:78] for f in found] == [  # each message's start: the line, the key, what is wrong
        "4: working system 'registration': 'routes' must be true or false",
        "5: working system 'registration': 'smoke' must be a list of argv lists such as",
        "7: working system 'registration': elements: classes: '.version-badge' is not a",
        "7: working system 'registration': elements: colors: '8B4513' is not a hex colo",
        "7: working system 'registration': elements: unknown key 'fonts' (known keys: c",
        "8: working system 'registration': unknown key 'smok_timeout_s' (did you mean '",
        "9: working system: 'name' is required: letters, digits, '-', '_' or '.' (it is",
        "11: rollback_risk: 'block_at' must be one of low, medium, high, critical or ne",
        "12: rollback_risk: 'timezone' 'Mars/Olympus' is not a time zone name such as E",
        "13: rollback_risk: unknown factor 'moon-phase' (known factors: additive-ddl, a",
        "13: rollback_risk: weights: destructive-ddl: points must be a number from 0 to",
        "14: rollback_risk: windows: x: 'from' and 'to' must be times such as \"14:00\" (",
        "17: database: 'policy' must be fail (an unreachable database blocks) or skip (",
        "18: database: 'connect_timeout_s' must be a number of seconds from 1 to 120",
        "20: database: parts: unknown key 'pass' (did you mean 'password'?)",
    ]


GOOD = """\
working_systems:
  - name: registration
    entry: [app/registration.py, app.db]
    routes: true
    smoke: [[python, -m, pytest, -q, tests/test_registration.py]]
    smoke_timeout_s: 90
    protect: [Dockerfile, .github/workflows/deploy.yml]
    elements: {classes: [version-badge], colors: ["#8B4513"], tables: [farmers, fields]}
rollback_risk:
  block_at: critical
  timezone: Europe/Ljubljana
  weights: {time-window: 0}
database:
  - name: main
    url_env: AVA_DB_URL
    tables: [farmers]
    extensions: [vector]
    policy: skip
    connect_timeout_s: 3
"""


def test_a_full_guard_config_is_read(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(GOOD, encoding="utf-8")
    config = load_config(tmp_path)
    (system,) = config.working_systems
    assert system.entry == ("app/registration.py", "app.db") and system.routes
    assert system.smoke == (("python", "-m", "pytest", "-q", "tests/test_registration.py"),)
    assert system.elements.colors == ("#8B4513",) and system.elements.tables == ("farmers", "fields")
    assert config.rollback_risk.block_at == "critical" and config.rollback_risk.timezone == "Europe/Ljubljana"
    assert dict(config.rollback_risk.weights) == {"time-window": 0}
    (db,) = config.databases
    assert (db.name, db.url_env, db.policy, db.connect_timeout_s) == ("main", "AVA_DB_URL", "skip", 3)
    assert config.guard_gates() == ("working-systems", "rollback-risk", "db-connection")


@pytest.mark.parametrize("hook", ["working_systems", "rollback_risk", "db_connection"])
def test_each_guard_exits_2_on_a_bad_config_naming_file_and_line(tmp_path: Path, hook: str) -> None:
    repo = make_repo(
        tmp_path / "svc", {".ava-safety.yaml": "rollback_risk:\n  block_at: severe\n", "a.py": ""}
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "AVA_SAFETY"))}
    proc = subprocess.run(
        [sys.executable, "-m", f"hooks.{hook}", "--no-results"], cwd=repo, env={**clean, **GIT_ENV},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ".ava-safety.yaml:2: rollback_risk: 'block_at' must be one of" in proc.stderr
