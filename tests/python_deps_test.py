"""Declared dependencies and what provides an import name (hooks._python.deps), on files in tmp dirs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hooks._python import deps
from hooks._source import RunContext

from ._support import write_files


def _context(tmp_path: Path, files: Mapping[str, str], *, tracked: Mapping[str, str] = ()) -> RunContext:  # type: ignore[assignment]
    """A repository of `files` (on disk and tracked) plus `tracked` names that are not on disk."""
    write_files(tmp_path, files)
    return RunContext(tmp_path, frozenset(files) | frozenset(tracked))


def _declared(tmp_path: Path, files: Mapping[str, str], **kw: Mapping[str, str]) -> deps.Declared:
    return deps.declared(_context(tmp_path, files, **kw))


def _entries(declared: deps.Declared) -> list[tuple[str, tuple[str, ...], str, bool]]:
    return [(r.name, tuple(sorted(r.extras)), r.origin, r.dev) for r in declared.requirements]


def test_requirements_lines_includes_urls_and_local_paths(tmp_path: Path) -> None:
    files = {
        "requirements.txt": (
            "-rrequirements/common.txt\n--requirement=../outside.txt\n-c constraints.txt\n"
            "https://example.com/pkgs/tool-1.0.tar.gz#egg=url_tool\nhttps://example.com/nameless.whl\n"
            "git+https://example.com/org/lib.git@v1#egg=vcs-lib\n./vendored/pkg\n-e ./local\n"
            "--index-url https://pypi.example.com/simple\n@@not a requirement\n"
            "Flask[async, dotenv] >= 2 \\\n"
        ),
        "requirements/common.txt": "-r ../missing.txt\nrequests\n",
        "requirements-test.txt": "-r requirements.txt\npytest\n",
    }
    declared = _declared(tmp_path, files)
    assert _entries(declared) == [
        ("pytest", (), "requirements-test.txt:2", True),
        ("url-tool", (), "requirements.txt:4", False),
        ("vcs-lib", (), "requirements.txt:6", False),
        ("flask", ("async", "dotenv"), "requirements.txt:11", False),
        ("requests", (), "requirements/common.txt:2", False),
    ]
    assert declared.sources == ["requirements-test.txt", "requirements.txt", "requirements/common.txt"]
    assert declared.extras_of("flask") == {"async", "dotenv"}
    assert declared.origin_of("pytest", dev=False) is None


def test_a_tracked_requirements_file_missing_from_disk_declares_nothing(tmp_path: Path) -> None:
    declared = _declared(tmp_path, {"app.py": ""}, tracked={"requirements.txt": ""})
    assert (declared.requirements, declared.sources) == ([], [])


def test_pyproject_poetry_uv_pdm_hatch_and_a_broken_toml(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": (
            "[tool.poetry]\nname = 'Svc'\n[tool.poetry.dependencies]\npython = '^3.11'\n"
            "uvicorn = {version = '*', extras = ['standard']}\n"
            "[tool.uv]\ndev-dependencies = ['pytest']\n"
            "[tool.pdm.dev-dependencies]\nlint = ['ruff']\n"
            "[tool.hatch.envs.default]\ndependencies = ['coverage']\nextra-dependencies = ['mypy']\n"
        ),
        "broken/pyproject.toml": "[project\nname = 'x'\n",
    }
    declared = _declared(tmp_path, files)
    assert _entries(declared) == [
        ("uvicorn", ("standard",), "pyproject.toml [tool.poetry]", False),
        ("pytest", (), "pyproject.toml [tool] dev dependencies", True),
        ("ruff", (), "pyproject.toml [tool] dev dependencies", True),
        ("coverage", (), "pyproject.toml [tool] dev dependencies", True),
        ("mypy", (), "pyproject.toml [tool] dev dependencies", True),
    ]
    assert declared.project_names == {"svc"}
    assert deps.load_toml(_context(tmp_path, files), "broken/pyproject.toml") == {}


def test_setup_cfg_and_setup_py(tmp_path: Path) -> None:
    files = {
        "setup.cfg": "[metadata]\nname = Svc-Core\n[options]\ninstall_requires =\n    attrs\n",
        "broken/setup.cfg": "[options\ninstall_requires = x\n",
        "setup.py": (
            "from setuptools import setup\nEXTRAS = {'test': ['pytest'], 'pg': ['psycopg']}\n"
            "setup(name='svc', extras_require=EXTRAS)\n"
        ),
        "inline/setup.py": (
            "import setuptools\nsetuptools.setup(install_requires=read('requirements.txt'),\n"
            "    extras_require={'redis': ['redis']})\n"
        ),
        "broken/setup.py": "setup(\n",
        "other/setup.py": "print('no call here')\n",
    }
    declared = _declared(tmp_path, files, tracked={"gone/setup.cfg": "", "gone/setup.py": ""})
    assert _entries(declared) == [
        ("attrs", (), "setup.cfg [options] install_requires", False),
        ("redis", (), "inline/setup.py extras_require", False),
        ("pytest", (), "setup.py extras_require", True),
        ("psycopg", (), "setup.py extras_require", False),
    ]
    assert declared.project_names == {"svc-core", "svc"}


def test_a_dockerfile_pip_install_is_production(tmp_path: Path) -> None:
    files = {
        "Dockerfile": (
            "FROM python:3.12\nRUN pip install -i https://pypi.example.com/simple --no-cache-dir "
            "gunicorn -r /srv/requirements/prod.txt -r /elsewhere/none.txt\n"
        ),
        "requirements/prod.txt": "uvicorn\n",
        "requirements/dev.txt": "pytest\n",
    }
    declared = _declared(tmp_path, files, tracked={"old.dockerfile": ""})
    assert declared.names(dev=False) == {"gunicorn", "uvicorn"}
    assert declared.names(dev=True) == {"pytest"}


def test_the_projects_virtualenv_gives_import_names_and_requirements(tmp_path: Path) -> None:
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    write_files(
        tmp_path,
        {
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            ".venv/lib/python3.11/site-packages/acme_widgets-1.0.dist-info/METADATA": (
                "Metadata-Version: 2.1\nName: acme-widgets\nRequires-Dist: httpx (>=0.27)\n"
                "Requires-Dist: rich ; extra == 'cli'\nRequires-Dist: ???\n\nRequires-Dist: after-the-body\n"
            ),
            ".venv/lib/python3.11/site-packages/acme_widgets-1.0.dist-info/top_level.txt": "widgetry\n",
            ".venv/lib/python3.11/site-packages/acme_widgets-1.0.dist-info/RECORD": (
                "widgetry/core/deep/x.py,,\nwidgetry/_speed.cpython-311-x86_64-linux-gnu.so,,\n"
                "../../bin/widget,,\nwidgetry/__pycache__/x.pyc,,\n,,\nwidgetry/data.json,,\n"
            ),
            ".venv/lib/python3.11/site-packages/README.txt": "not a distribution\n",
        },
    )
    index = deps.build_dist_index(tmp_path)
    assert index.venv_path == str(site)
    assert index.candidates("widgetry.core.deep.x")[0] == "acme-widgets"
    assert index.candidates("widgetry._speed")[0] == "acme-widgets"
    assert index.requirements_of("acme-widgets") == {"httpx"}
    assert index.extra_requirements("acme-widgets", "cli") == {"rich"}


def test_a_site_packages_that_cannot_be_listed_gives_the_bundled_table_only(tmp_path: Path) -> None:
    write_files(tmp_path, {"venv/pyvenv.cfg": "home = /usr/bin\n", "venv/Lib/site-packages": "a file"})
    index = deps.build_dist_index(tmp_path)
    assert index.venv_path == str(tmp_path / "venv" / "Lib" / "site-packages")
    assert index.venv == {}
    assert index.candidates("yaml")[0] == "pyyaml"


def test_distribution_names_suggest_import_names() -> None:
    assert {"dateutil"} <= deps.import_guesses("python-dateutil")
    assert {"opencv-python", "opencvpython"} <= deps.import_guesses("opencv-python-headless")
    assert deps.is_dev_name("requirements/test.txt") and not deps.is_dev_name("requirements/base.txt")
