"""Protected elements of a working system in a change: CSS classes, colours, template ids, tables.

For each changed file, before against after:
- a class: its uses (`class="... version-badge"`, `.version-badge` in a selector, a string in code)
  fewer than before is a removal; a stylesheet block whose selector names it with declarations that
  differ (read by hooks._web.stylesheet) is an alteration;
- a colour (`#8B4513`, `#8b4513`, short `#abc` forms alike): fewer uses than before;
- a template id (`id="farmer-count"`): fewer than before;
- a table: DDL the change adds that alters, renames, drops or empties it (hooks._guards.ddl).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .._config import ElementsConfig
from .change import Change, Changed
from .ddl import statements

TEXT_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".css", ".scss", ".sass", ".less", ".js",
                 ".jsx", ".ts", ".tsx", ".vue", ".svelte", ".py", ".sql", ".svg", ".txt", ".xml")  # fmt: skip
TABLE_KINDS = frozenset({"drop-table", "drop-column", "rename-table", "rename-column", "alter-type",
                         "truncate", "delete-all", "alter-table", "alter-column", "add-column",
                         "drop-constraint"})  # fmt: skip


@dataclass(frozen=True)
class ElementChange:
    kind: str  # class | color | id | table
    name: str
    path: str
    line: int  # in the file after the change (1 when it is gone)
    what: str  # what happened, for the message


def changed_lines(old: str | None, new: str | None) -> set[int]:
    """Line numbers of `new` that the change added or rewrote."""
    if new is None:
        return set()
    new_lines = new.splitlines()
    if old is None:
        return set(range(1, len(new_lines) + 1))
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new_lines, autojunk=False)
    out: set[int] = set()
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1 + 1, j2 + 1))
    return out


def _first_changed_line(old: str | None, new: str | None) -> int:
    if new is None or old is None:
        return 1
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, _i1, _i2, j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            return min(j1 + 1, max(1, len(new.splitlines())))
    return 1


def _token_rx(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])")


def _line_of(text: str, rx: re.Pattern[str]) -> int:
    m = rx.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _colour_forms(colour: str) -> re.Pattern[str]:
    digits = colour.lstrip("#").lower()
    forms = {digits}
    if len(digits) == 3:
        forms.add("".join(c * 2 for c in digits))
    elif len(digits) == 6 and all(digits[i] == digits[i + 1] for i in (0, 2, 4)):
        forms.add(digits[0] + digits[2] + digits[4])
    alternatives = "|".join(sorted(forms, key=len, reverse=True))
    return re.compile(r"#(?:" + alternatives + r")(?![0-9a-fA-F])", re.I)


def _css_blocks(text: str, name: str) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """(selector, declarations) of every block whose selector names `.name`."""
    from .._web import stylesheet

    sheet = stylesheet.parse_chunks([stylesheet.Chunk(text, lambda offset: offset)])
    rx = re.compile(r"\." + re.escape(name) + r"(?![\w-])")
    out = set()
    for block in sheet.blocks:
        label = block.label
        if rx.search(label):
            out.add((label, tuple((d.name, d.text) for d in block.decls)))
    return out


def element_changes(change: Change, elements: ElementsConfig) -> list[ElementChange]:
    if not elements:
        return []
    found: list[ElementChange] = []
    texts = [f for f in change.files if f.path.lower().endswith(TEXT_SUFFIXES)]
    change.prefetch([f.before for f in texts if f.before], before=True)
    change.prefetch([f.after for f in texts if f.after], before=False)
    for item in texts:
        old = change.text(item.before, before=True)
        new = change.text(item.after, before=False)
        if old is None and new is None:
            continue
        found.extend(_file_changes(item, old, new, elements))
    return found


def _file_changes(
    item: Changed, old: str | None, new: str | None, elements: ElementsConfig
) -> Iterator[ElementChange]:
    path = item.after or item.path
    at = _first_changed_line(old, new)
    gone = "deleted" if new is None else ""

    def fewer(rx: re.Pattern[str]) -> tuple[int, int] | None:
        before = len(rx.findall(old or ""))
        after = len(rx.findall(new or ""))
        return (before, after) if after < before else None

    def counted(kind: str, name: str, rx: re.Pattern[str], shown: str) -> Iterator[ElementChange]:
        drop = fewer(rx)
        if drop is not None:
            before, after = drop
            line = 1 if new is None else _line_of(new, rx) if after else at
            if gone:
                what = f"{shown} was used {before} time(s) in {item.before}; the change deletes the file"
            else:
                what = f"{shown} is used {after} time(s) here, {before} before: removed or altered"
            yield ElementChange(kind, name, path, line, what)

    for name in elements.classes:
        rx = _token_rx(name)
        reported = False
        for hit in counted("class", name, rx, f"class {name}"):
            reported = True
            yield hit
        if not reported and old is not None and new is not None and path.lower().endswith(".css"):
            before, after = _css_blocks(old, name), _css_blocks(new, name)
            if before != after and before:
                changed = sorted({label for label, _ in before ^ after})
                line = _line_of(new, re.compile(r"\." + re.escape(name) + r"(?![\w-])"))
                yield ElementChange("class", name, path, line,
                                    f"the style of .{name} changed ({', '.join(changed)[:80]})")  # fmt: skip
    for colour in elements.colors:
        yield from counted("color", colour, _colour_forms(colour), f"colour {colour}")
    for ident in elements.ids:
        rx = re.compile(r"""\bid\s*=\s*["']""" + re.escape(ident) + r"""["']""")
        yield from counted("id", ident, rx, f'id="{ident}"')
    if elements.tables and new is not None and path.lower().endswith((".sql", ".py")):
        wanted = {t.lower().split(".")[-1] for t in elements.tables}
        for ddl in statements(path, new, changed_lines(old, new)):
            if ddl.table in wanted and ddl.kind in TABLE_KINDS:
                yield ElementChange("table", ddl.table, path, ddl.line, f"{ddl.kind}: {ddl.text}")
