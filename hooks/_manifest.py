"""Which files each file-level hook's `.pre-commit-hooks.yaml` entry gives it: the one table.

pre-commit hands a hook only the files its `files`/`exclude` regexes (searched in the path) and its
`types_or` tags admit. Run directly (`deploy-config --all-files`, pre-deploy-check's gates), a hook
considers exactly those files too, through `admits(hook)`, so the two runs agree and no hook reads
a tree of vendored JSON that pre-commit would never pass it. tests/manifest_test.py checks that the
manifest says what this table says. Hooks that compute their own file set (`pass_filenames: false`)
have no entry: they are given every file.

Tags are identify's, for the extensions and names the table uses (the shebang of an executable
file without an extension is not read: every rule of those hooks is for `*.py` files anyway).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# identify's tags for the types this table names: extension (or whole name) -> type
TYPE_EXTENSIONS: dict[str, frozenset[str]] = {
    "python": frozenset({"py", "pyw", "pyt", "gyp", "gypi", "tac", "wsgi"}),
    "pyi": frozenset({"pyi"}),
}
TYPE_NAMES: dict[str, frozenset[str]] = {"python": frozenset({".pdbrc", "wscript"}), "pyi": frozenset()}


@dataclass(frozen=True)
class FileFilter:
    """One manifest entry's file selection: `files` and `exclude` regexes, `types_or` tags."""

    files: str = ""
    exclude: str = "^$"
    types_or: tuple[str, ...] = ()

    def admits(self, path: str) -> bool:
        if self.files and not _rx(self.files).search(path):
            return False
        if _rx(self.exclude).search(path):
            return False
        return not self.types_or or any(has_type(path, t) for t in self.types_or)


HOOK_FILES: dict[str, FileFilter] = {
    "syntax-imports": FileFilter(types_or=("python", "pyi")),
    # deployment files by name, any YAML (the repo's own rule files live where .ava-safety.yaml says),
    # task-definition JSON, and Python (uvicorn.run ports of the module the deployment runs)
    "deploy-config": FileFilter(
        files=r"""(?x)(
  (^|/)(Dockerfile(\.[^/]+)?|[^/]+\.[Dd]ockerfile|Procfile)$
  | \.ya?ml$
  | (^|/)[^/]*(task[-_]?def|task[-_]definition)[^/]*\.json$
  | ^\.aws/[^/]+\.json$
  | ^ecs/.+\.json$
  | (^|/)task-definitions/[^/]+\.json$
  | \.py$
)
"""
    ),
    # Python, and the files that set variables for the service: apprunner.yaml, task definitions (JSON),
    # compose files and .ava-safety.yaml (YAML), Dockerfiles, .env files
    "env-vars": FileFilter(
        files=r"""(?x)(
  \.py$
  | (^|/)(Dockerfile(\.[^/]+)?|[^/]+\.[Dd]ockerfile)$
  | \.(ya?ml|json)$
  | (^|/)\.env(\.[^/]+)?$
  | \.env$
)
"""
    ),
    "design-rules": FileFilter(files=r"\.(html?|jinja2?|j2|css|py)$"),
    "version-consistency": FileFilter(
        files=r"(^|/)(pyproject\.toml|setup\.cfg|CHANGELOG(\.md|\.rst|\.txt)?|HISTORY\.md|Dockerfile(\.[^/]+)?"
        r"|[^/]*settings[^/]*\.py|__init__\.py|_?version\.py|\.ava-safety\.yaml)$"
    ),
}


@lru_cache(maxsize=32)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def has_type(path: str, tag: str) -> bool:
    name = path.rpartition("/")[2]
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    return ext in TYPE_EXTENSIONS.get(tag, ()) or name in TYPE_NAMES.get(tag, ())


def admits(hook: str) -> Callable[[str], bool] | None:
    """The predicate for the files `hook`'s manifest entry gives it; None: every file."""
    found = HOOK_FILES.get(hook)
    return None if found is None else found.admits
