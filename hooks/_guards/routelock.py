"""The routes lock: the URLs the working systems with `routes: true` serve, committed by the team.

`ava-safety routes --update` writes it (a hook never writes a tracked file); working-systems reads it
at the base and the head of a change. One route per line, tab-separated, sorted, so a review shows a
URL change as one line:

    # system<TAB>method<TAB>path<TAB>file<TAB>function
    registration	POST	/api/v1/register	modules/api/registration_routes.py	register
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .._python.routes import Route, normalise

LOCK_FILE = ".ava-safety.routes.lock"
HEADER = (
    "# ava-safety routes lock: the URLs these working systems serve (`routes: true` in .ava-safety.yaml).\n"
    "# Written by `ava-safety routes --update`; commit it. working-systems blocks a push that removes\n"
    "# or renames one of these URLs without a Working-System-Ack trailer.\n"
    "# system\tmethod\tpath\tfile\tfunction\n"
)


@dataclass(frozen=True)
class LockedRoute:
    systems: tuple[str, ...]
    method: str
    path: str
    file: str
    function: str
    line: int

    @property
    def key(self) -> tuple[str, str]:
        return self.method, normalise(self.path)

    @property
    def shown(self) -> str:
        return f"{self.method} {self.path}"


def parse(text: str | None) -> list[LockedRoute]:
    """The lock's routes (lines that are not five tab-separated fields are skipped)."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            continue
        systems, method, path, file, function = (f.strip() for f in fields)
        out.append(
            LockedRoute(tuple(s for s in systems.split(",") if s), method, path, file, function, number)
        )
    return out


def render(owned: Iterable[tuple[Route, tuple[str, ...]]]) -> str:
    """The lock text for these routes and the systems that own each."""
    rows = sorted(
        {(",".join(systems), r.method, r.path, r.file, r.function) for r, systems in owned},
        key=lambda row: (row[2], row[1], row[0], row[3]),
    )
    return HEADER + "".join("\t".join(row) + "\n" for row in rows)
