"""env-vars in real temp git repositories: exact output lines, exit codes, masking, configuration."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from hooks import _cli, _engine, env_vars
from hooks._rules import load_rules

from ._support import HookRun, Repo, hook_run

RunEV = Callable[..., HookRun]

# A service laid out the way teams lay them out: a FastAPI app, settings in one module, feature
# packages under modules/, deployed by App Runner (apprunner.yaml) and ECS (a task definition), an
# image built from a Dockerfile by a GitHub Actions workflow, and the names in .env.example.
SERVICE: dict[str, str] = {
    "app/__init__.py": "",
    "app/config.py": (
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "\n"
        "\n"
        "class Settings(BaseSettings):\n"
        '    model_config = SettingsConfigDict(env_file=".env")\n'
        "\n"
        "    database_url: str\n"
        '    openai_api_key: str = Field(alias="OPENAI_API_KEY")\n'
        '    log_level: str = "info"\n'
        "    sentry_dsn: str | None = None\n"
        "\n"
        "\n"
        "settings = Settings()\n"
    ),
    "app/main.py": (
        "import os\n"
        "\n"
        "from fastapi import FastAPI\n"
        "\n"
        "from app.config import settings\n"
        "from modules.farmers.api import router as farmers\n"
        "from modules.weather.api import router as weather\n"
        "\n"
        'app = FastAPI(title="farm-api", debug=os.getenv("DEBUG") == "1")\n'
        "app.include_router(farmers)\n"
        "app.include_router(weather)\n"
        'VERSION = os.environ["APP_VERSION"]\n'
    ),
    "modules/__init__.py": "",
    "modules/weather/__init__.py": "",
    "modules/weather/api.py": (
        "import os\n"
        "\n"
        "import httpx\n"
        "from fastapi import APIRouter\n"
        "\n"
        "router = APIRouter()\n"
        'API_KEY = os.environ["WEATHER_API_KEY"]\n'
        'TIMEOUT = float(os.getenv("WEATHER_TIMEOUT", "5"))\n'
        "\n"
        "\n"
        '@router.get("/weather/{city}")\n'
        "def weather(city: str) -> dict:\n"
        '    return httpx.get(f"https://api.example.com/{city}?key={API_KEY}", timeout=TIMEOUT).json()\n'
    ),
    "modules/farmers/__init__.py": "",
    "modules/farmers/api.py": (
        "from fastapi import APIRouter\n"
        "\n"
        "from modules.farmers.repository import connect\n"
        "\n"
        "router = APIRouter()\n"
    ),
    "modules/farmers/repository.py": (
        "import os\n"
        "\n"
        'USER = os.getenv("DB_USER", "farmer")\n'
        'PASSWORD = os.environ["DB_PASSWORD"]\n'
        "\n"
        "\n"
        "def connect() -> str:\n"
        '    return f"postgresql://{USER}:{PASSWORD}@db.internal:5432/farmers"\n'
    ),
    "tests/__init__.py": "",
    "tests/test_weather.py": (
        'import os\n\nTOKEN = os.environ["CI_TOKEN"]\n\n\ndef test_x():\n    assert TOKEN\n'
    ),
    "apprunner.yaml": (
        "version: 1.0\n"
        "runtime: python311\n"
        "build:\n"
        "  commands:\n"
        "    build:\n"
        "      - pip install -r requirements.txt\n"
        "run:\n"
        "  command: uvicorn app.main:app --host 0.0.0.0 --port $PORT\n"
        "  network:\n"
        "    port: 8080\n"
        "  env:\n"
        "    - name: APP_VERSION\n"
        '      value: "1.4.2"\n'
        "    - name: OPENWEATHER_API_KEY\n"
        "      value: your-api-key-here\n"
        "    - name: LOG_LEVEL\n"
        "      value: info\n"
        "  secrets:\n"
        "    - name: DATABASE_URL\n"
        "      value-from: arn:aws:secretsmanager:eu-central-1:123456789012:secret:farm-db\n"
        "    - name: OPENAI_API_KEY\n"
        "      value-from: arn:aws:ssm:eu-central-1:123456789012:parameter/openai\n"
    ),
    "ecs/task-definition.json": (
        "{\n"
        '  "family": "farm-api",\n'
        '  "containerDefinitions": [\n'
        "    {\n"
        '      "name": "app",\n'
        '      "image": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/farm-api:1.4.2",\n'
        '      "environment": [\n'
        '        {"name": "APP_VERSION", "value": "1.4.2"},\n'
        '        {"name": "DB_PASSWORD", "value": "hunter2!x"}\n'
        "      ],\n"
        '      "secrets": [\n'
        '        {"name": "DATABASE_URL",\n'
        '         "valueFrom": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db"}\n'
        "      ]\n"
        "    }\n"
        "  ]\n"
        "}\n"
    ),
    "Dockerfile": (
        "FROM python:3.11-slim\n"
        "ENV PYTHONUNBUFFERED=1 LEGACY_MODE=1\n"
        "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
        "COPY . .\n"
        'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]\n'
    ),
    ".github/workflows/deploy.yml": (
        "name: deploy\n"
        "on:\n"
        "  push:\n"
        "    branches: [main]\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    env:\n"
        "      AWS_REGION: eu-central-1\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: docker build -t farm-api:${{ github.sha }} .\n"
        "      - run: aws ecs register-task-definition --cli-input-json file://ecs/task-definition.json\n"
    ),
    ".env.example": "DATABASE_URL=\nOPENAI_API_KEY=\nDB_PASSWORD=\nDEBUG=\n",
    "requirements.txt": "fastapi\nhttpx\npydantic-settings\n",
}

# The same service once the team fixed what env-vars reported.
FIXED: dict[str, str] = {
    "modules/weather/api.py": SERVICE["modules/weather/api.py"].replace(
        "WEATHER_API_KEY", "OPENWEATHER_API_KEY"
    ),
    "modules/farmers/repository.py": (
        "import os\nfrom urllib.parse import quote_plus\n\n"
        'USER = os.getenv("DB_USER", "farmer")\n'
        'PASSWORD = os.environ["DB_PASSWORD"]\n\n\n'
        "def connect() -> str:\n"
        '    return f"postgresql://{USER}:{quote_plus(PASSWORD)}@db.internal:5432/farmers"\n'
    ),
    "apprunner.yaml": SERVICE["apprunner.yaml"]
    .replace(
        "    - name: OPENWEATHER_API_KEY\n      value: your-api-key-here\n",
        "",
    )
    .replace(
        "  secrets:\n",
        "  secrets:\n    - name: OPENWEATHER_API_KEY\n"
        "      value-from: arn:aws:secretsmanager:eu-central-1:123456789012:secret:weather\n"
        "    - name: DB_PASSWORD\n"
        "      value-from: arn:aws:secretsmanager:eu-central-1:123456789012:secret:farm-db-password\n",
    ),
    "ecs/task-definition.json": SERVICE["ecs/task-definition.json"]
    .replace(',\n        {"name": "DB_PASSWORD", "value": "hunter2!x"}', "")
    .replace(
        '"secrets": [\n',
        '"secrets": [\n'
        '        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-central-1:1:secret:pw"},\n',
    ),
    "Dockerfile": SERVICE["Dockerfile"].replace(" LEGACY_MODE=1", ""),
    ".env.example": "DATABASE_URL=\nOPENAI_API_KEY=\nOPENWEATHER_API_KEY=\nDB_PASSWORD=\nDEBUG=\n",
}

SERVICE_FINDINGS = [
    "Dockerfile:2:24: EV006 [warning] LEGACY_MODE is set for the service but nothing reads it (no Python "
    "read, no $ "
    "reference in the deployment); remove it or fix the name",
    "apprunner.yaml:14:13: EV006 [warning] OPENWEATHER_API_KEY is set for the service but nothing reads it "
    "(no Python "
    "read, no $ reference in the deployment); remove it or fix the name",
    "apprunner.yaml:14:13: EV007 [warning] OPENWEATHER_API_KEY looks like another name for WEATHER_API_KEY "
    "(read in "
    "modules/weather/api.py:7); give one value one name",
    "apprunner.yaml:15:14: EV003 [error] OPENWEATHER_API_KEY in run.env is a placeholder (your-…), not a "
    "value; set "
    "the real one, or reference a secret",
    "ecs/task-definition.json:9:43: EV002 [error] DB_PASSWORD in containerDefinitions[app].environment: a "
    "secret-looking name with a plaintext value (***); reference a secret (apprunner run.secrets, task "
    "definition secrets) instead of committing it",
    "modules/farmers/repository.py:8:35: EV005 [error] PASSWORD goes into a URL as its password without "
    "URL-quoting; @ : / # ? % in a password break the URL: use urllib.parse.quote_plus(PASSWORD)",
    "modules/weather/api.py:7:11: EV001 [error] WEATHER_API_KEY is required here "
    '(os.environ["WEATHER_API_KEY"], '
    "no default) but no deployment source provides it; searched: Dockerfile, apprunner.yaml, "
    "ecs/task-definition.json",
    "modules/weather/api.py:7:11: EV007 [warning] WEATHER_API_KEY looks like another name for "
    "OPENWEATHER_API_KEY "
    "(set in apprunner.yaml:14); give one value one name",
]
SECRET_VALUES = ("hunter2!x", "s3cr3t", "dev-only-value", "sk-live-from-my-laptop")


@pytest.fixture(name="ev")
def ev_fixture(capsys: pytest.CaptureFixture[str]) -> RunEV:
    def run(*argv: str) -> HookRun:
        capsys.readouterr()
        code = env_vars.main([*argv, "--no-results"])
        captured = capsys.readouterr()
        for value in SECRET_VALUES:  # no run may print a value, whatever it reports
            assert value not in captured.out + captured.err
        return hook_run(code, captured.out, captured.err)

    return run


def committed(repo: Repo, files: Mapping[str, str]) -> None:
    repo.write(files)
    repo.add(*files)
    repo.commit("service")


# --- the service as teams lay it out ---------------------------------------------------------------


def test_reports_each_problem_of_the_service_once_at_its_line(repo: Repo, ev: RunEV) -> None:
    committed(repo, SERVICE)
    result = ev("--all-files")
    assert result.out == SERVICE_FINDINGS
    assert result.code == 1


def test_the_fixed_service_passes_silently(repo: Repo, ev: RunEV) -> None:
    committed(repo, {**SERVICE, **FIXED})
    result = ev("--all-files")
    assert (result.code, result.out, result.err) == (0, [], [])


def test_a_commit_is_checked_on_its_own_files_against_the_whole_deployment(repo: Repo, ev: RunEV) -> None:
    committed(repo, {**SERVICE, **FIXED})
    repo.write({"modules/weather/alerts.py": 'import os\n\nHOOK = os.environ["ALERTS_WEBHOOK_URL"]\n'})
    repo.add("modules/weather/alerts.py")
    result = ev()  # as pre-commit runs it with nothing passed: the staged files
    assert result.out == [
        "modules/weather/alerts.py:3:8: EV001 [error] ALERTS_WEBHOOK_URL is required here "
        '(os.environ["ALERTS_WEBHOOK_URL"], no default) but no deployment source provides it; searched: '
        "Dockerfile, apprunner.yaml, ecs/task-definition.json"
    ]
    assert result.code == 1


def test_a_deployment_file_change_is_checked_against_every_read(repo: Repo, ev: RunEV) -> None:
    committed(repo, {**SERVICE, **FIXED})
    result = ev(".env.example", "Dockerfile")
    assert (result.code, result.out) == (0, [])
    repo.write({".env.example": FIXED[".env.example"] + "OLD_FLAG=\n"})
    result = ev(".env.example")
    assert result.out == [
        ".env.example:6:1: EV006 [warning] OLD_FLAG is set for the service but nothing reads it (no Python "
        "read, no $ "
        "reference in the deployment); remove it or fix the name"
    ]
    assert result.code == 0  # a warning
    assert ev(".env.example", "--strict").code == 1


def test_json_output_masks_values_too(repo: Repo, ev: RunEV) -> None:
    committed(repo, SERVICE)
    repo.write(
        {
            "apprunner.yaml": SERVICE["apprunner.yaml"].replace(
                '      value: "1.4.2"\n',
                '      value: "1.4.2"\n    - name: REPLICA_URL\n'
                "      value: postgresql://admin:s3cr3t@replica.internal/app\n",
            )
        }
    )
    result = ev("apprunner.yaml", "--format", "json")
    messages = [f["message"] for f in json.loads("\n".join(result.out))["findings"] if f["rule"] == "EV002"]
    assert messages == [
        "REPLICA_URL in run.env: a URL with its password written in "
        "(postgresql://admin:***@replica.internal/app); reference a secret (apprunner run.secrets, task "
        "definition secrets) instead of committing it"
    ]


# --- what counts as the deployment ----------------------------------------------------------------

MINIMAL_APP = {"app/main.py": 'import os\n\nTOKEN = os.environ["BOT_TOKEN"]\n'}


def test_names_set_outside_the_repo_come_from_env_provided(repo: Repo, ev: RunEV) -> None:
    config = "env:\n  provided:\n    - BOT_TOKEN\n    - NOBODY_READS_ME\n"
    committed(repo, {**MINIMAL_APP, ".ava-safety.yaml": config})
    result = ev("--all-files")
    assert result.out == [
        ".ava-safety.yaml:4:7: EV006 [warning] NOBODY_READS_ME is set for the service but nothing reads it "
        "(no Python "
        "read, no $ reference in the deployment); remove it or fix the name"
    ]


def test_without_any_source_the_message_says_where_to_declare_them(repo: Repo, ev: RunEV) -> None:
    committed(repo, MINIMAL_APP)
    assert ev("--all-files").out == [
        'app/main.py:3:9: EV001 [error] BOT_TOKEN is required here (os.environ["BOT_TOKEN"], no default) '
        "but no "
        "deployment source provides it; searched: no deployment files (list outside values in "
        ".ava-safety.yaml env.provided)"
    ]


def test_service_files_decide_which_files_are_the_deployment(repo: Repo, ev: RunEV) -> None:
    files = {
        **MINIMAL_APP,
        "apprunner.yaml": "version: 1.0\nruntime: python311\nrun:\n  command: python -m app.main\n"
        "  secrets:\n    - name: BOT_TOKEN\n      value-from: arn:aws:ssm:eu-central-1:1:parameter/bot\n",
        "deploy/prod.json": '{"family": "bot", "containerDefinitions": [{"name": "bot"}]}\n',
        ".ava-safety.yaml": "services:\n  - name: bot\n    provider: ecs\n    files: [deploy/prod.json]\n",
    }
    committed(repo, files)
    assert ev("--all-files").out == [
        'app/main.py:3:9: EV001 [error] BOT_TOKEN is required here (os.environ["BOT_TOKEN"], no default) '
        "but no "
        "deployment source provides it; searched: deploy/prod.json"
    ]
    committed(repo, {".ava-safety.yaml": files[".ava-safety.yaml"] + "  - name: web\n"})
    assert ev("--all-files").out == []  # a service without `files` brings back auto-detection


def test_env_sources_add_files_by_content(repo: Repo, ev: RunEV) -> None:
    committed(
        repo,
        {
            **MINIMAL_APP,
            "deploy/bot.vars": "# rendered into the service by CI\nBOT_TOKEN=\n",
            ".ava-safety.yaml": "env:\n  sources: [deploy/*.vars]\n",
        },
    )
    assert ev("--all-files").out == []


def test_an_untracked_env_file_is_never_read(repo: Repo, ev: RunEV) -> None:
    compose = "services:\n  bot:\n    build: .\n    env_file: [.env, config/bot.env]\n"
    committed(repo, {**MINIMAL_APP, "docker-compose.yml": compose, "config/bot.env": "LOG_LEVEL=info\n"})
    repo.write({".env": "BOT_TOKEN=sk-live-from-my-laptop\n"})  # the developer's own file, not in git
    assert ev("--all-files").out == [
        'app/main.py:3:9: EV001 [error] BOT_TOKEN is required here (os.environ["BOT_TOKEN"], no default) '
        "but no "
        "deployment source provides it; searched: docker-compose.yml, config/bot.env",
        "config/bot.env:1:1: EV006 [warning] LOG_LEVEL is set for the service but nothing reads it (no "
        "Python read, "
        "no $ reference in the deployment); remove it or fix the name",
    ]


def test_a_committed_dotenv_with_values_is_reported_once_and_without_values(repo: Repo, ev: RunEV) -> None:
    committed(
        repo,
        {
            **MINIMAL_APP,
            ".env.example": "BOT_TOKEN=\n",
            ".env": "# copy to .env.local and fill in\nBOT_TOKEN=\n",
            "deploy/.env.local": "BOT_TOKEN=s3cr3t\nDEBUG=1\n",
        },
    )
    result = ev("--all-files")
    assert result.out == [
        "deploy/.env.local:1:1: EV004 [error] deploy/.env.local is committed with 2 value(s) (BOT_TOKEN, "
        "DEBUG); "
        "untrack it, rotate what it held, and commit a .env.example with names only"
    ]
    assert result.code == 1


def test_the_developers_environment_is_not_consulted(
    repo: Repo, ev: RunEV, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "dev-only-value")
    committed(repo, MINIMAL_APP)
    assert ev("--all-files").code == 1  # set here, but not by the deployment


def test_a_suppression_with_a_reason_silences_one_read(repo: Repo, ev: RunEV) -> None:
    code = (
        'import os\n\n# ava-safety: ignore[EV001] set by the platform team\nTOKEN = os.environ["BOT_TOKEN"]\n'
    )
    committed(repo, {"app/main.py": code})
    assert (ev("--all-files").code, ev("--all-files").out) == (0, [])


def test_the_ava_safety_command_runs_it_too(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    committed(repo, MINIMAL_APP)
    assert _cli.main(["env-vars", "--all-files", "--no-results"]) == 1
    assert "EV001 [error] BOT_TOKEN" in capsys.readouterr().out


def test_repo_wide_reads_are_cached_by_content_and_a_broken_cache_is_ignored(repo: Repo, ev: RunEV) -> None:
    committed(repo, SERVICE)
    first = ev("--all-files")
    cache = repo.root / ".git" / "ava-safety" / "cache" / "env-vars-reads.json"
    entries = json.loads(cache.read_text("utf-8"))["entries"]
    assert len(entries) == 5  # the files that read the environment (tests included: a read is a read)
    assert ev("--all-files").out == first.out == SERVICE_FINDINGS
    cache.write_text("{not json", encoding="utf-8")
    assert ev("--all-files").out == SERVICE_FINDINGS
    cache.write_text(json.dumps({"version": "old", "entries": {"x": {"r": "nonsense"}}}), encoding="utf-8")
    assert ev("--all-files").out == SERVICE_FINDINGS
    data = json.loads(cache.read_text("utf-8"))
    data["entries"] = {key: {"r": [["broken"]], "w": {}} for key in data["entries"]}
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert ev("--all-files").out == SERVICE_FINDINGS
    assert repo.status() == ""  # nothing written where git would see it


# --- the process environment is never read ----------------------------------------------------------


class _Watched(dict):  # type: ignore[type-arg]
    """os.environ that records every key looked up."""

    def __init__(self, real: Mapping[str, str], seen: list[str]) -> None:
        super().__init__(real)
        self.seen = seen

    def __getitem__(self, key: str) -> str:
        self.seen.append(key)
        return str(super().__getitem__(key))

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.seen.append(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.seen.append(str(key))
        return super().__contains__(key)


@pytest.fixture(name="watched_environ")
def watched_environ_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    monkeypatch.setattr(os, "environ", _Watched(os.environ, seen))
    yield seen


def test_checking_reads_no_variable_of_the_process_environment(
    tmp_path: Path, watched_environ: list[str]
) -> None:
    for name, text in SERVICE.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    rules = load_rules(hook="env-vars", packs=["generic"]).rules
    result = _engine.run(tmp_path, sorted(SERVICE), rules, repo_files=frozenset(SERVICE), jobs=1)
    assert len(result.findings) == len(SERVICE_FINDINGS)
    # libcst looks up its own parser switch and git is found on PATH; never a variable the code reads
    assert {str(key) for key in watched_environ} <= {"LIBCST_PARSER_TYPE", "PATH", "b'PATH'"}


# --- the real pre-commit ---------------------------------------------------------------------------


def test_pre_commit_blocks_the_service_then_passes_it_fixed(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    import subprocess
    import sys

    from .conftest import GIT_ENV, git, make_repo

    repo = make_repo(tmp_path / "svc", SERVICE)
    path, rev = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: env-vars\n", encoding="utf-8"
    )
    git(repo, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", *args],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip

    blocked = pre_commit("--all-files")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "environment variables" in blocked.stdout
    for line in SERVICE_FINDINGS:
        assert line in blocked.stdout
    assert "hunter2!x" not in blocked.stdout + blocked.stderr
    for name, text in FIXED.items():
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    passed = pre_commit("--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # the hook writes nothing into the work tree (results live under .git/ava-safety/)
    assert git(repo, "diff", "--name-only") == ""
    assert git(repo, "ls-files", "--others", "--exclude-standard") == ""
    # a commit that adds a read nothing provides is blocked on that file alone
    git(repo, "commit", "-q", "-m", "fixed")
    (repo / "modules/weather/alerts.py").write_text('import os\n\nURL = os.environ["ALERTS_URL"]\n', "utf-8")
    git(repo, "add", "modules/weather/alerts.py")
    staged = pre_commit()
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert (
        'modules/weather/alerts.py:3:7: EV001 [error] ALERTS_URL is required here (os.environ["ALERTS_URL"]'
        in (staged.stdout)
    )
    assert staged.stdout.count(": EV0") == 1
