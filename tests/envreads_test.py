"""Finding the environment variables code reads: the shapes of a read, required or optional, positions."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from hooks._mask import mask_url
from hooks._plugins.env_vars import is_alias, placeholder
from hooks._python.envreads import Wrapper, analyse, might_read
from hooks._rules import bundled_packs, load_rules

Expected = list[tuple[str, bool, str, int, int]]  # (name, required, detail, line, col)

CASES: list[Any] = [
    pytest.param('import os\nA = os.environ["A"]\n', [("A", True, 'os.environ["A"]', 2, 5)], id="subscript"),
    pytest.param(
        'import os\nA = os.environ.get("A")\nB = os.environ.get("B", "x")\n'
        'C = os.getenv("C", default=None)\n',
        [
            ("A", False, 'os.environ.get("A")', 2, 5),  # may be None: EV008's
            ("B", False, 'os.environ.get("B")', 3, 5),
            ("C", False, 'os.getenv("C")', 4, 5),
        ],
        id="get-and-getenv",
    ),  # fmt: skip
    pytest.param(
        'from os import environ as E, getenv as g\nA = E["A"]\nB = g("B")\n',
        [("A", True, 'os.environ["A"]', 2, 5), ("B", False, 'os.getenv("B")', 3, 5)],
        id="from-import-aliases",
    ),
    pytest.param(
        'import os as o\nenv = o.environ\nget = env.get\nA = env["A"]\nB = get("B")\n',
        [("A", True, 'os.environ["A"]', 4, 5), ("B", False, 'os.environ.get("B")', 5, 5)],
        id="aliases-by-assignment",
    ),
    pytest.param(
        'import os\nif os.getenv("CI"):\n    pass\nA = os.getenv("A") or "x"\nB = os.getenv("B") == "1"\n'
        'C = not os.getenv("C")\nD = bool(os.getenv("D"))\nE = "E" in os.environ\n',
        [
            ("CI", False, 'os.getenv("CI")', 2, 4),
            ("A", False, 'os.getenv("A")', 4, 5),
            ("B", False, 'os.getenv("B")', 5, 5),
            ("C", False, 'os.getenv("C")', 6, 9),
            ("D", False, 'os.getenv("D")', 7, 10),
            ("E", False, '"E" in os.environ', 8, 5),
        ],
        id="only-tested-is-optional",
    ),  # fmt: skip
    pytest.param(
        'import os\nDSN = os.getenv("SENTRY_DSN")\nif DSN:\n    pass\nURL = os.getenv("URL")\n'
        'KEY = os.environ["KEY"]\nif not KEY:\n    pass\n',
        [
            ("SENTRY_DSN", False, 'os.getenv("SENTRY_DSN")', 2, 7),
            ("URL", False, 'os.getenv("URL")', 5, 7),
            ("KEY", True, 'os.environ["KEY"]', 6, 7),
        ],
        id="a-name-tested-later-makes-a-getter-optional",
    ),  # fmt: skip
    pytest.param(
        "from decouple import config\nif config('DEBUG'):\n    pass\nX = config('X')\nif X:\n    pass\n",
        [("DEBUG", True, 'config("DEBUG")', 2, 4), ("X", True, 'config("X")', 4, 5)],
        id="decouple-raises-even-when-tested",
    ),
    pytest.param(
        'import os\ntry:\n    A = os.environ["A"]\nexcept (KeyError, ValueError):\n    A = None\n'
        'if "B" in os.environ:\n    B = os.environ["B"]\n'
        'try:\n    C = os.environ["C"]\nexcept ValueError:\n    pass\n',
        [
            ("A", False, 'os.environ["A"]', 3, 9),
            ("B", False, '"B" in os.environ', 6, 4),
            ("B", False, 'os.environ["B"]', 7, 9),
            ("C", True, 'os.environ["C"]', 9, 9),
        ],
        id="guarded-subscripts",
    ),  # fmt: skip
    pytest.param(
        'import os\nA = "A" in os.environ and os.environ["A"]\n'
        'B = os.environ["B"] if "B" in os.environ else 0\nC = os.environ["C"] and "C" in os.environ\n',
        [
            ("A", False, '"A" in os.environ', 2, 5),
            ("A", False, 'os.environ["A"]', 2, 27),
            ("B", False, 'os.environ["B"]', 3, 5),
            ("B", False, '"B" in os.environ', 3, 24),
            ("C", True, 'os.environ["C"]', 4, 5),
            ("C", False, '"C" in os.environ', 4, 25),
        ],
        id="guarded-by-and-or-a-conditional",
    ),  # fmt: skip
    pytest.param(
        'import os\nos.environ["W"] = "1"\ndel os.environ["D"]\nos.environ.setdefault("S", "1")\n'
        'a, os.environ["T"] = 1, 2\n',
        [],
        id="writes-are-not-reads",
    ),
    pytest.param(
        'from os import environ\n\ndef app(environ, start_response):\n    return environ["PATH_INFO"]\n',
        [],
        id="a-parameter-shadows-the-import",
    ),
    pytest.param(
        'import os\nKEY = "A"\nA = os.environ[KEY]\nB = os.environ[f"{KEY}_B"]\n',
        [],
        id="computed-names-are-not-guessed",
    ),
    pytest.param(
        "from decouple import config, AutoConfig\ncfg = AutoConfig()\nA = config('A')\n"
        "B = config('B', default='x')\nC = config('C', cast=bool)\nD = cfg('D')\n",
        [
            ("A", True, 'config("A")', 3, 5),
            ("B", False, 'config("B")', 4, 5),
            ("C", True, 'config("C")', 5, 5),
            ("D", True, 'cfg("D")', 6, 5),
        ],
        id="decouple",
    ),  # fmt: skip
    pytest.param(
        'import environ\nenv = environ.Env(DEBUG=(bool, False), HOSTS=(list,))\nA = env("DEBUG")\n'
        'B = env("HOSTS")\nC = env.str("C", "x")\nD = env.list("D", str)\nE = env.list("E", str, [])\n'
        'F = env.db()\nG = env.cache_url(default="locmem://")\n',
        [
            ("DEBUG", False, 'env("DEBUG")', 3, 5),
            ("HOSTS", True, 'env("HOSTS")', 4, 5),
            ("C", False, 'env.str("C")', 5, 5),
            ("D", True, 'env.list("D")', 6, 5),
            ("E", False, 'env.list("E")', 7, 5),
            ("DATABASE_URL", True, 'env.db("DATABASE_URL")', 8, 5),
            ("CACHE_URL", False, 'env.cache_url("CACHE_URL")', 9, 5),
        ],
        id="django-environ",
    ),  # fmt: skip
    pytest.param(
        "from typing import ClassVar, Optional\nfrom pydantic import BaseSettings, Field\n\n"
        "class Old(BaseSettings):\n    a: Optional[str]\n    b: str = Field(..., env='OLD_B')\n"
        "    c: ClassVar[int] = 1\n    d: str = Field(None, env=['D1', 'D2'])\n\n"
        "    class Config:\n        env_prefix = 'OLD_'\n",
        [("OLD_A", False, "Old.a", 5, 5), ("OLD_B", True, "Old.b", 6, 5), ("D1", False, "Old.d", 8, 5)],
        id="pydantic-v1",
    ),
    pytest.param(
        "from pydantic import AliasChoices, BaseModel, Field\nfrom pydantic_settings import BaseSettings\n\n"
        "class Db(BaseModel):\n    host: str\n\nclass S(BaseSettings):\n"
        "    model_config = {'env_prefix': 'svc_', 'case_sensitive': True}\n"
        "    db: Db\n    url: str | None\n"
        "    region: str = Field(validation_alias=AliasChoices('R1', 'R2'))\n"
        "    _private: str = 'x'\n    made: list = Field(default_factory=list)\n\n"
        "class T(S):\n    extra: int\n",
        [
            ("svc_url", True, "S.url", 10, 5),
            ("R1", True, "S.region", 11, 5),
            ("svc_made", False, "S.made", 13, 5),
            ("svc_extra", True, "T.extra", 16, 5),
        ],
        id="pydantic-v2",
    ),  # fmt: skip
    pytest.param(
        "import os\n\n\ndef require(name):\n    return os.environ[name]\n\n\n"
        "def optional(name, default=None):\n    return os.getenv(name, default)\n\n\n"
        'A = require("A")\nB = optional("B")\nC = optional(name="C")\n',
        [
            ("A", True, 'require("A")', 12, 5),
            ("B", False, 'optional("B")', 13, 5),
            ("C", False, 'optional("C")', 14, 5),
        ],
        id="wrappers-in-the-same-file",
    ),  # fmt: skip
    pytest.param(
        'import os\nA = os.getenv(*names)\nB = os.getenv("B", *rest)\n',
        [("B", False, 'os.getenv("B")', 3, 5)],
        id="star-arguments",
    ),
    pytest.param(
        'from os import environ\nimport os\ntry:\n    A = os.environ["A"]\nexcept:\n    pass\n'
        'f = lambda environ: environ["PATH_INFO"]\nB = "B" in other\n',
        [("A", False, 'os.environ["A"]', 4, 9)],
        id="bare-except-lambda-parameter-other-container",
    ),
    pytest.param(
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n"
        "class S(BaseSettings):\n"
        "    model_config: SettingsConfigDict = SettingsConfigDict(env_prefix='APP_')\n"
        "    hosts: list[str]\n\nclass T(BaseSettings):\n"
        "    model_config: SettingsConfigDict\n    port: int\n\n"
        "class U(BaseSettings):\n    model_config = SHARED_CONFIG\n    name: str\n",
        [
            ("APP_HOSTS", True, "S.hosts", 5, 5),
            ("PORT", True, "T.port", 9, 5),
            ("NAME", True, "U.name", 13, 5),
        ],
        id="settings-config-annotated-absent-or-computed",
    ),
    pytest.param(
        "import environ\nfrom decouple import AutoConfig\nenv = environ.Env()\nconfig = AutoConfig()\n"
        'A = env.unknown("A")\nB = config.get("B")\nC = env.str("C")\n',
        [("C", True, 'env.str("C")', 7, 5)],
        id="instance-methods-that-are-not-reads",
    ),
    pytest.param(
        'import os\nx = "café"; A = os.environ["A"]\n',
        [("A", True, 'os.environ["A"]', 2, 17)],
        id="columns-count-characters",
    ),
]


@pytest.mark.parametrize(("code", "expected"), CASES)
def test_finds_reads_required_or_optional_at_their_position(code: str, expected: Expected) -> None:
    env = analyse(code, "app/settings.py")
    assert [(r.name, r.required, r.detail, r.line, r.col) for r in env.reads] == expected


def test_a_wrapper_in_another_module_is_resolved_through_imports() -> None:
    helper = analyse("import os\n\ndef require(name):\n    return os.environ[name]\n", "src/app/env.py")
    assert helper.wrappers == {"app.env.require": Wrapper("name", 0, True)}
    user = "from .env import require as need\nimport app.env\nA = need('A')\nB = app.env.require('B')\n"
    env = analyse(user, "src/app/main.py", wrappers=helper.wrappers)
    assert [(r.name, r.required, r.detail) for r in env.reads] == [
        ("A", True, 'require("A")'),
        ("B", True, 'require("B")'),
    ]


def test_every_python_example_of_the_env_vars_rules_parses() -> None:
    # a plugin's example that does not parse would pass (or fail) for the wrong reason
    for rule in load_rules(hook="env-vars", packs=bundled_packs()).rules:
        for example in rule.examples:
            for path, text in [(example.path or "app/example.py", example.code), *example.files.items()]:
                if path.endswith(".py") and rule.applies_to(path) or path.endswith(".py"):
                    ast.parse(text, filename=f"{rule.id}:{path}")


def test_reads_after_a_parenthesized_annotated_name() -> None:
    # valid Python that libcst 1.x rejected: the old libcst front end fell back here
    code = 'import os\n(limit): int = 10\nURL = os.environ["DATABASE_URL"]\n'
    env = analyse(code, "app/db.py")
    assert [(r.name, r.line, r.col) for r in env.reads] == [("DATABASE_URL", 3, 7)]


def test_a_file_that_does_not_parse_raises_unless_its_tree_is_given() -> None:
    with pytest.raises(SyntaxError):
        analyse("def (:\n", "app/x.py")


def test_columns_come_from_the_given_converter() -> None:
    env = analyse('import os\nA = os.environ["A"]\n', "app/x.py", char_col=lambda line, offset: 100 + offset)
    assert [(r.line, r.col) for r in env.reads] == [(2, 104)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('os.environ["A"]', True, id="subscript"),
        pytest.param("os.environ.get('A')", True, id="get"),
        pytest.param("from os import environ\n", True, id="import"),
        pytest.param("env = os.environ\n", True, id="alias"),
        pytest.param("x = 'A' in os.environ\n", True, id="in"),
        pytest.param("x = getenv('A')", True, id="getenv"),
        pytest.param("class S(BaseSettings): ...", True, id="settings"),
        pytest.param("subprocess.run(cmd, env=os.environ.copy())\n", False, id="copy-only"),
        pytest.param("# the environ of a WSGI app\n", False, id="word-only"),
        pytest.param("x = 1\n", False, id="nothing"),
    ],
)
def test_prefilter(text: str, expected: bool) -> None:
    assert might_read(text) is expected


def test_prefilter_admits_calls_of_known_wrappers() -> None:
    assert might_read("TOKEN = require('T')\n", ["require"])
    assert not might_read("requirements = 1\n", ["require"])


SYNONYMS = {"DATABASE": "DB", "DB": "DB", "PASS": "PASSWORD", "PASSWORD": "PASSWORD"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param("OPENWEATHER_API_KEY", "WEATHER_API_KEY", True, id="contained-word"),
        pytest.param("OPEN_WEATHER_API_KEY", "OPENWEATHER_API_KEY", True, id="underscores"),
        pytest.param("DB_PASSWORD", "DATABASE_PASS", True, id="synonyms"),
        pytest.param("DATABASE_URL", "TEST_DATABASE_URL", False, id="own-word"),
        pytest.param("GOOGLE_API_KEY", "GOOGLE_MAPS_API_KEY", False, id="added-word"),
        pytest.param("MONGODB_URL", "DB_URL", False, id="too-short-to-contain"),
        pytest.param("API_KEY", "API_KEY", False, id="same-name"),
        pytest.param("REDIS_URL", "SENTRY_DSN", False, id="unrelated"),
    ],
)
def test_is_alias(a: str, b: str, expected: bool) -> None:
    assert is_alias(a, b, SYNONYMS) is expected
    assert is_alias(b, a, SYNONYMS) is expected


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("postgresql://admin:s3cr3t@db/app", "postgresql://admin:***@db/app"),
        ("redis://:p%40ss@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgresql://admin:Pa55w0rd@Q@db/app", "postgresql://admin:***@db/app"),
        ("postgres://u:p/w#x y@/run/db", "postgres://u:***@/run/db"),
    ],
)
def test_mask_url(value: str, masked: str) -> None:
    assert mask_url(value) == masked


def test_placeholder_labels_come_from_the_rule_options() -> None:
    options = {"placeholders": {"your-…": "^your[-_]", "TODO": r"^todo\b"}}
    assert placeholder("your_token", options) == "your-…"
    assert placeholder("TODO: ask ops", options) == "TODO"
    assert placeholder("Your Company", options) is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param('import os\nKEY = os.getenv("KEY")\n', "maybe", id="used-value"),
        pytest.param(
            'import os\nKEY = os.getenv("KEY")\nif not KEY:\n    raise RuntimeError("KEY")\n',
            "required",
            id="raised-on",
        ),  # fmt: skip
        pytest.param(
            'import os, sys\nKEY = os.getenv("KEY")\nif KEY is None or not KEY:\n    sys.exit(1)\n',
            "required",
            id="exits-on",
        ),  # fmt: skip
        pytest.param(
            'import os\nKEY = os.getenv("KEY")\nif not KEY:\n    print("no key")\n',
            "optional",
            id="tested-only",
        ),  # fmt: skip
        pytest.param('import os\nif FLAGS.sms:\n    KEY = os.getenv("KEY")\n', "optional", id="feature-flag"),
        pytest.param('import os\nDIAG = {"key": os.environ.get("KEY")}\n', "maybe", id="diagnostics"),
        pytest.param('import os\nKEY = os.environ["KEY"]\n', "required", id="subscript"),
        pytest.param('import os\nPORT = int(os.getenv("KEY"))\n', "required", id="int-of-none"),
        pytest.param('import os\nHOSTS = os.getenv("KEY").split(",")\n', "required", id="method-of-none"),
        pytest.param('import os\nURL = os.environ.get("KEY") + "/api"\n', "required", id="arithmetic"),
        pytest.param('import os\nFIRST = os.getenv("KEY")[0]\n', "required", id="item-of-none"),
        pytest.param(
            'import os\nfrom pathlib import Path\nKEY = os.getenv("KEY")\nROOT = Path(KEY)\n',
            "required",
            id="through-its-name",
        ),  # fmt: skip
        pytest.param('import os\nMSG = "key %s" % os.getenv("KEY")\n', "maybe", id="formatted"),
        pytest.param("import os\nMSG = f\"key {os.getenv('KEY')}\"\n", "maybe", id="f-string"),
        pytest.param('import os\nLABEL = str(os.getenv("KEY"))\n', "maybe", id="str-of-none"),
        pytest.param(
            'import os\ndef port():\n    return int(os.getenv("KEY"))\n', "maybe", id="in-a-function"
        ),
        pytest.param(
            'import os\nclass S:\n    def port(self):\n        return int(os.getenv("KEY"))\n',
            "maybe",
            id="in-a-method",
        ),  # fmt: skip
        pytest.param(
            'import os\nKEY = os.getenv("KEY")\ndef port():\n    return int(KEY)\n',
            "maybe",
            id="name-used-in-a-function",
        ),  # fmt: skip
        pytest.param('import os\nif FLAG:\n    PORT = int(os.getenv("KEY"))\n', "optional", id="flagged"),
        pytest.param(
            'import os\nURL = os.getenv("KEY")\nURL = URL or "http://x"\nBASE = URL.rstrip("/")\n',
            "optional",
            id="given-a-default-before-use",
        ),  # fmt: skip
        pytest.param(
            'import os\nURL = os.getenv("KEY")\nURL = load()\nBASE = URL.rstrip("/")\n',
            "maybe",
            id="rebound-before-use",
        ),  # fmt: skip
        pytest.param(
            'import os\nKEY = os.getenv("KEY")\nif KEY:\n    HOSTS = KEY.split(",")\n',
            "optional",
            id="used-when-set",
        ),  # fmt: skip
        pytest.param(
            'import os\ntry:\n    PORT = int(os.getenv("KEY"))\nexcept Exception:\n    PORT = 80\n',
            "maybe",
            id="caught",
        ),  # fmt: skip
    ],
)
def test_a_getter_without_default_is_required_only_when_the_code_fails_on_none(
    code: str, expected: str
) -> None:
    (read,) = analyse(code, "app/settings.py").reads
    strength = "required" if read.required else "maybe" if read.may_be_none else "optional"
    assert strength == expected
