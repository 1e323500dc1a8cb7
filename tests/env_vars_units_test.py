"""env-vars plugin functions on their own: URL building shapes, odd deployment files, odd input."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from hooks._cache import JsonCache
from hooks._config import Config
from hooks._plugins import env_vars as ev
from hooks._source import RunContext, SourceFile


def source(
    tmp_path: Path, path: str, text: str, files: Mapping[str, str | bytes] = (), **config: Any
) -> SourceFile:  # type: ignore[assignment]
    """`path` with `text`, in a repo of `files` under tmp_path, with a config of these attributes."""
    everything: dict[str, str | bytes] = {path: text, **dict(files)}
    for name, content in everything.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    cfg = Config(tmp_path, **config) if config else None
    context = RunContext(tmp_path, frozenset(everything), cfg)
    return SourceFile(path, text, context=context)


def matches(found: Any) -> list[tuple[int, int, dict[str, str]]]:
    return [(m.line, m.col, m.values) for m in found]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param('u = "postgresql://u:" + f"{pw}@" + host\n', [(1, 28)], id="plus-with-fstring"),
        pytest.param('u = "postgresql://%s:%s@%s/%%d" % (user, pw, host)\n', [(1, 42)], id="percent-escape"),
        pytest.param(
            'u = "postgresql://%(u)s:%(p)s@h" % {"u": user, "p": pw}\n', [(1, 53)], id="percent-keys"
        ),
        pytest.param('u = "postgresql://%s:%s@%s" % (user, pw)\n', [], id="percent-too-few"),
        pytest.param("u = fmt % (user, pw)\n", [], id="percent-not-a-literal"),
        pytest.param('u = "postgresql://{0}:{1}@{2}".format(user, pw, host)\n', [(1, 45)], id="format-index"),
        pytest.param('u = "postgresql://{u}:{p}@h".format(u=user, p=pw)\n', [(1, 47)], id="format-keyword"),
        pytest.param('u = "postgresql://{u:{w}}:{p}@h}".format(u=user, p=pw)\n', [], id="format-broken"),
        pytest.param('u = f"postgresql://{user}:{"secret"}@h"\n', [], id="a-literal-is-not-a-variable"),
        pytest.param('u = f"postgresql://{user}:{pw}"\n', [], id="no-at-sign"),
        pytest.param('u = f"https://example.com/{path}"\n', [], id="no-userinfo"),
    ],
)
def test_password_slots_in_built_urls(tmp_path: Path, code: str, expected: list[tuple[int, int]]) -> None:
    found = ev.check_unquoted_url_password(source(tmp_path, "app/db.py", code), {})
    assert [(line, col) for line, col, _ in matches(found)] == expected


def test_searched_lists_files_and_env_provided(tmp_path: Path) -> None:
    files = {n: "A=\n" for n in ("a/.env.example", "b/.env.example", "c/.env.example", "d/.env.example")}
    src = source(
        tmp_path, "app/x.py", 'import os\nX = os.environ["X"]\n', files, env_provided=frozenset({"Y"})
    )
    (match,) = ev.check_required_provided(src, {})
    assert match.values["sources"] == "a/.env.example, b/.env.example, c/.env.example (+2 more)"


def test_sources_that_cannot_be_read_or_parsed_provide_nothing(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "apprunner.yaml": "run: [unclosed\n",
        "Dockerfile": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff",  # binary: no reader reads it
        "deploy/notes.txt": "nothing to see\n",
    }
    src = source(tmp_path, "app/x.py", 'import os\nX = os.environ["X"]\n', files, env_sources=("deploy/*",))
    deploy = ev.deployment(src.context)
    assert [(s.path, s.kind, s.error) for s in deploy.sources] == [
        (
            "apprunner.yaml",
            "apprunner",
            "invalid YAML: while parsing a flow sequence: did not find expected ',' or ']'",
        ),
        ("deploy/notes.txt", "unknown", None),
    ]
    # what the unreadable apprunner.yaml sets is unknown: EV009 says so on it, no read is "missing"
    assert matches(ev.check_required_provided(src, {})) == []
    broken = src.context.file("apprunner.yaml")
    assert broken is not None
    assert len(matches(ev.check_source_unreadable(broken, {}))) == 1


def test_compose_without_services_mapping_sets_nothing() -> None:
    assert ev.parse_source("docker-compose.yml", "services: [web]\n", "compose").provides == []


def test_a_config_file_that_does_not_parse_declares_nothing(tmp_path: Path) -> None:
    src = source(tmp_path, ".ava-safety.yaml", "env: {provided: [A\n")
    assert list(ev.check_never_read(src.context, [".ava-safety.yaml"], {})) == []
    src = source(tmp_path / "b", ".ava-safety.yaml", "env: {provided: A}\n")
    assert list(ev.check_never_read(src.context, [".ava-safety.yaml"], {})) == []


def test_an_unwritable_cache_costs_time_not_results(tmp_path: Path) -> None:
    cache = ev._ReadsCache(JsonCache(tmp_path / "file" / "cache.json", "v", {}))
    (tmp_path / "file").write_text("a file where the cache directory should be", encoding="utf-8")
    cache.put("a.py", "x", "", ([], {}))
    cache.save()  # no exception
    assert (tmp_path / "file").is_file()


def test_reads_of_an_unparsable_file_are_none(tmp_path: Path) -> None:
    broken = source(tmp_path, "a.py", "def (:\n")
    assert ev._analyse(broken, {}) == ([], {})
    assert ev.file_env(broken) is None


def test_alternative_names_are_reads_too(tmp_path: Path) -> None:
    code = (
        "from pydantic import AliasChoices, Field\nfrom pydantic_settings import BaseSettings\n\n"
        "class S(BaseSettings):\n    region: str = Field(validation_alias=AliasChoices('R1', 'R2'))\n"
    )
    src = source(tmp_path, "app/s.py", code)
    reads = ev.repo_reads(src.context)
    assert reads.is_read("R1") and reads.is_read("R2") and reads.is_read("r2")
    assert not reads.is_read("R3")


def test_name_matcher() -> None:
    assert not ev.name_matcher([])("ANY")
    match = ev.name_matcher(["AWS_*", "PORT"])
    assert match("AWS_REGION") and match("PORT") and not match("PORTAL")
