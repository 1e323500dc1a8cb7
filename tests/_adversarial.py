"""Hostile input for the property suite (tests/adversarial_property_test.py) and the adversarial
campaign (bench/adversarial.py): generators of configs, rule files, patterns, deployment files,
markup and Python; planted canary secrets; a hard time bound per input; and a scratch git repository
a hook main runs in, in this process, with its outputs checked for tracebacks, leaks and changes to
tracked files.

Everything here is deterministic given the strategy's draws (no clock, no randomness of its own), so a
derandomized hypothesis run generates the same inputs every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

# --- canaries: planted secrets that must never be printed or written ------------------------------------

CANARY_PASSWORD = "Cn4ryPw-7731xq"  # a URL's password
CANARY_AWS_KEY = "AKIAQ7CANARYZ4K2W9XJ"  # shaped like an AWS access key id
CANARY_SECRET = "s3cr3t-Canary-Value-0042"  # a `password = ...` value
CANARIES = (CANARY_PASSWORD, CANARY_AWS_KEY, CANARY_SECRET)
DB_URL = f"postgresql://admin:{CANARY_PASSWORD}@db.internal:5432/app"


def leaked(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


# --- a hard time bound -----------------------------------------------------------------------------------


class Hang(BaseException):  # noqa: N818 - not an Exception: `except Exception` in the code under test must not swallow it
    """An input took longer than its bound."""


@contextlib.contextmanager
def deadline(seconds: float, what: Callable[[], str]) -> Iterator[None]:
    """Raise Hang (naming the input) if the body runs longer than `seconds` (SIGALRM: main thread)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s for {what()}")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- generators ----------------------------------------------------------------------------------------

# text that breaks readers: controls, NUL, surrogates escaped, bidi, long runs, YAML and JSON syntax
NASTY = st.sampled_from(
    [
        "", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\u202e", "\ufeff", "é", "💥", "\\", "'", '"',
        "{", "}", "[", "]", ":", "- ", "&a", "*a", "!!python/object:os.system", "<<: *a", "%YAML 1.1",
        "---", "...", "#", "NaN", "Infinity", "-Infinity", "1e999", "0x1F", "~", "null", "true", "yes",
        "on", "3.10", "${X}", "$(id)", "`id`", "{version}", "{x.y}", "{0}", "**", "../", "/etc/passwd",
        "a" * 300, "(a+)+$", "[", "(?P<x>", "\\1", ".*" * 20, "x" * 48 + "1",
    ]
)  # fmt: skip
TEXT = st.one_of(NASTY, st.text(max_size=40), st.text(alphabet=st.characters(codec="ascii"), max_size=60))
SCALAR = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


def nested(leaves: st.SearchStrategy[Any], *, depth: int = 3) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.one_of(TEXT, st.integers()), inner, max_size=4)
        ),
        max_leaves=12,
    )


VALUE = nested(SCALAR)

CONFIG_KEYS = [
    "packs", "rules", "min_score", "exclude", "python", "principles", "disable", "env", "services",
    "image_registries", "history", "version_sources", "pack", "mins_score", "servces",
]  # fmt: skip
GOOD_CONFIG_VALUES: dict[str, list[Any]] = {
    "packs": [["generic"], ["generic", "ava-olo"], [], ["nope"], "generic"],
    "rules": [[], ["safety/*.yaml"], ["/abs/*.yaml"], ["**x"], ["."], ["safety/"], ["../x"]],
    "min_score": [80, 0, 100, 101, -1, 79.5, "80", True, float("nan")],
    "exclude": [["vendor/"], ["a[b"], [" x"], ["**"]],
    "python": ["3.11", 3.1, "3.10", "2.7", "3"],
    "principles": [
        {"SECRETS": {"min_score": 90}},
        {"SECRET": {"min_score": 90}},
        {"DEBUG LEFTOVERS": {"allow": ["x"]}},
        {"X": "y"},
        {"SECRETS": {"min_scor": 1}},
    ],
    "disable": [["CC004"], ["ZZ999"], "CC004"],
    "env": [{"provided": ["A"]}, {"provided": "A"}, {"sources": ["**"]}, {"provide": []}],
    "services": [
        {"web": {"provider": "apprunner", "files": ["apprunner.yaml"]}},
        [{"name": "web", "provider": "command", "deploy": ["./d.sh", "{version}"]}],
        {"web": {"health": {"url": f"https://user:{CANARY_PASSWORD}@h/health"}}},
        {"web": {"notify": [{"webhook": f"https://hooks.example/{CANARY_SECRET}"}]}},
        {"web": {"deploy": "rm -rf /"}},
    ],
    "history": ["sqlite", DB_URL, "postgresql://deploy@db/ops", "mysql://x"],
    "image_registries": [["123.dkr.ecr.eu-central-1.amazonaws.com"]],
    "version_sources": [["pyproject.toml"], ["["]],
}


@st.composite
def config_texts(draw: st.DrawFn) -> str:
    """A `.ava-safety.yaml`: mostly plausible keys with plausible or broken values, sometimes raw text."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.text(max_size=200))
    if kind == 1:
        return draw(st.sampled_from(["", "- a\n- b\n", "a: [\n", "a: &x [*x]\n", "\t- x", "? [a]\n: b\n"]))
    doc: dict[Any, Any] = {}
    for key in draw(st.lists(st.sampled_from(CONFIG_KEYS), max_size=5, unique=True)):
        good = GOOD_CONFIG_VALUES.get(key)
        doc[key] = draw(st.sampled_from(good)) if good and draw(st.booleans()) else draw(VALUE)
    return _dump(doc)


def _dump(doc: Any) -> str:
    try:
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError):
        return "packs: [generic]\n"


REGEXES = st.one_of(
    st.sampled_from(
        ["password", r"\bTODO\b", "(", "(a+)+$", "(?P<x>a)(?P=x)", "[z-a]", "a{2,1}", "\\", "(?i)x", ".*",
         "x" * 10000, "(?<=a+)b", "\\p{L}", "(?P<message>.)", "^$"]
    ),
    st.text(max_size=20),
)  # fmt: skip
PY_PATTERNS = st.one_of(
    st.sampled_from(
        ["eval($X)", "print($X, ...)", "$X.$M(..., verify=False)", "os.environ[$NAME]", "$X = $Y",
         "def $F(...): ...", "import $M", "...", "$X", "try:\n    ...\nexcept:\n    pass", "lambda: $X",
         "f'{$X}'", "(", "$", "$1", "class $C($B): ...", "with $X as $Y: ...", "async def $F(): ...",
         "x[$A:$B]", "match $X:\n    case 1: ..."]
    ),
    st.text(max_size=30),
)  # fmt: skip
GLOBS = st.one_of(
    st.sampled_from(["**/*.py", "*.py", "a[b", "", " x", "**", "/abs", "**x", ".", "[!a]*", "a/**/b/"]),
    st.text(max_size=12),
)
PLUGINS = st.sampled_from(
    [
        "ava_olo:check_literal_if_chain", "env_vars:check_placeholder", "deploy_config:check_crlf",
        "constitution:check_conflict_markers", "syntax_imports:check_imports", "nope:f", "ava_olo:nope",
        "ava_olo", "../x:y", "_private:f", "ava_olo:_compile", "env_vars:analyse", "os:system",
    ]
)  # fmt: skip
OPTIONS = st.one_of(
    st.sampled_from(
        [{}, {"min_branches": "many"}, {"min_branches": 3}, {"placeholders": {"x": "("}},
         {"placeholders": {"x": "^x$"}}, {"kind": "untracked"}, {"kind": 3}, {"nope": 1}, [1], "x", None]
    ),
    st.dictionaries(TEXT, VALUE, max_size=3),
)  # fmt: skip


@st.composite
def rule_specs(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["regex", "python", "plugin", "files", "css", "html", "imports", "strings", "nope"])
    )
    rule: dict[str, Any] = {
        "id": draw(st.sampled_from(["TS001", "TS002", "ts001", "T1", "CC004", "CC020", "TS0011"])),
        "name": draw(st.sampled_from(["a-rule", "A Rule", "", "x"])),
        "severity": draw(st.sampled_from(["error", "warning", "info", None])),
        "principle": draw(st.sampled_from(["SAFETY", "NOPE", None, 3])),
        "message": draw(st.sampled_from(["hit {X}", "{match}", "{0}", "{x.y}", "{", "", "m"])),
        "check": kind,
    }
    if kind in ("regex", "strings"):
        rule["pattern"] = draw(REGEXES)
    elif kind == "python":
        key = draw(st.sampled_from(["pattern", "pattern-either", "pattern-not", "pattern-inside"]))
        rule[key] = draw(PY_PATTERNS) if key != "pattern-either" else draw(st.lists(PY_PATTERNS, max_size=3))
        if key != "pattern":
            rule.setdefault("pattern", draw(PY_PATTERNS))
        if draw(st.booleans()):
            rule["metavariable-regex"] = {"$X": draw(REGEXES)}
    elif kind == "plugin":
        rule["function"] = draw(PLUGINS)
        if draw(st.booleans()):
            rule["options"] = draw(OPTIONS)
    elif kind == "files":
        rule[draw(st.sampled_from(["must-exist", "must-not-exist", "exist"]))] = draw(
            st.one_of(GLOBS, st.lists(GLOBS, max_size=2))
        )
    if draw(st.booleans()):
        rule["files"] = draw(st.one_of(GLOBS, st.lists(GLOBS, max_size=3)))
    if draw(st.integers(0, 4)) == 0:
        rule[draw(TEXT)] = draw(VALUE)
    rule["examples"] = draw(
        st.sampled_from(
            [
                {"pass": ["x = 1"], "fail": ["eval(x)"]},
                {"pass": ["x = 1"]},
                {"fail": [{"code": "x", "line": 1}]},
                [],
            ]
        )
    )
    return rule


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=300))
    doc: dict[str, Any] = {
        "pack": draw(st.sampled_from(["own", "", 3])),
        "version": draw(st.sampled_from([1, "1", 1.5])),
        "hook": draw(
            st.sampled_from(["constitutional-compliance", "env-vars", "constitutional-complaince", 3])
        ),
        "principles": draw(
            st.sampled_from([{"SAFETY": {"weight": 1}}, {"SAFETY": 2}, {"SAFETY": {"weight": -1}}, []])
        ),
        "rules": draw(st.lists(rule_specs(), max_size=3)),
    }
    if draw(st.booleans()):
        doc["lists"] = draw(st.sampled_from([{"palette": ["#fff"]}, {"palette": "x"}, []]))
    for key in draw(st.lists(st.sampled_from(list(doc)), max_size=2)):
        doc[key] = draw(VALUE)
    return _dump(doc)


# Python source: statements that read the environment, plant secrets, or stress the parser
PY_LINES = st.sampled_from(
    [
        "import os", "from os import environ as env, getenv", "import decouple",
        "from pydantic import BaseSettings", 'x = os.environ["DATABASE_URL"]', 'y = os.getenv("DEBUG")',
        'z = env.get("A", "b")', 'if "X" in os.environ: pass',
        "class S(BaseSettings):\n    database_url: str\n    class Config:\n        env_prefix = 'APP_'",
        'def req(n):\n    return os.environ[n]', 'req("SECRET_KEY")', "v = decouple.config('TOKEN')",
        f'DATABASE_URL = "{DB_URL}"', f'AWS_ACCESS_KEY_ID = "{CANARY_AWS_KEY}"',
        f'password = "{CANARY_SECRET}"',
        f'uvicorn.run(app, ssl_keyfile_password="{CANARY_SECRET}")', f'key = f"{{user}}:{CANARY_SECRET}"',
        f'conn = psycopg.connect("{DB_URL}")', f"# password={CANARY_SECRET}", "breakpoint()",
        "print('x ' * 5000)",
        "try:\n    run()\nexcept:\n    pass", "eval(data)", "x = (" * 30 + ")" * 30, "[" * 200 + "]" * 200,
        "<<<<<<< HEAD", "=======", ">>>>>>> feature", "match x:\n    case 1:\n        pass", "def f(:",
        "\x00",
        "x = 'caf\udce9'", 'requests.get("http://localhost:8000", verify=False)', "import nosuchmodule_xyz",
    ]
)  # fmt: skip


@st.composite
def python_sources(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.one_of(PY_LINES, PY_LINES, TEXT), max_size=8))
    indent = draw(st.sampled_from(["", "    "]))
    return (
        "\n".join(indent + line if i and draw(st.booleans()) else line for i, line in enumerate(lines)) + "\n"
    )


DEPLOY_TEMPLATES: dict[str, list[str]] = {
    "apprunner.yaml": [
        "version: 1.0\nruntime: python311\nbuild:\n  commands:\n"
        "    build: [pip install -r requirements.txt]\n"
        f"run:\n  command: uvicorn app.main:app --port 8080\n  network: {{port: 8080}}\n  env:\n"
        f'    - name: DATABASE_URL\n      value: "{DB_URL}"\n'
        f"    - name: API_TOKEN\n      value: {CANARY_SECRET}\n",
        "version: 1.0\nruntime: python3\nrun:\n  command: " + "x " * 2000 + "\n",
        "version: 1.0\nrun:\n  env:\n    - name: A\n      value: " + "X" * 48 + "1\n",
    ],
    "task-definition.json": [
        '{"family": "web", "cpu": NaN, "containerDefinitions": [{"name": "web", "image": "nginx:latest", '
        f'"environment": [{{"name": "DATABASE_URL", "value": "{DB_URL}"}}, '
        f'{{"name": "AWS_ACCESS_KEY_ID", "value": "{CANARY_AWS_KEY}"}}]}}]}}',
        '{"family": "a", "family": "' + CANARY_SECRET + '"}',
        "[" * 3000 + "]" * 3000,
    ],
    "Dockerfile": [
        f"FROM python:3.11-slim\nENV DATABASE_URL={DB_URL}\nENV PASSWORD={CANARY_SECRET}\n"
        'COPY . /app\nCMD ["uvicorn", "app:app"]\n',
        "FROM python:latest\nRUN " + "a" * 300 + "\nCOPY " + "b" * 300 + " /x\n",
        "FROM ${BASE}\nARG BASE=python:3.11\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
    ],
    "docker-compose.yml": [
        f"services:\n  web:\n    image: app\n    environment:\n      DATABASE_URL: {DB_URL}\n"
        f"      PASSWORD: {CANARY_SECRET}\n",
        "services: &a\n  web: *a\n",
    ],
    ".env": [f"DATABASE_URL={DB_URL}\nAWS_ACCESS_KEY_ID={CANARY_AWS_KEY}\npassword={CANARY_SECRET}\n"],
    "Procfile": ["web: uvicorn app:app --port $PORT\n", "web: " + "x" * 5000 + "\n"],
    "requirements.txt": [
        "fastapi\nuvicorn==0.23\n-e .\n--index-url https://u:" + CANARY_PASSWORD + "@pypi/simple\n"
    ],
    ".github/workflows/deploy.yml": [
        "on: push\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: aws ecs register-task-definition "
        "--cli-input-json file://task-definition.json\n"
    ],
    "static/app.css": [
        "body { font-size: 10px; color: #777; background: #888 }\n" + "-" * 2000 + "\n",
        ":root{--a: var(--b); --b: var(--a)}\n.x{font-size: var(--a)}\n",
        "@media (max-width: " + "9" * 400 + "px) { a { color: red } }\n",
    ],
    "templates/index.html": [
        "<html><body><input type=text><button style='font-size:8px'>Go</button>"
        f"<a href='{DB_URL}'>db</a></body></html>\n",
        "<" * 500 + "\n",
        "{% extends 'base.html' %}{% block x %}<div style='color:#777;background:#888'>{{ x }}</div>"
        "{% endblock %}\n",
    ],
}


@st.composite
def deploy_files(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(DEPLOY_TEMPLATES)))
    text = draw(st.sampled_from(DEPLOY_TEMPLATES[name]))
    edit = draw(st.integers(0, 3))
    if edit == 1:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(TEXT) + text[at:]
    elif edit == 2:
        text = text[: draw(st.integers(0, len(text)))]
    return name, text


HOSTILE_NAMES = st.sampled_from(
    [
        "app.py", "a b/ü.py", "-x.py", "--all-files.py", "new\nline.py", "esc\x1b[31m.py", "bidi\u202ecod.py",
        "a" * 240 + ".py", "dir/../up.py", "*.py", "[x].py", "quote\".py", "semi;rm.py", "%41.py", "café.py",
        ".hidden.py", "x.py ", "#hash.py",
    ]
)  # fmt: skip


@st.composite
def repo_files(draw: st.DrawFn) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            files[draw(HOSTILE_NAMES)] = draw(python_sources())
        elif choice == 1:
            name, text = draw(deploy_files())
            files[name] = text
        elif choice == 2:
            files[draw(HOSTILE_NAMES)] = draw(st.binary(max_size=200))
        else:
            files[draw(st.sampled_from(["app/main.py", "app/settings.py", "tests/test_x.py"]))] = draw(
                python_sources()
            )
    return files


# --- a hook run in a scratch repository -------------------------------------------------------------------

FILE_HOOKS = (
    "constitutional-compliance", "syntax-imports", "env-vars", "deploy-config", "design-rules",
    "version-consistency",
)  # fmt: skip
FORMATS = ("text", "json", "sarif", "github")
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


@dataclass
class Run:
    argv: list[str]
    code: int | None
    out: str
    err: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what the run broke: the property

    def describe(self) -> str:
        names = ", ".join(repr(n) for n in self.files)
        return f"{' '.join(self.argv)!r} over {names}"


class Scratch:
    """A git repository reused across inputs: each input is written, staged, checked and reset."""

    def __init__(self, base: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ava-adversarial-", dir=base))
        self.git("init", "-q", "-b", "main")
        (self.root / "README.md").write_text("scratch\n", encoding="utf-8")
        self.git("add", "README.md")
        self.git("commit", "-q", "-m", "start")

    def git(self, *args: str, check: bool = True) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT_"))}
        proc = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**env, **GIT_ENV},
            capture_output=True,
            timeout=60,
            check=check,
        )
        return proc.stdout.decode("utf-8", "replace")

    def reset(self) -> None:
        self.git("reset", "-q", "--hard", "HEAD")
        self.git("clean", "-qfdx", "-e", ".git")

    def state(self) -> str:
        """What a hook must never change: the index and the work tree's tracked content."""
        index = self.git("ls-files", "-s", "-z")
        digest = hashlib.sha256()
        for name in sorted(filter(None, self.git("ls-files", "-z").split("\0"))):
            path = self.root / name
            with contextlib.suppress(OSError):
                digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes())
        return index + digest.hexdigest()

    def place(self, files: Mapping[str, str | bytes], *, config: str | None = None) -> list[str]:
        """Write and stage the files (names git or the file system refuse are dropped)."""
        placed = []
        for name, content in files.items():
            target = self.root / name
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(
                    content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
                )
            except (OSError, ValueError):
                continue
            placed.append(name)
        if config is not None:
            (self.root / ".ava-safety.yaml").write_text(config, encoding="utf-8", errors="surrogatepass")
            placed.append(".ava-safety.yaml")
        if placed:
            self.git("add", "-f", "--", *placed, check=False)
        staged = self.git("diff", "--cached", "--name-only", "-z")
        return [n for n in placed if n in set(staged.split("\0"))]

    def run(self, hook: str, argv: Sequence[str], files: Mapping[str, str | bytes], *, bound: float) -> Run:
        """Run the hook's main in this process, in the repository, under a hard time bound; check the
        properties (exit code, no traceback, no leak, no tracked file changed)."""
        import importlib

        module = importlib.import_module("hooks." + hook.replace("-", "_"))
        before = self.state()
        out, err = io.StringIO(), io.StringIO()
        run = Run([hook, *argv], None, "", "", dict(files))
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                with deadline(bound, run.describe):
                    try:
                        run.code = module.main(list(argv))
                    except SystemExit as exc:  # argparse
                        run.code = exc.code if isinstance(exc.code, int) else 2
        except Hang as exc:
            run.problems.append(f"hang: {exc}")
        except Exception as exc:  # noqa: BLE001 - an exception out of main() is the bug we look for
            run.problems.append(f"exception out of main(): {type(exc).__name__}: {exc}")
        finally:
            os.chdir(cwd)
        run.out, run.err = out.getvalue(), err.getvalue()
        if run.code not in (0, 1, 2) and not run.problems:
            run.problems.append(f"exit code {run.code}")
        if "Traceback (most recent call last)" in run.out + run.err:
            run.problems.append("traceback printed")
        for canary in leaked(run.out + run.err):
            run.problems.append(f"canary {canary[:6]}… printed")
        for path, text in self.state_files():
            for canary in leaked(text):
                run.problems.append(f"canary {canary[:6]}… written to {path}")
        if self.state() != before:
            run.problems.append("a tracked file or the index changed")
        return run

    def state_files(self) -> Iterator[tuple[str, str]]:
        state = self.root / ".git" / "ava-safety"
        if not state.is_dir():
            return
        for path in state.rglob("*"):
            if path.is_file() and path.suffix != ".sqlite3":
                with contextlib.suppress(OSError):
                    yield str(path.relative_to(self.root)), path.read_bytes().decode("utf-8", "replace")


@st.composite
def hook_argvs(draw: st.DrawFn, names: Sequence[str]) -> list[str]:
    argv = ["--jobs", "1", "--format", draw(st.sampled_from(FORMATS))]
    scope = draw(st.integers(0, 3))
    if scope == 0:
        argv.append("--all-files")
    elif scope == 1 and names:
        argv += ["--", *draw(st.lists(st.sampled_from(list(names)), min_size=1, max_size=3, unique=True))]
    elif scope == 2:
        argv += ["--from-ref", draw(st.sampled_from(["HEAD", "HEAD~5", "--output=/tmp/x", "main"]))]
    extra = draw(st.integers(0, 5))
    if extra == 1:
        argv.insert(0, "--strict")
    elif extra == 2:
        argv[:0] = ["--write-baseline", ".git/ava-safety/baseline.json"]
    elif extra == 3:
        argv[:0] = ["--baseline", draw(st.sampled_from(["README.md", "missing.json", ".git/HEAD"]))]
    elif extra == 4:
        argv[:0] = ["--config", draw(st.sampled_from(["missing.yaml", "README.md", ".git"]))]
    return argv


def run_python(argv: Sequence[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, timeout=timeout, check=False)
