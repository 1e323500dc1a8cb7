"""Where a rollback goes, over histories written event by event (no git, no service)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks._config import ServiceConfig
from hooks._deploy.history import Event, SqliteHistory
from hooks._deploy.plan import DeployError, plan_rollback

WEB = ServiceConfig(name="web", provider="command")


def _store(tmp_path: Path, steps: list[str]) -> SqliteHistory:
    """`steps`: "deploy v1 succeeded", "rollback v1 succeeded from 2", ..."""
    store = SqliteHistory(tmp_path / "h.sqlite3")
    for step in steps:
        words = step.split()
        kind, version, status = words[:3]
        rollback_from = int(words[4]) if len(words) > 4 else None
        store.record(Event(service="web", kind=kind, status=status, version=version, commit=version * 8,
                           started_at="2026-01-01T00:00:00Z", rollback_from=rollback_from,
                           phase="finish" if status != "blocked" else "gates"))  # fmt: skip
    return store


@pytest.mark.parametrize(
    ("steps", "target", "origin"),
    [
        pytest.param(["deploy v1 succeeded", "deploy v2 succeeded"], "v1", "v2", id="previous"),
        pytest.param(
            [
                "deploy v1 succeeded",
                "deploy v2 rolled_back",
                "rollback v1 succeeded from 2",
                "deploy v3 succeeded",
            ],
            "v1",
            "v3",
            id="skips-the-failed-one",
        ),  # fmt: skip
        pytest.param(["deploy v1 succeeded", "deploy v2 interrupted"], "v1", "v2", id="after-interrupted"),
        pytest.param(["deploy v1 succeeded", "deploy v2 failed"], "v1", "v2", id="after-failed"),
        pytest.param(
            [
                "deploy v0 succeeded",
                "deploy v1 succeeded",
                "deploy v2 succeeded",
                "rollback v1 succeeded from 3",
            ],
            "v0",
            "v1",
            id="again-goes-further",
        ),  # fmt: skip
        pytest.param(
            ["deploy v1 succeeded", "deploy v2 succeeded", "deploy v3 blocked"],
            "v1",
            "v2",
            id="blocked-changed-nothing",
        ),  # fmt: skip
        pytest.param(
            [
                "deploy v1 succeeded",
                "deploy v2 succeeded",
                "rollback v1 succeeded from 2",
                "deploy v2 succeeded",
                "deploy v3 succeeded",
            ],
            "v2",
            "v3",
            id="redeployed-is-owned-again",
        ),  # fmt: skip
        pytest.param(
            [
                "deploy v1 succeeded",
                "deploy v2 succeeded",
                "deploy v3 succeeded",
                "rollback v2 interrupted from 3",
            ],
            "v2",
            "v2",
            id="interrupted-rollback-retried",
        ),  # fmt: skip
    ],
)
def test_the_target(tmp_path: Path, steps: list[str], target: str, origin: str) -> None:
    plan = plan_rollback(_store(tmp_path, steps), WEB, tmp_path)
    assert (plan.version, plan.from_version) == (target, origin)
    assert plan.describe().startswith(f"roll web back from {origin} to {target} (")


def test_to_names_a_succeeded_version(tmp_path: Path) -> None:
    store = _store(tmp_path, ["deploy v1 succeeded", "deploy v2 succeeded", "deploy v3 succeeded"])
    plan = plan_rollback(store, WEB, tmp_path, to="v1")
    assert (plan.version, plan.source) == ("v1", "history #1")


def test_nothing_earlier_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="no earlier successful deploy of web before v1 to roll back to"):
        plan_rollback(_store(tmp_path, ["deploy v1 succeeded"]), WEB, tmp_path)
