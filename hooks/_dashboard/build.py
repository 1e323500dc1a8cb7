"""`ava-safety dashboard`: probe, gather, render, write one file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import _git
from .._config import Config
from .._deploy.history import History, HistoryError, open_history
from . import model, page, probes

DEFAULT_NAME = "dashboard.html"


def open_store(root: Path, config: Config, state_dir: Path) -> tuple[History | None, str | None]:
    """The history store, or None with the reason; a SQLite store that was never written is not
    created just to be looked at."""
    if config.history == "sqlite" and not (state_dir / "history.sqlite3").exists():
        return None, None
    try:
        return open_history(root, config.history, state_dir=state_dir), None
    except HistoryError as exc:
        return None, str(exc)


def snapshot(root: Path, config: Config, *, probe: bool = True) -> dict[str, Any]:
    """The data of a written page: health probed now (and recorded), the newest events."""
    state = _git.state_dir(root)
    checks = probes.check_all(config.services) if probe else {}
    try:
        probes.record(state, list(checks.values()))
    except OSError:
        pass  # the uptime record is a nicety; the page still shows this probe
    store, error = open_store(root, config, state)
    try:
        return model.status(
            root, config, store, state_dir=state, checks=checks, window=model.FILE_WINDOW, history_error=error
        )
    finally:
        if store is not None:
            store.close()


def write(root: Path, config: Config, out: Path | None, *, probe: bool = True) -> tuple[Path, dict[str, Any]]:
    """Write the page (default `.git/ava-safety/dashboard.html`: never a tracked file)."""
    data = snapshot(root, config, probe=probe)
    target = out if out is not None else _git.state_dir(root) / DEFAULT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(page.render(data), encoding="utf-8")
    tmp.replace(target)
    return target, data
