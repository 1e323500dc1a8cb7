"""The one masker against a corpus of secret shapes, and the messages that quote code, end to end."""

from __future__ import annotations

import json
import time

import pytest

from hooks import constitutional_compliance, deploy_config
from hooks._mask import mask, mask_url

from ._support import Repo

# (text, the secret in it, what must stay readable)
CORPUS: list[tuple[str, str, str]] = [
    # URLs: the password runs to the last `@` before the host, whatever it holds
    ("postgresql://admin:s3cr3t@db/app", "s3cr3t", "postgresql://admin:***@db/app"),
    ("postgresql://admin:Pa55w0rd@Q@db/app", "Pa55w0rd", "postgresql://admin:***@db/app"),
    ("postgresql://admin:pa/ss@db:5432/app", "pa/ss", "@db:5432/app"),
    ("postgresql://admin:pa#ss@db/app", "pa#ss", "@db/app"),
    ("postgresql://admin:pa ss@db/app", "pa ss", "@db/app"),
    ("postgresql://admin:pa'ss@db/app", "pa'ss", "@db/app"),
    ("postgresql://admin:pa:ss@db/app", "pa:ss", "@db/app"),
    ("postgresql://admin:pa?ss@db/app", "pa?ss", "@db/app"),
    ("redis://:p%40ss@cache:6379/0", "p%40ss", "redis://:***@cache:6379/0"),
    ("mongodb+srv://u:Zx9-Q@cluster0.example.net/db", "Zx9-Q", "cluster0.example.net"),
    ("DATABASE_URL='postgres://u:hunter22@/run/postgresql/db'", "hunter22", "/run/postgresql"),
    ("see amqp://guest:guestpass@rabbit:5672/ and more", "guestpass", "and more"),
    # keys that name a secret: assignments, JSON, YAML, DSNs, kwargs, headers
    ("DB_PASSWORD=hunter22", "hunter22", "DB_PASSWORD="),
    ("export API_TOKEN=abc123def", "abc123def", "export API_TOKEN="),
    ('uvicorn.run(app, ssl_keyfile_password="Pa55 w0rd\'Q")', "Pa55 w0rd", "ssl_keyfile_password="),
    ('{"password": "x y z", "user": "bob"}', "x y z", '"user": "bob"'),
    ("{'client_secret': 'cs-9f8e7d'}", "cs-9f8e7d", "client_secret"),
    ("password: hunter22", "hunter22", "password:"),
    ("  aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI", "aws_secret"),
    ("host=db user=admin password=s3cr3tpw dbname=app", "s3cr3tpw", "dbname=app"),
    ("Driver={PG};Server=db;Uid=admin;Pwd=s3cr3tpw;", "s3cr3tpw", "Server=db"),
    ("DB_PASS=s3cr3tpw", "s3cr3tpw", "DB_PASS="),
    ('{"name": "DB_PASSWORD", "value": "hunter2 x"}', "hunter2 x", '"name": "DB_PASSWORD"'),
    ("- {name: API_TOKEN, value: abcdef12}", "abcdef12", "name: API_TOKEN"),
    ("Authorization: Bearer abc.def.ghi", "abc.def.ghi", "Authorization: Bearer"),
    ('"Authorization": "Basic dXNlcjpwYXNz"', "dXNlcjpwYXNz", '"Authorization"'),
    ("curl -H 'Authorization: token 0123abcd'", "0123abcd", "curl"),
    ("curl -H 'X-Api-Key: 0123456789abcdef' https://x", "0123456789abcdef", "https://x"),
    ("headers = {'Bearer': 1}; auth = 'Bearer eyJabc.def.ghi-jklmnop'", "eyJabc.def", "headers"),
    # shapes: recognised wherever they stand
    ("key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE", "here"),
    ('f"{a} ASIAIOSFODNN7EXAMPLE"', "ASIAIOSFODNN7EXAMPLE", "{a}"),
    ("duplicate key 'ghp_0123456789abcdefghijABCDEFGHIJ012345'", "0123456789abcdefghij", "duplicate key"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "11ABCDEFG0123456789", ""),
    ("xoxb-123456789012-abcdefghijkl", "123456789012", ""),
    ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX", "hooks.slack.com"),
    ("stripe.api_key = sk_live_51H8abcdefghijkl", "51H8abcdefghijkl", "stripe"),
    ("OPENAI = 'sk-proj-abcdefghijklmnopqrstuvwxyz012345'", "abcdefghijklmnopqrst", "OPENAI"),
    ("AIzaSyA-abcdefghijklmnopqrstuvwxyz01234", "SyA-abcdefghijklmnop", ""),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "eyJzdWIiOiIx", "jwt"),
    ("-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA", "MIIEowIBAAKCAQEA", "PRIVATE KEY"),
]

UNCHANGED = [
    "CC008: postgresql URL with a literal password; read the URL from the environment",
    "secrets: untrack it and rotate it",
    "http://localhost:8000/health returned 200",
    "https://example.com/docs#section",
    "bypass=abcdef cwd=/tmp/x",
    "EV001: DB_PASSWORD is read in app.py:3 but never set",
    "the token count is 3",
    "postgresql://admin:***@db/app",
    "DB_PASSWORD=${DB_PASSWORD}",
]


@pytest.mark.parametrize(("text", "secret", "kept"), CORPUS, ids=[c[0][:40] for c in CORPUS])
def test_every_secret_shape_is_masked(text: str, secret: str, kept: str) -> None:
    masked = mask(text)
    assert secret not in masked, masked
    assert kept in masked, masked
    assert mask(masked) == masked  # masking twice (a value, then its message) changes nothing


@pytest.mark.parametrize("text", UNCHANGED)
def test_text_without_a_secret_is_left_alone(text: str) -> None:
    assert mask(text) == text


def test_webhook_urls_keep_their_host_only() -> None:
    assert mask_url("https://hooks.example.com/services/T000/B000/XXXX") == "https://hooks.example.com/***"
    assert mask_url("postgresql://u:p@ss@db/app") == "postgresql://u:***@db/app"


def test_the_masker_is_linear_on_hostile_text() -> None:
    hostile = [
        "a://b:" * 50_000,
        "password" * 50_000,
        "secret_" * 50_000 + "=",
        "x" * 300_000 + "@",
        "authorization:" + " " * 300_000,
        "token=" + "a" * 300_000,
        "-----BEGIN " + "A " * 100_000,
        "eyJ" + "a" * 300_000,
    ]
    start = time.process_time()
    for text in hostile:
        mask(text)
    assert time.process_time() - start < 5


# --- end to end: the messages that quote code ---------------------------------------------------------

CANARIES = ("Pa55", "w0rd", "AKIAIOSFODNN7EXAMPLE", "0123456789abcdefghij", "hunter22")
APP = """\
from litestar import Litestar


def send(phone_number):
    print(f"Sending advice to {phone_number} key AKIAIOSFODNN7EXAMPLE")


app = Litestar(route_handlers=[send], debug=True, ssl_keyfile_password="Pa55 w0rd'Q/x@y")
DATABASE_URL = "postgresql://admin:Pa55w0rdQ@x/y@db/app"
DB = "postgresql://admin:hunter22@db/app"
"""
APPRUNNER = """\
version: 1.0
runtime: python311
ghp_0123456789abcdefghijABCDEFGHIJ012345: 1
ghp_0123456789abcdefghijABCDEFGHIJ012345: 2
"""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_secret_a_message_quotes_reaches_any_output(
    repo: Repo, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    repo.write(
        {".ava-safety.yaml": "packs: [generic, ava-olo]\n", "app.py": APP, "apprunner.yaml": APPRUNNER}
    )
    repo.add()
    outputs = []
    for hook, files in ((constitutional_compliance, ["app.py"]), (deploy_config, ["apprunner.yaml"])):
        capsys.readouterr()
        code = hook.main(["--format", fmt, *files])
        captured = capsys.readouterr()
        assert code == 1, captured
        outputs.append(captured.out + captured.err)
    text = "\n".join(outputs)
    for rule in ("CC115", "CC121", "CC008", "DC001"):
        assert rule in text
    written = [p for p in (repo.root / ".git" / "ava-safety").rglob("*") if p.is_file()]
    assert written, "the results files were written"
    everything = text + "".join(p.read_text(encoding="utf-8", errors="replace") for p in written)
    leaked = [c for c in CANARIES if c in everything]
    assert not leaked, leaked
    if fmt == "json":
        json.loads(outputs[0])


def test_env_vars_has_no_masker_of_its_own() -> None:
    from hooks._plugins import env_vars

    assert env_vars.mask_url is mask_url
