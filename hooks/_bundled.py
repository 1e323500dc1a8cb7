"""Where the bundled files live: the rule packs and the data tables under `rules/`.

In an installed wheel they are `hooks/rules` (pre-commit installs the hook repository with pip, and
hooks run inside the user's repository, so nothing is found relative to the current directory); in
a source checkout, `rules/` beside the package. Every module that reads a bundled file asks here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def bundled_root() -> Path:
    """The bundled packs: `hooks/rules` in an installed wheel, `rules/` in a source checkout."""
    here = Path(__file__).resolve().parent  # pip installs files, never a zip: no importlib.resources
    installed = here / "rules"  # (it would import tempfile, shutil, zipfile, lzma... on every hook start)
    if installed.is_dir():
        return installed
    return here.parent / "rules"


def data_table(name: str) -> dict[str, Any]:
    """A table under rules/data/: a mapping ({} when the file holds something else)."""
    import yaml

    path = bundled_root() / "data" / name
    with path.open(encoding="utf-8") as handle:
        doc = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return doc if isinstance(doc, dict) else {}
