"""Database migrations and the DDL a change adds: raw SQL (`.sql` files and SQL strings in Python),
alembic operations (`op.drop_column(...)`) and Django migration operations (`RemoveField(...)`).

`statements(path, text, lines)` lists the DDL of a file, only on `lines` (the lines a change added)
when given. Each statement says what it does to which table, and whether it destroys something a
rollback of the code cannot bring back (`DROP`, `ALTER ... DROP COLUMN`, `RENAME`, a type change,
`TRUNCATE`, `DELETE` without `WHERE`) or only adds (`CREATE`, `ADD COLUMN`, an index).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

# what a statement does; the first group destroys or rewrites data a code rollback cannot restore
DESTRUCTIVE = frozenset({"drop-table", "drop-column", "rename-table", "rename-column", "alter-type",
                         "truncate", "delete-all", "drop-schema"})  # fmt: skip
KINDS = DESTRUCTIVE | {"create-table", "add-column", "create-index", "drop-index", "alter-table",
                       "alter-column", "drop-constraint"}  # fmt: skip
MIGRATION_DIRS = frozenset({"migrations", "migration", "alembic", "db_migrations", "schema_migrations"})
SQL_START_RX = re.compile(r"^\s*(?:CREATE|ALTER|DROP|TRUNCATE|DELETE|RENAME)\b", re.I)

_ID = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
_QUAL = rf"{_ID}(?:\s*\.\s*{_ID})?"
_T = rf"(?P<table>{_QUAL})"
_RXS: list[tuple[str, re.Pattern[str]]] = [
    ("drop-table", re.compile(rf"^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_T}", re.I | re.S)),
    ("drop-schema", re.compile(rf"^DROP\s+(?:SCHEMA|DATABASE)\s+(?:IF\s+EXISTS\s+)?{_T}", re.I | re.S)),
    ("truncate", re.compile(rf"^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?{_T}", re.I | re.S)),
    ("delete-all", re.compile(rf"^DELETE\s+FROM\s+(?:ONLY\s+)?{_T}\s*(?:;|$)", re.I | re.S)),
    (
        "create-table",
        re.compile(
            rf"^CREATE\s+(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_T}", re.I | re.S
        ),
    ),  # fmt: skip
    ("create-index", re.compile(rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\b.*?\bON\s+(?:ONLY\s+)?{_T}", re.I | re.S)),
    ("drop-index", re.compile(rf"^DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?{_T}", re.I | re.S)),
]
_ALTER_RX = re.compile(rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_T}\s*(?P<rest>.*)$", re.I | re.S)
_ACTIONS: list[tuple[str, re.Pattern[str]]] = [
    ("rename-table", re.compile(r"^RENAME\s+TO\s+(?P<column>\S+)", re.I)),
    ("rename-column", re.compile(rf"^RENAME\s+(?:COLUMN\s+)?(?P<column>{_ID})\s+TO\b", re.I)),
    ("drop-constraint", re.compile(r"^DROP\s+CONSTRAINT\b", re.I)),
    ("drop-column", re.compile(rf"^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?P<column>{_ID})", re.I)),
    ("alter-type", re.compile(rf"^ALTER\s+(?:COLUMN\s+)?(?P<column>{_ID})\s+(?:SET\s+DATA\s+)?TYPE\b", re.I)),
    ("add-column", re.compile(rf"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<column>{_ID})", re.I)),
    ("alter-column", re.compile(rf"^ALTER\s+(?:COLUMN\s+)?(?P<column>{_ID})", re.I)),
]
ALEMBIC = {
    "drop_table": ("drop-table", 0, None), "drop_column": ("drop-column", 0, 1),
    "rename_table": ("rename-table", 0, None), "alter_column": ("alter-column", 0, 1),
    "create_table": ("create-table", 0, None), "add_column": ("add-column", 0, None),
    "create_index": ("create-index", 1, None), "drop_index": ("drop-index", 1, None),
    "drop_constraint": ("drop-constraint", 1, None),
}  # fmt: skip
DJANGO = {
    "DeleteModel": ("drop-table", "name", None), "RemoveField": ("drop-column", "model_name", "name"),
    "RenameModel": ("rename-table", "old_name", None),
    "RenameField": ("rename-column", "model_name", "old_name"),
    "AlterField": ("alter-column", "model_name", "name"), "CreateModel": ("create-table", "name", None),
    "AddField": ("add-column", "model_name", "name"), "AlterModelTable": ("rename-table", "name", None),
}  # fmt: skip


@dataclass(frozen=True)
class Ddl:
    kind: str  # one of KINDS
    table: str  # lower case, without schema or quotes
    column: str
    line: int
    text: str  # the statement, on one line, shortened

    @property
    def destructive(self) -> bool:
        return self.kind in DESTRUCTIVE


def is_migration(path: str) -> bool:
    """A migration file: `.sql`, a file under a migrations/alembic directory (not alembic's env.py),
    or a Python script named for migrating (`run_migration.py`, `migrate_db.py`)."""
    parts = path.lower().split("/")
    name = parts[-1]
    if name.endswith(".sql"):
        return True
    if not name.endswith(".py") or name == "__init__.py":
        return False
    if name == "env.py" and "alembic" in parts:  # alembic's runner, not a migration
        return False
    return bool(MIGRATION_DIRS & set(parts[:-1])) or "migrat" in name


def _bare(name: str) -> str:
    last = name.strip().split(".")[-1].strip()
    return last.strip('"`[]').lower()


def _one_line(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _strip_sql_comments(text: str) -> str:
    """Comments blanked (newlines kept, so line numbers hold)."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"--[^\n]*", lambda m: " " * len(m.group(0)), text)


def sql_statements(text: str, first_line: int = 1) -> list[tuple[int, int, str]]:
    """(first line, last line, statement) of SQL text split at `;` (comments dropped)."""
    clean = _strip_sql_comments(text)
    out = []
    pos = 0
    for piece in clean.split(";"):
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            start = first_line + clean.count("\n", 0, pos + lead)
            end = start + stripped.count("\n")
            out.append((start, end, stripped))
        pos += len(piece) + 1
    return out


def classify(statement: str) -> list[tuple[str, str, str]]:
    """(kind, table, column) of one SQL statement; [] when it is no DDL this module knows."""
    for kind, rx in _RXS:
        m = rx.match(statement)
        if m:
            return [(kind, _bare(m.group("table")), "")]
    m = _ALTER_RX.match(statement)
    if m is None:
        return []
    table = _bare(m.group("table"))
    found = []
    for action in _split_actions(m.group("rest")):
        for kind, rx in _ACTIONS:
            a = rx.match(action)
            if a:
                column = a.groupdict().get("column") or ""
                found.append((kind, table, _bare(column) if column else ""))
                break
        else:
            found.append(("alter-table", table, ""))
    return found or [("alter-table", table, "")]


def _split_actions(rest: str) -> list[str]:
    """`ADD COLUMN a int, DROP COLUMN b` -> its actions (commas inside parentheses kept)."""
    out: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in rest:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    out.append("".join(current).strip())
    return [a for a in out if a]


def statements(path: str, text: str, lines: set[int] | None = None) -> list[Ddl]:
    """The DDL of a file (only what stands on `lines`, when given)."""

    def wanted(start: int, end: int) -> bool:
        return lines is None or any(n in lines for n in range(start, end + 1))

    found: list[Ddl] = []
    if path.lower().endswith(".sql"):
        for start, end, stmt in sql_statements(text):
            if wanted(start, end):
                found += [Ddl(k, t, c, start, _one_line(stmt)) for k, t, c in classify(stmt)]
        return found
    if not path.endswith(".py") or not _might_hold_ddl(text):
        return found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return found
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if SQL_START_RX.match(node.value) and wanted(node.lineno, node.end_lineno or node.lineno):
                for start, end, stmt in sql_statements(node.value, node.lineno):
                    if wanted(start, end):
                        found += [Ddl(k, t, c, start, _one_line(stmt)) for k, t, c in classify(stmt)]
        elif isinstance(node, ast.Call) and wanted(node.lineno, node.end_lineno or node.lineno):
            found += _operation(node)
    return sorted(set(found), key=lambda d: (d.line, d.kind, d.table))


def _might_hold_ddl(text: str) -> bool:
    return (
        re.search(r"(?i)\b(create|alter|drop|truncate|delete|rename)\b|op\.|migrations\.", text) is not None
    )


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _string(node: ast.expr | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _operation(call: ast.Call) -> list[Ddl]:
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return []
    text = _one_line(ast.unparse(call))
    if func.value.id == "op" and func.attr in ALEMBIC:
        kind, table_at, column_at = ALEMBIC[func.attr]
        args = call.args
        table = _string(args[table_at]) if len(args) > table_at else ""
        table = table or _string(next((k.value for k in call.keywords if k.arg == "table_name"), None))
        column = _string(args[column_at]) if column_at is not None and len(args) > column_at else ""
        if func.attr == "alter_column":
            given = {k.arg for k in call.keywords}
            if "type_" in given:
                kind = "alter-type"
            elif "new_column_name" in given:
                kind = "rename-column"
        return [Ddl(kind, table.lower(), column.lower(), call.lineno, text)] if table else []
    if func.value.id == "migrations" and func.attr in DJANGO:
        kind, table_key, column_key = DJANGO[func.attr]
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        table = _string(keywords.get(table_key)) or (_string(call.args[0]) if call.args else "")
        column = _string(keywords.get(column_key)) if column_key else ""
        return [Ddl(kind, table.lower(), column.lower(), call.lineno, text)] if table else []
    return []
