"""What the deploy, rollback, history and pre-deploy-check mains share: the repo, the config, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .. import _git
from .._config import Config, load_config
from .._errors import ConfigErrors

EXIT_ERROR = 2


def echo(line: str) -> None:
    print(line, flush=True)


def progress() -> Callable[[str], None] | None:
    """Per-phase lines as they end, on a terminal only (pre-commit shows output when the hook ends,
    where the closing summary says the same)."""
    return echo if sys.stdout.isatty() else None


def act(name: str, config_path: Path | None, action: Callable[[Path, Config], int]) -> int:
    """Run `action(root, config)`; every expected failure becomes a message and exit 2."""
    from .history import HistoryError
    from .protocol import DeployError, ProviderError

    try:
        root = _git.repo_root(Path.cwd())
        config = load_config(root, config_path)
        return action(root, config)
    except ConfigErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{name}: fix the configuration above (exit 2)", file=sys.stderr)
    except (DeployError, ProviderError, HistoryError, _git.GitError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        from .._errors import stdout_closed

        return stdout_closed()
    except Exception:  # noqa: BLE001 - a crash is exit 2 (never 1, "blocked"), with its traceback
        import traceback

        traceback.print_exc()
        print(f"{name}: internal error (exit 2); the traceback above says where", file=sys.stderr)
    return EXIT_ERROR
