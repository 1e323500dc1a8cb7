"""Module names from paths and back: the path arithmetic of the one resolver (hooks._python.modules).

Pure functions with no reads, so the deployment world (which module a `python -m` or an app
`module:attr` names) uses the same arithmetic as the import resolver without depending on it.
"""

from __future__ import annotations


def module_name(path: str) -> str:
    """`app/config.py` -> `app.config`; `src/app/__init__.py` -> `app` (a src layout looked through)."""
    stem = path.removesuffix(".pyi") if path.endswith(".pyi") else path.removesuffix(".py")
    parts = stem.split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def module_paths(module: str) -> list[str]:
    """The files a dotted module may be, relative to where it is imported from: `a/b.py`, then the
    package `a/b/__init__.py` (module_name's inverse)."""
    rel = module.replace(".", "/")
    return [f"{rel}.py", f"{rel}/__init__.py"]


def is_package(path: str) -> bool:
    """Whether the file is a package's `__init__` (its relative imports start at itself)."""
    return path.rsplit("/", 1)[-1] in ("__init__.py", "__init__.pyi")


def resolve_relative(importer: str, package: bool, level: int, module: str | None) -> str:
    """`from ..x import y` in module `importer`: the absolute module it names (`a.x` in `a.b.c`)."""
    base = importer.split(".") if importer else []
    if not package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
    if module:
        base = base + module.split(".")
    return ".".join(base)
