"""hooks._cache: the one mechanism of the content-keyed caches under .git/ava-safety/cache."""

from __future__ import annotations

import json
from pathlib import Path

from hooks import _cache
from hooks._cache import JsonCache, code_version

from .conftest import make_repo


def _file(root: Path, name: str) -> Path:
    return root / ".git" / "ava-safety" / "cache" / name


def test_what_a_run_put_is_there_the_next_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})
    first = JsonCache.load(repo, "t.json", "v1")
    assert first.get("a") is None
    first.put("a", {"x": 1})
    first.save()
    second = JsonCache.load(repo, "t.json", "v1")
    assert second.get("a") == {"x": 1}
    assert JsonCache.load(repo, "t.json", "v2").get("a") is None  # other code: other answers


def test_only_used_entries_are_kept_unless_asked_to_keep_more(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})
    cache = JsonCache.load(repo, "t.json", "v")
    for key in "abc":
        cache.put(key, key)
    cache.save()
    exact = JsonCache.load(repo, "t.json", "v")
    exact.get("a")
    exact.save()  # the file follows the repository: b and c were not used
    assert json.loads(_file(repo, "t.json").read_text())["entries"] == {"a": "a"}
    kept = JsonCache.load(repo, "t.json", "v", keep=5)
    kept.put("d", "d")
    kept.save()
    assert set(json.loads(_file(repo, "t.json").read_text())["entries"]) == {"a", "d"}


def test_a_corrupt_or_foreign_file_is_an_empty_cache(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})
    path = _file(repo, "t.json")
    path.parent.mkdir(parents=True)
    for text in ("{not json", "[]", '{"version": "v", "entries": []}', '{"entries": {"a": 1}}'):
        path.write_text(text)
        assert JsonCache.load(repo, "t.json", "v").get("a") is None


def test_outside_git_or_unwritable_there_is_no_cache_and_no_error(tmp_path: Path) -> None:
    outside = JsonCache.load(tmp_path, "t.json", "v")
    outside.put("a", 1)
    outside.save()
    assert outside.path is None and not any(tmp_path.iterdir())
    blocked = JsonCache(tmp_path / "file" / "t.json", "v", {})
    (tmp_path / "file").write_text("a file where the directory should be")
    blocked.put("a", 1)
    blocked.save()  # no exception


def test_the_version_follows_the_code() -> None:
    assert code_version([_cache], 1) != code_version([_cache], 2)
    assert code_version([_cache], 1) == code_version([_cache], 1)
