"""`.ava-safety.yaml`: every problem at once, each with its line, and the hook's exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hooks._config import KEYS, Config, load_config
from hooks._errors import ConfigErrors

from ._support import HookRun, Repo


def problems(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / ".ava-safety.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ConfigErrors) as info:
        load_config(tmp_path)
    return [str(p) for p in info.value.problems]


def test_missing_config_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert (config.path, config.packs, config.rule_globs, config.min_score) == (None, ["generic"], [], 80.0)
    assert config.display == ".ava-safety.yaml"
    assert not config.exclude("app.py")


def test_empty_config_means_defaults(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text("# nothing yet\n", encoding="utf-8")
    config = load_config(tmp_path)
    assert config.packs == ["generic"]
    assert config.display == ".ava-safety.yaml"


def test_full_config_is_read(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(
        "packs: []\n"
        "rules: safety/*.yaml\n"
        "min_score: 70\n"
        "exclude: [vendor/, '*.min.js']\n"
        "python: '3.10'\n"
        "principles:\n"
        "  SECRETS: {min_score: 95}\n"
        "  POSTGRESQL ONLY: {allow: [redis]}\n"
        "disable: [CC004]\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.packs == []
    assert config.rule_globs == ["safety/*.yaml"]
    assert config.min_score == 70.0
    assert config.exclude("vendor/lib/a.py") and config.exclude("static/app.min.js")
    assert not config.exclude("app.py")
    assert config.python == "3.10"
    assert config.principles["SECRETS"].min_score == 95.0
    assert config.principles["POSTGRESQL ONLY"].allow == ("redis",)
    assert config.disable == frozenset({"CC004"})


def test_rule_files_are_found_by_glob(tmp_path: Path) -> None:
    for name in ("safety/a.yaml", "safety/b.yaml", "safety/sub/c.yaml", "other.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    config = Config(root=tmp_path, rule_globs=["safety/*.yaml", "safety/**/*.yaml"])
    assert [p.relative_to(tmp_path).as_posix() for p in config.rule_files()] == [
        "safety/a.yaml",
        "safety/b.yaml",
        "safety/sub/c.yaml",
    ]


def test_a_rule_file_glob_that_matches_nothing_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(
        "packs: []\nrules: [safety/*.yaml, own.yaml]\n", encoding="utf-8"
    )
    (tmp_path / "own.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config(tmp_path).rule_files()
    assert [str(p) for p in info.value.problems] == [
        ".ava-safety.yaml:2: 'rules': no file matches 'safety/*.yaml'"
    ]


@pytest.mark.parametrize(
    ("principle", "pack_default", "expected"),
    [
        pytest.param("SECRETS", 90.0, 95.0, id="config-override-wins"),
        pytest.param("DEBUG", 90.0, 90.0, id="pack-default-next"),
        pytest.param("DEBUG", None, 75.0, id="config-min-score-last"),
        pytest.param("ALLOW ONLY", 60.0, 60.0, id="allow-without-min-score"),
    ],
)
def test_min_score_for_principle(
    tmp_path: Path, principle: str, pack_default: float | None, expected: float
) -> None:
    (tmp_path / ".ava-safety.yaml").write_text(
        "min_score: 75\nprinciples:\n  SECRETS: {min_score: 95}\n  ALLOW ONLY: {allow: [x]}\n",
        encoding="utf-8",
    )
    assert load_config(tmp_path).min_score_for(principle, pack_default) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "packs: []\nmins_score: 80\n",
            [".ava-safety.yaml:2: unknown key 'mins_score' (did you mean 'min_score'?)"],
            id="unknown-key-with-suggestion",
        ),
        pytest.param(
            "zzz: 1\n",
            [".ava-safety.yaml:1: unknown key 'zzz' (known keys: " + ", ".join(sorted(KEYS)) + ")"],
            id="unknown-key-without-suggestion",
        ),
        pytest.param(
            "packs: 3\n", [".ava-safety.yaml:1: 'packs' must be a list of strings"], id="packs-type"
        ),
        pytest.param(
            "rules: [a, '']\n", [".ava-safety.yaml:1: 'rules' must be a list of strings"], id="empty-str"
        ),
        pytest.param(
            "min_score: 120\n",
            [".ava-safety.yaml:1: 'min_score' must be a number from 0 to 100, such as 80"],
            id="min-score-range",
        ),
        pytest.param(
            "min_score: true\n",
            [".ava-safety.yaml:1: 'min_score' must be a number from 0 to 100, such as 80"],
            id="min-score-bool",
        ),
        pytest.param(
            "exclude: ['a[b', ' x']\n",
            [
                ".ava-safety.yaml:1: 'exclude': empty glob or glob with surrounding spaces: ' x'",
                ".ava-safety.yaml:1: 'exclude': unclosed '[' in glob 'a[b'",
            ],
            id="bad-globs",
        ),
        pytest.param(
            "python: 3.10\n",
            [
                ".ava-safety.yaml:1: 'python' must be a version like \"3.11\" "
                "(quote it, or YAML reads 3.10 as 3.1)"
            ],
            id="unquoted-python-version",
        ),
        pytest.param(
            "python: '3'\n",
            [
                ".ava-safety.yaml:1: 'python' must be a version like \"3.11\" "
                "(quote it, or YAML reads 3.10 as 3.1)"
            ],
            id="python-without-minor",
        ),
        pytest.param(
            "principles: [a]\n",
            [".ava-safety.yaml:1: 'principles' must map a principle name to {min_score, allow}"],
            id="principles-type",
        ),
        pytest.param(
            "principles:\n  A: 3\n  B:\n    min_scor: 1\n    min_score: 101\n    allow: redis\n",
            [
                ".ava-safety.yaml:2: principle 'A' must be a mapping",
                ".ava-safety.yaml:4: principle 'B': unknown key 'min_scor' (did you mean 'min_score'?)",
                ".ava-safety.yaml:5: principle 'B': 'min_score' must be 0-100",
                ".ava-safety.yaml:6: principle 'B': 'allow' must be a list of names",
            ],
            id="principle-entries",
        ),
        pytest.param(
            "- packs\n", [".ava-safety.yaml:1: the config must be a mapping of keys"], id="not-mapping"
        ),
        pytest.param(
            "packs: []\nmin_score: 80\npacks: [generic]\n",
            [
                ".ava-safety.yaml:3: invalid YAML: duplicate key 'packs' (first at line 1); "
                "YAML would silently keep only the last one"
            ],
            id="duplicate-key",
        ),
        pytest.param(
            b"packs: []\n# caf\xe9\n",
            [".ava-safety.yaml:2: not UTF-8 text; save the file as UTF-8"],
            id="not-utf8",
        ),
        pytest.param(
            "env: [A]\n", [".ava-safety.yaml:1: 'env' must be a mapping: {provided: [...]}"], id="env-type"
        ),
        pytest.param(
            "env:\n  provide: [A]\n",
            [".ava-safety.yaml:2: env: unknown key 'provide' (did you mean 'provided'?)"],
            id="env-keys",
        ),
        pytest.param(
            "services: {api: 1}\n",
            [".ava-safety.yaml:1: each service must be a mapping"],
            id="services-type",
        ),
        pytest.param(
            "services:\n  - api\n  - name: ''\n    regoin: eu\n  - provider: ecs\n"
            "  - name: api\n    provider: lambda\n  - name: api\n",
            [
                ".ava-safety.yaml:2: each service must be a mapping",
                ".ava-safety.yaml:3: service: 'name' must be a non-empty string",
                ".ava-safety.yaml:4: service: unknown key 'regoin' (did you mean 'region'?)",
                ".ava-safety.yaml:5: service: 'name' is required",
                ".ava-safety.yaml:7: service 'api': 'provider' must be one of apprunner, ecs, command",
                ".ava-safety.yaml:8: service 'api' is declared twice",
            ],
            id="service-entries",
        ),
    ],
)
def test_config_errors(tmp_path: Path, text: str | bytes, expected: list[str]) -> None:
    assert problems(tmp_path, text) == expected


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        pytest.param("packs: [generic\n", ".ava-safety.yaml:2: invalid YAML: ", id="invalid-yaml"),
        pytest.param(
            "exclude: ['[z-a]']\n", ".ava-safety.yaml:1: 'exclude': bad glob '[z-a]': ", id="bad-range"
        ),
    ],
)
def test_config_errors_worded_by_a_library(tmp_path: Path, text: str, prefix: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith(prefix), found


def test_every_config_error_is_reported_at_once(tmp_path: Path) -> None:
    text = "pack: [generic]\nmin_score: high\npython: 3.11\nexclude: 'a[b'\ndisable: 1\n"
    assert problems(tmp_path, text) == [
        ".ava-safety.yaml:1: unknown key 'pack' (did you mean 'packs'?)",
        ".ava-safety.yaml:2: 'min_score' must be a number from 0 to 100, such as 80",
        ".ava-safety.yaml:3: 'python' must be a version like \"3.11\" (quote it, or YAML reads 3.10 as 3.1)",
        ".ava-safety.yaml:4: 'exclude': unclosed '[' in glob 'a[b'",
        ".ava-safety.yaml:5: 'disable' must be a list of strings",
    ]


def test_explicit_config_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as info:
        load_config(tmp_path, tmp_path / "ci" / "strict.yaml")
    assert [str(p) for p in info.value.problems] == [
        "ci/strict.yaml:1: cannot read: No such file or directory"
    ]


def test_explicit_config_outside_the_root_is_shown_as_given(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("zzz: 1\n", encoding="utf-8")
    (tmp_path / "root").mkdir()
    with pytest.raises(ConfigErrors) as info:
        load_config(tmp_path / "root", outside)
    assert str(info.value.problems[0]).startswith(f"{outside}:1: unknown key 'zzz'")


def test_hook_exits_2_with_config_errors_on_stderr(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.write({".ava-safety.yaml": "packs: []\nmin_scor: 80\npython: 3.10\n", "a.py": "x = 1\n"})
    repo.add()
    result = run_hook()
    assert result.code == 2
    assert result.out == []
    assert result.err == [
        ".ava-safety.yaml:2: unknown key 'min_scor' (did you mean 'min_score'?)",
        ".ava-safety.yaml:3: 'python' must be a version like \"3.11\" (quote it, or YAML reads 3.10 as 3.1)",
        "constitutional-compliance: fix the configuration above (exit 2)",
    ]


def test_hook_reads_an_explicit_config(repo: Repo, run_hook: Callable[..., HookRun]) -> None:
    repo.write({"ci/strict.yaml": "packs: []\nbogus: 1\n", "a.py": "x = 1\n"})
    repo.add()
    result = run_hook("--config", "ci/strict.yaml")
    assert result.code == 2
    assert result.err[0] == (
        "ci/strict.yaml:2: unknown key 'bogus' (known keys: " + ", ".join(sorted(KEYS)) + ")"
    )


def test_hook_names_the_config_line_of_an_unknown_pack(
    repo: Repo, run_hook: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundled = tmp_path / "bundled"
    (bundled / "base").mkdir(parents=True)
    monkeypatch.setattr("hooks._rules.bundled_root", lambda: bundled)
    repo.write({".ava-safety.yaml": "min_score: 80\npacks: [base, nosuch]\n", "a.py": "x = 1\n"})
    repo.add()
    result = run_hook()
    assert result.code == 2
    assert result.err == [
        ".ava-safety.yaml:2: unknown pack 'nosuch' (bundled packs: base)",
        "constitutional-compliance: fix the configuration above (exit 2)",
    ]


def test_a_bad_image_registry_glob_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".ava-safety.yaml").write_text('image_registries: ["[x"]\n', encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config(tmp_path)
    assert [str(p) for p in info.value.problems][0].startswith(".ava-safety.yaml:1: 'image_registries': ")
