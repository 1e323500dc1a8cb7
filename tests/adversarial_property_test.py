"""The property suite that keeps issue 8 fixed: generated and hostile input for the config loader,
the rule loader, the python pattern compiler, the deployment readers, CSS/HTML, the env extractor and
every file-level hook main. For each input: a typed error or a result (no other exception, no
internal error), an answer within a hard time bound, no traceback, exit 0, 1 or 2, no tracked file
or index entry changed, and no planted canary secret in any output format or anything written under
.git/ava-safety/.

About 11,000 inputs per run, derandomized (profile `ci`, the default) so every run and every
machine generates the same ones; `HYPOTHESIS_PROFILE=dev` draws new ones each run. The long
campaign with interrupts, git states and concurrency is bench/adversarial.py.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import _engine
from hooks._checks import CheckError, load_kinds
from hooks._config import load_config
from hooks._deployment import files as df
from hooks._errors import ConfigErrors
from hooks._glob import PathMatcher
from hooks._python.envreads import analyse, might_read
from hooks._rules import Rule, bundled_packs, load_rules
from hooks._source import RunContext, SourceFile

from ._adversarial import (
    CANARIES,
    FILE_HOOKS,
    TEXT,
    Scratch,
    config_texts,
    deadline,
    deploy_files,
    hook_argvs,
    leaked,
    python_sources,
    repo_files,
    rule_files,
)

settings.register_profile(
    "ci",
    derandomize=True,  # the same inputs on every run and machine: a failure in CI reproduces anywhere
    database=None,  # nothing written into the repository, nothing shared between xdist workers
    deadline=None,  # the hard bound below is ours; hypothesis' own deadline flakes on a busy machine
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    print_blob=True,
)
settings.register_profile("dev", parent=settings.get_profile("ci"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# bench/adversarial.py runs this suite longer (AVA_ADVERSARIAL_SCALE=10: ten times the inputs) and
# collects every hook run's exit code (AVA_ADVERSARIAL_LOG: a JSON line per run appended there)
SCALE = float(os.environ.get("AVA_ADVERSARIAL_SCALE", "1"))
RUN_LOG = os.environ.get("AVA_ADVERSARIAL_LOG")


def scaled(examples: int) -> int:
    return max(1, round(examples * SCALE))


LIBRARY_BOUND = 10.0  # seconds for one library call on one input: generous for a loaded CI machine
HOOK_BOUND = 30.0  # one hook main on one generated repository


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("adversarial")


def _no_leak(texts: list[str]) -> None:
    for text in texts:
        assert not leaked(text), f"a canary secret in {text!r}"


# --- the config loader -------------------------------------------------------------------------------


@settings(max_examples=scaled(2000))
@given(text=config_texts())
def test_config_loader_gives_a_config_or_errors_with_lines(work: Path, text: str) -> None:
    root = work / "config"
    root.mkdir(exist_ok=True)
    (root / ".ava-safety.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    with deadline(LIBRARY_BOUND, lambda: repr(text)):
        try:
            config = load_config(root)
            config.rule_files()
            config.principle_problems({"SECRETS"})
        except ConfigErrors as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.line >= 1 and problem.message.strip()
            _no_leak([str(p) for p in exc.problems])


# --- the rule loader, and the engine running what it loaded --------------------------------------------


@settings(max_examples=scaled(1500))
@given(text=rule_files(), code=python_sources())
def test_rule_loader_gives_rules_or_errors_and_the_rules_run(work: Path, text: str, code: str) -> None:
    root = work / "rules"
    root.mkdir(exist_ok=True)
    path = root / "own.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for name, content in (("a.py", code), ("b.txt", code)):
        (root / name).write_text(content, encoding="utf-8", errors="surrogatepass")
    with deadline(LIBRARY_BOUND, lambda: repr(text)):
        try:
            ruleset = load_rules(hook=None, packs=[], extra_files=[path])
        except ConfigErrors as exc:
            assert all(p.line >= 1 and p.message.strip() for p in exc.problems)
            return
        result = _engine.run(root, ["a.py", "b.txt"], ruleset.rules, jobs=1, today=date(2025, 1, 1))
    assert result.crashes == [], result.crashes


# --- the python pattern compiler ----------------------------------------------------------------------------

PATTERN_KEYS = st.sampled_from(
    ["pattern", "pattern-either", "pattern-not", "pattern-inside", "metavariable-regex"]
)


def _python_rule(checker: Any) -> Rule:
    return Rule(
        id="TS001", name="t", severity="error", principle=None, message="{X}", description="", kind="python",
        checker=checker, files=PathMatcher(["**"]), exclude=PathMatcher([]), blocking=False, weight=1.0,
        examples=(), pack="t", source="t.yaml", line=1,
    )  # fmt: skip


@settings(max_examples=scaled(2000))
@given(
    fields=st.dictionaries(
        PATTERN_KEYS,
        st.one_of(
            st.sampled_from(
                ["eval($X)", "$X.$M(...)", "print($X, ...)", "$X = $Y", "import $M", "...", "$X"]
            ),
            TEXT,
            st.lists(st.one_of(TEXT, st.sampled_from(["$X", "f($X)"])), max_size=3),
            st.dictionaries(st.sampled_from(["$X", "X", "$M"]), TEXT, max_size=2),
        ),
        max_size=4,
    ),
    code=python_sources(),
)
def test_python_patterns_compile_or_say_why_and_match_without_crashing(
    fields: dict[str, Any], code: str
) -> None:
    kind = load_kinds()["python"]
    with deadline(LIBRARY_BOUND, lambda: repr(fields)):
        try:
            checker = kind.compile(fields)
        except CheckError as exc:
            assert exc.message.strip()
            return
        source = SourceFile("a.py", code, context=RunContext(Path(".")))
        crashes: list[_engine.Crash] = []
        _engine.check_source(source, [_python_rule(checker)], {}, date(2025, 1, 1), crashes=crashes)
    assert crashes == [], crashes


# --- the deployment readers ---------------------------------------------------------------------------------

KINDS = [None, "apprunner", "taskdef", "compose", "dockerfile", "procfile", "dotenv", "workflow", "rules"]


@settings(max_examples=scaled(2500))
@given(named=deploy_files(), raw=TEXT, kind=st.sampled_from(KINDS))
def test_deployment_readers_read_or_report_a_parse_error(
    named: tuple[str, str], raw: str, kind: str | None
) -> None:
    name, text = named
    with deadline(LIBRARY_BOUND, lambda: repr((name, text))):
        for path, body in ((name, text), (name, raw)):
            doc = df.parse(path, body, kind if kind is not None else df.classify(path))
            assert doc.error is None or (doc.error.line >= 1 and doc.error.message)
            _no_leak([doc.error.message] if doc.error else [])
            data = doc.usable
            df.apprunner_env(data)
            df.taskdef_env(data)
            df.compose_env(data)
            df.compose_env_files(data)
            df.workflow_steps(data)
            df.workflow_triggers(data)
            instructions = df.parse_dockerfile(body)
            df.dockerfile_env_entries(instructions)
            for instr in instructions:
                df.copy_operands(instr)
                df.dockerfile_env(instr)
                df.parse_image(instr.args)
            df.dotenv_entries(body)
            df.parse_procfile(body)
            df.shell_commands(body)
            df.expand(body, {"A": "x"}, shell=True)
            df.substitute(body, {"A": "x", "B": None})
            df.env_references(body)
            df.is_reference(body)
            df.sniff_kind(path, body)
            ignored = df.parse_dockerignore("", body)  # any text, any path: an answer, never a crash
            ignored.excludes(path)
            ignored.excludes(raw[:200])


# --- CSS and HTML, through the design rules that read them --------------------------------------------------

DESIGN_NAMES = st.sampled_from(
    ["static/app.css", "templates/page.html", "templates/page.jinja2", "app/views.py"]
)


@pytest.fixture(scope="module")
def design_rules() -> list[Rule]:
    return load_rules(hook="design-rules", packs=bundled_packs()).rules


@settings(max_examples=scaled(800))
@given(name=DESIGN_NAMES, named=deploy_files(), noise=st.lists(TEXT, max_size=6))
def test_css_and_html_are_read_without_crashing(
    work: Path, design_rules: list[Rule], name: str, named: tuple[str, str], noise: list[str]
) -> None:
    root = work / "web"
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    text = named[1] + "".join(noise)
    if name.endswith(".py"):
        text = f"PAGE = '''{text}'''\n"
    (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    with deadline(LIBRARY_BOUND, lambda: repr(text)):
        result = _engine.run(root, [name], design_rules, jobs=1, repo_files=frozenset({name}))
    assert result.crashes == [], result.crashes
    _no_leak([f.message for f in result.findings])


# --- the env extractor --------------------------------------------------------------------------------------


@settings(max_examples=scaled(1500))
@given(code=python_sources())
def test_env_extractor_reads_or_says_the_file_does_not_parse(code: str) -> None:
    with deadline(LIBRARY_BOUND, lambda: repr(code)):
        might_read(code)
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        env = analyse(code, "app/settings.py", tree=tree)
    for read in env.reads:
        assert read.line >= 1


# --- every file-level hook, run as pre-commit runs it, on generated repositories ----------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    saved = {k: v for k, v in os.environ.items() if k.startswith(("GIT_", "PRE_COMMIT_"))}
    for key in saved:
        del os.environ[key]
    try:
        yield Scratch(tmp_path_factory.mktemp("scratch"))
    finally:
        os.environ.update(saved)


@settings(max_examples=scaled(300))
@given(
    data=st.data(), files=repo_files(), hook=st.sampled_from(FILE_HOOKS), config=st.none() | config_texts()
)
def test_hook_mains_exit_0_1_or_2_without_traceback_leak_or_change(
    scratch: Scratch, data: st.DataObject, files: dict[str, str | bytes], hook: str, config: str | None
) -> None:
    scratch.reset()
    names = scratch.place(files, config=config)
    argv = data.draw(hook_argvs(names))
    run = scratch.run(hook, argv, files, bound=HOOK_BOUND)
    internal = [line for line in run.err.splitlines() if "internal error" in line]
    if RUN_LOG:
        entry = {"hook": hook, "argv": argv, "code": run.code, "problems": run.problems + internal}
        with open(RUN_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
    assert not run.problems + internal, f"{run.describe()}: {run.problems + internal}\n{run.out}\n{run.err}"


def test_the_canaries_are_planted_where_the_hooks_look(tmp_path: Path) -> None:
    """The suite proves something only if the hooks see the secrets: each canary is reported (masked)."""
    scratch = Scratch(tmp_path)
    files = {
        "app/settings.py": f'password = "{CANARIES[2]}"\nDATABASE_URL = "postgresql://admin:{CANARIES[0]}@db/app"\n'
        f'AWS_ACCESS_KEY_ID = "{CANARIES[1]}"\n',
    }
    scratch.place(files)
    run = scratch.run("constitutional-compliance", ["--all-files", "--jobs", "1"], files, bound=HOOK_BOUND)
    assert run.code == 1 and run.problems == [], (run.problems, run.out, run.err)
    assert len([line for line in run.out.splitlines() if line.startswith("app/settings.py:")]) >= 3
