"""Vendored and generated files are skipped: .gitattributes, conventional trees, bundled distributions."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from hooks import _vendored

from ._support import HookRun, Repo

Run = Callable[..., HookRun]
SECRET = {"id": "TS001", "check": "regex", "pattern": "LEAKED", "message": "leaked"}


@pytest.mark.parametrize(
    ("path", "vendored"),
    [
        pytest.param("node_modules/react/index.js", True, id="node_modules"),
        pytest.param("web/node_modules/x/y.css", True, id="nested-node_modules"),
        pytest.param("vendor/lib.py", True, id="vendor"),
        pytest.param("src/third_party/zlib/z.py", True, id="third_party"),
        pytest.param("lib/python3.11/site-packages/requests/api.py", True, id="site-packages"),
        pytest.param(".venv/bin/activate", True, id="venv"),
        pytest.param("static/js/app.min.js", True, id="minified-js"),
        pytest.param("static/css/site.min.css", True, id="minified-css"),
        pytest.param("proto/api_pb2.py", True, id="protobuf"),
        pytest.param(".ava-safety-baseline.json", True, id="baseline"),
        pytest.param("app/vendors.py", False, id="a-module-named-vendors"),
        pytest.param("static/js/admin.js", False, id="plain-js"),
        pytest.param("vendor", False, id="a-file-named-vendor"),
        pytest.param("docs/minimal.css", False, id="min-in-a-word"),
    ],
)
def test_conventional_paths(path: str, vendored: bool) -> None:
    assert _vendored.is_conventional(path) is vendored


def test_bundled_distributions_are_found_by_their_marks() -> None:
    files = [
        "aws/install",
        "aws/dist/base_library.zip",  # PyInstaller: the AWS CLI v2 bundle
        "aws/dist/awscli/examples/iam/create-user.rst",
        "libs/requests-2.31.0.dist-info/RECORD",  # pip install --target libs
        "libs/requests/api.py",
        "py/lib/python3.11/lib-dynload/_json.so",  # a copied interpreter
        "env/pyvenv.cfg",  # a virtualenv under another name
        "pkg.dist-info/METADATA",  # at the root: never the whole repository
        "app/main.py",
    ]
    assert _vendored.bundled_roots(files) == frozenset({"aws/dist", "libs", "py/lib/python3.11", "env"})


@pytest.fixture
def legacy(repo: Repo) -> Repo:
    """A repository with its own code and the vendored code a real one carries."""
    repo.use_pack(SECRET)
    repo.write(
        {
            "app/main.py": "KEY = 'LEAKED'\n",
            "node_modules/pkg/index.js": "LEAKED\n",
            "vendor/lib.py": "LEAKED\n",
            "static/app.min.js": "LEAKED\n",
            "aws/dist/base_library.zip": "zip\n",
            "aws/dist/awscli/examples/iam/create-access-key.rst": "LEAKED\n",
            "generated/client.py": "LEAKED\n",
            "assets/bundle.js": "LEAKED\n",
            "third_party/ours/tool.py": "LEAKED\n",
            ".gitattributes": (
                "generated/** linguist-generated\n"
                "assets/bundle.js -diff\n"
                "third_party/ours/** linguist-vendored=false\n"
            ),
        }
    )
    repo.add()
    repo.commit("legacy")
    return repo


def test_vendored_and_generated_files_are_skipped_and_counted(legacy: Repo, run_hook: Run) -> None:
    result = run_hook("--all-files", "--no-results")
    assert [line for line in result.out if ": TS001 [" in line] == [
        "app/main.py:1:8: TS001 [error] leaked",
        "third_party/ours/tool.py:1:1: TS001 [error] leaked",  # taken back by linguist-vendored=false
    ]
    assert result.summary is not None
    assert result.summary.startswith(
        "2 errors, 0 warnings in 3 files (7 vendored or generated files skipped);"
    )


def test_a_vendored_file_named_on_the_command_line_is_skipped_too(legacy: Repo, run_hook: Run) -> None:
    result = run_hook("vendor/lib.py", "app/main.py", "--no-results")
    assert [line for line in result.out if ": TS001 [" in line] == ["app/main.py:1:8: TS001 [error] leaked"]
    assert result.summary is not None and "(1 vendored or generated file skipped)" in result.summary


def test_include_vendored_true_checks_everything(legacy: Repo, run_hook: Run) -> None:
    legacy.write(
        {
            ".ava-safety.yaml": legacy.root.joinpath(".ava-safety.yaml").read_text()
            + "include_vendored: true\n"
        }
    )
    result = run_hook("--all-files", "--no-results")
    assert len([line for line in result.out if ": TS001 [" in line]) == 8


def test_include_vendored_globs_take_back_what_they_match(legacy: Repo, run_hook: Run) -> None:
    config = legacy.root.joinpath(".ava-safety.yaml").read_text()
    legacy.write({".ava-safety.yaml": config + "include_vendored: [vendor/**]\n"})
    result = run_hook("--all-files", "--no-results")
    assert [line.split(":")[0] for line in result.out if ": TS001 [" in line] == [
        "app/main.py",
        "third_party/ours/tool.py",
        "vendor/lib.py",
    ]


def test_results_record_how_many_were_skipped(legacy: Repo, run_hook: Run) -> None:
    run_hook("--all-files")
    data = json.loads(
        (legacy.root / ".git/ava-safety/results/constitutional-compliance.json").read_text(encoding="utf-8")
    )
    assert data["skipped_vendored"] == 7


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            "{a: 1}",
            "'include_vendored' must be true, false or a list of globs of vendored files to check",
            id="mapping",
        ),
        pytest.param(
            "[]",
            "'include_vendored' must be true, false or a list of globs of vendored files to check",
            id="empty",
        ),
        pytest.param(
            "['bad ']", "'include_vendored': empty glob or glob with surrounding spaces: 'bad '", id="glob"
        ),
    ],
)
def test_a_bad_include_vendored_is_a_config_error(
    repo: Repo, run_hook: Run, value: str, message: str
) -> None:
    repo.write({".ava-safety.yaml": f"packs: [generic]\ninclude_vendored: {value}\n"})
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[0] == f".ava-safety.yaml:2: {message}"
