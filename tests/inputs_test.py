"""Which files the hooks read and how (issue 8, inputs): text that looks binary, files that cannot or
must not be read, names git or argparse could take for options, staged and sparse content, and an
interrupt that stops a run at once. Real files, FIFOs, symlinks and git repositories throughout."""

from __future__ import annotations

import codecs
import os
import py_compile
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hooks._read import Unread, read_file
from hooks._source import decode

from ._support import HookRun, Repo, ctrl_c_reaches, pack_text

Run = Callable[..., HookRun]
ROOT = Path(__file__).resolve().parent.parent
KEY = "AKIA" + "Z7QW3EXAMPLE4KEY"  # the shape of an AWS access key id (not a real one)
SECRET = {
    "id": "TS001",
    "check": "regex",
    "pattern": "AKIA[0-9A-Z]{16}",
    "message": "access key",
    "examples": {"pass": ["x = 1\n"], "fail": [f"k = {KEY}\n"]},
}
EVAL = {"id": "TS009", "check": "python", "pattern": "eval($X)", "message": "eval"}
BYTECODE = {
    "id": "TS017",
    "check": "files",
    "path": ["__pycache__/", "*.py[co]"],
    "must": "not-exist",
    "message": "{path} is bytecode",
    "examples": {"pass": [{"code": "x = 1\n", "path": "a.py"}], "fail": [{"code": "", "path": "a.pyc"}]},
}


def hook(repo: Repo, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """constitutional-compliance as its own process: a test of something that could block must not
    block the test run."""
    return subprocess.run(
        [sys.executable, "-m", "hooks.constitutional_compliance", "--no-results", *args],
        cwd=repo.root, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def codes(result: HookRun) -> list[str]:
    return [line.split(" ", 2)[1] for line in result.out if line.split(" ", 2)[0].count(":") == 3]


# --- text that looks binary ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(codecs.BOM_UTF16_LE + "eval(x)\n".encode("utf-16-le"), id="utf16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + "eval(x)\n".encode("utf-16-be"), id="utf16-be-bom"),
        pytest.param("eval(x)\nprint('a longer line')\n".encode("utf-16-le"), id="utf16-le-no-bom"),
        pytest.param(codecs.BOM_UTF32_LE + "eval(x)\n".encode("utf-32-le"), id="utf32-le-bom"),
    ],
)
def test_utf16_and_utf32_are_decoded(raw: bytes) -> None:
    decoded = decode("a.py", raw)
    assert decoded is not None and decoded.wide
    assert decoded.text.startswith("eval(x)\n")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\xf4", id="png"),
        pytest.param(b"SQLite format 3\0" + b"\x10\0\x01\x01" + b"\0" * 60, id="sqlite"),
        pytest.param(b"\0" * 4096, id="all-nul"),
        pytest.param(b"PK\x03\x04\x14\0\0\0\x08\0" + bytes(range(256)), id="zip"),
    ],
)
def test_binary_files_are_binary(raw: bytes) -> None:
    assert decode("x.bin", raw) is None


def test_bytecode_is_binary_and_still_seen_by_path_rules(repo: Repo, run_hook: Run, tmp_path: Path) -> None:
    repo.use_pack(EVAL, BYTECODE)
    (repo.root / "app").mkdir()
    (repo.root / "app" / "main.py").write_text("x = 1\n", encoding="utf-8")
    py_compile.compile(str(repo.root / "app" / "main.py"), cfile=str(repo.root / "app/__pycache__/main.pyc"))
    assert decode("app/__pycache__/main.pyc", (repo.root / "app/__pycache__/main.pyc").read_bytes()) is None
    repo.add("app")
    result = run_hook()
    assert "app/__pycache__/main.pyc:1:1: TS017 [error] app/__pycache__/main.pyc is bytecode" in result.out
    assert result.code == 1


def test_a_stray_nul_does_not_hide_a_secret(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(SECRET)
    repo.write({"apprunner.yaml": f"run:\n  env:\n    - name: KEY\n      value: {KEY}\0\n".encode()})
    repo.add("apprunner.yaml")
    result = run_hook()
    assert codes(result) == ["TS001", "AS007"]
    assert result.code == 1


def test_utf16_python_is_checked_and_reported_as_not_importable(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(SECRET, EVAL)
    text = f"key = '{KEY}'\neval(key)\n"
    repo.write(
        {"ps.py": codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "nobom.py": text.encode("utf-16-le")}
    )
    repo.add("ps.py", "nobom.py")
    result = run_hook()
    assert result.out[:6] == [
        "nobom.py:1:1: AS006 [error] encoded as UTF-16, not UTF-8: Python cannot import it; save it as UTF-8",
        "nobom.py:1:8: TS001 [error] access key",
        "nobom.py:2:1: TS009 [error] eval",
        "ps.py:1:1: AS006 [error] encoded as UTF-16, not UTF-8: Python cannot import it; save it as UTF-8",
        "ps.py:1:8: TS001 [error] access key",
        "ps.py:2:1: TS009 [error] eval",
    ]
    assert result.code == 1


def test_unparseable_nesting_is_a_parse_failure_not_a_crash(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    # ast.parse raises MemoryError (not SyntaxError) on these; CPython cannot compile them either
    deep = {"deep.py": "eval(x)\nx = " + "-" * 100_000 + "1\n", "words.py": "eval(x)\n" + "x " * 5000 + "\n"}
    repo.write({**deep, "ok.py": "eval(y)\n"})
    repo.add("deep.py", "words.py", "ok.py")
    result = run_hook()
    assert result.out[:3] == [
        "deep.py:1:1: AS005 [warning] cannot parse: too deeply "
        "nested to compile; Python rules skipped for this file",
        "ok.py:1:1: TS009 [error] eval",
        "words.py:1:1: AS005 [warning] cannot parse: too deeply "
        "nested to compile; Python rules skipped for this file",
    ]
    assert result.code == 1
    assert result.err == []


# --- files that cannot or must not be read -------------------------------------------------------------


def test_a_file_over_the_size_limit_is_skipped_with_a_warning(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL, SECRET, config="max_file_size: 1 KB\n")
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 10
    repo.write({"big.py": "eval(x)\n" + "x = 1\n" * 400, "small.py": "y = 1\n", "big.png": png})
    repo.add("big.py", "small.py", "big.png")
    result = run_hook()
    assert [line for line in result.out if "AS009" in line] == [
        result.out[0]
    ]  # a binary one needs no warning
    assert result.out[0] == (
        "big.py:1:1: AS009 [warning] not checked: 2.4 KB, over the size limit of 1 KB "
        "(max_file_size in .ava-safety.yaml)"
    )
    assert result.code == 0  # a warning: the run says what it did not check, it does not block


@pytest.mark.parametrize("value", ["lots", "-5", "0", "true", "[1]"])
def test_a_bad_max_file_size_is_a_config_error(repo: Repo, run_hook: Run, value: str) -> None:
    repo.use_pack(EVAL, config=f"max_file_size: {value}\n")
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[0].startswith(".ava-safety.yaml:4: 'max_file_size' must be a size such as 5 MB")


def test_a_fifo_is_never_opened(repo: Repo, tmp_path: Path) -> None:
    repo.use_pack(EVAL)
    os.mkfifo(repo.root / "pipe.py")
    (tmp_path / "pipe.yaml").unlink(missing_ok=True)
    os.mkfifo(tmp_path / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.json")
    named = hook(repo, "pipe.py", timeout=20)
    assert (
        named.stdout.splitlines()[0] == "pipe.py:1:1: AS010 [warning] not checked: a FIFO, not a regular file"
    )
    assert named.returncode == 0
    config = hook(repo, "--all-files", "--config", str(tmp_path / "pipe.yaml"), timeout=20)
    assert config.returncode == 2
    assert "cannot read: a FIFO, not a regular file" in config.stderr
    baseline = hook(repo, "--all-files", "--baseline", str(tmp_path / "pipe.json"), timeout=20)
    assert baseline.returncode == 2
    assert "cannot read the baseline: a FIFO, not a regular file" in baseline.stderr


def test_a_character_device_is_never_read(tmp_path: Path) -> None:
    started = time.monotonic()
    assert read_file(Path("/dev/zero"), 1024) == Unread("special", "a character device, not a regular file")
    (tmp_path / "zero").symlink_to("/dev/zero")
    assert read_file(tmp_path / "zero", 1024, inside=tmp_path.resolve()) == Unread(
        "link", "a symlink to a path outside the repository"
    )
    assert time.monotonic() - started < 1


def test_a_tracked_symlink_is_a_link_not_its_target(repo: Repo, run_hook: Run, tmp_path: Path) -> None:
    repo.use_pack(SECRET, BYTECODE)
    outside = tmp_path / "environ"
    outside.write_text(f"AWS_ACCESS_KEY_ID={KEY}\n", encoding="utf-8")
    (repo.root / "leak.txt").symlink_to(outside)
    (repo.root / "zero.txt").symlink_to("/dev/zero")
    (repo.root / "real.txt").write_text(f"k = {KEY}\n", encoding="utf-8")
    (repo.root / "inside.txt").symlink_to("real.txt")
    (repo.root / "cache.pyc").symlink_to("real.txt")
    repo.add("leak.txt", "zero.txt", "real.txt", "inside.txt", "cache.pyc")
    result = run_hook()
    # the target inside the repository is checked as itself; a link is checked by its path alone
    assert result.out[:2] == [
        "cache.pyc:1:1: TS017 [error] cache.pyc is bytecode",
        "real.txt:1:5: TS001 [error] access key",
    ]
    assert KEY not in "\n".join(result.out + result.err)[60:]


def test_a_dangling_or_looping_config_link_is_an_error_not_defaults(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    (repo.root / ".ava-safety.yaml").unlink()
    (repo.root / ".ava-safety.yaml").symlink_to("gone.yaml")
    result = run_hook("--all-files", "--no-results")
    assert (result.code, result.err[0]) == (2, ".ava-safety.yaml:1: cannot read: a dangling symlink")
    (repo.root / ".ava-safety.yaml").unlink()
    (repo.root / ".ava-safety.yaml").symlink_to(".ava-safety.yaml")
    result = run_hook("--all-files", "--no-results")
    assert (result.code, result.err[0]) == (2, ".ava-safety.yaml:1: cannot read: a symlink loop")
    (repo.root / "other.yaml").symlink_to("other.yaml")
    result = run_hook("--all-files", "--no-results", "--config", "other.yaml")
    assert (result.code, result.err[0]) == (2, "other.yaml:1: cannot read: a symlink loop")


def test_config_and_baseline_are_read_with_a_size_bound(
    repo: Repo, run_hook: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hooks import _baseline, _yaml

    repo.use_pack(EVAL)
    repo.write({"base.json": '{"version": 1, "findings": {}}' + " " * 200})
    monkeypatch.setattr(_baseline, "MAX_SIZE", 100)
    result = run_hook("--all-files", "--no-results", "--baseline", "base.json")
    assert result.code == 2
    assert result.err[-1].endswith("cannot read the baseline: 230 bytes, over the size limit of 100 bytes")
    monkeypatch.setattr(_yaml, "MAX_YAML_SIZE", 50)
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert result.err[0].startswith(".ava-safety.yaml:1: cannot read: ")
    assert result.err[0].endswith("over the size limit of 50 bytes")


def test_an_unreadable_file_is_an_error_with_its_path(repo: Repo) -> None:
    repo.use_pack(EVAL)
    repo.write({"secret.py": "eval(x)\n", "ok.py": "y = 1\n"})
    repo.add("secret.py", "ok.py")
    (repo.root / "secret.py").chmod(0)
    command = [sys.executable, "-m", "hooks.constitutional_compliance", "--no-results", "--all-files"]
    if os.geteuid() == 0:  # root reads a mode-000 file: run without the capabilities that let it
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv cannot be refused a read")
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    proc = subprocess.run(command, cwd=repo.root, capture_output=True, text=True, timeout=60, check=False)
    assert proc.stdout.splitlines()[0] == (
        "secret.py:1:1: AS008 [error] cannot read this file (Permission denied); it was not checked"
    )
    assert proc.returncode == 1


def test_a_symlink_loop_or_a_name_too_long_is_a_usage_error(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    (repo.root / "loop.py").symlink_to("loop.py")
    result = run_hook("loop.py", "--no-results")
    assert (result.code, result.err) == (
        2,
        ["constitutional-compliance: loop.py: a symlink loop; remove the link or name another file"],
    )
    long = "x" * 300 + ".py"
    result = run_hook(long, "--no-results")
    assert result.code == 2 and result.err[0].startswith("constitutional-compliance: ")


def test_deployment_names_too_long_for_the_file_system_are_missing_not_a_crash(repo: Repo) -> None:
    from hooks import deploy_config

    long = "d" * 300
    repo.write(
        {
            "Dockerfile": (
                f"FROM python:3.12\nCOPY {long}/ /app/\nCOPY {long}*.txt /app/\nCMD python {long}.py\n"
            ),
            "Procfile": f"web: python {long}.py\n",
            "apprunner.yaml": f"version: 1.0\nruntime: python3\nrun:\n  command: python {long}.py\n",
        }
    )
    repo.add("Dockerfile", "Procfile", "apprunner.yaml")
    proc = subprocess.run(
        [sys.executable, "-m", "hooks.deploy_config", "--all-files", "--no-results"],
        cwd=repo.root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert deploy_config  # the hook under test


# --- which files a run covers ------------------------------------------------------------------------------


def test_a_named_directory_means_the_tracked_files_under_it(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({"app/a.py": "eval(a)\n", "app/sub/b.py": "eval(b)\n", "app/untracked.py": "eval(u)\n"})
    repo.write({"other.py": "eval(o)\n"})
    repo.add("app/a.py", "app/sub/b.py", "other.py")
    result = run_hook("app", "--no-results")
    assert result.out[:2] == ["app/a.py:1:1: TS009 [error] eval", "app/sub/b.py:1:1: TS009 [error] eval"]
    assert result.code == 1
    result = run_hook("app/", "--no-results")
    assert result.out[:2] == ["app/a.py:1:1: TS009 [error] eval", "app/sub/b.py:1:1: TS009 [error] eval"]


def test_staged_content_is_checked_not_the_work_tree(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(SECRET)
    repo.write({"config.py": f"KEY = '{KEY}'\n", "gone.py": f"KEY = '{KEY}'\n"})
    repo.add("config.py", "gone.py")
    repo.write({"config.py": "KEY = None\n"})  # edited after `git add`: the commit still takes the key
    (repo.root / "gone.py").unlink()  # deleted after `git add`: still staged
    result = run_hook("--no-results")
    assert result.out[:2] == [
        "config.py:1:8: TS001 [error] access key",
        "gone.py:1:8: TS001 [error] access key",
    ]
    assert result.code == 1
    assert (repo.root / "config.py").read_text(
        encoding="utf-8"
    ) == "KEY = None\n"  # the work tree is left alone


def test_sparse_checkout_files_are_read_from_the_index(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(SECRET)
    repo.write({"inside/a.txt": "fine\n", "outside/b.txt": f"key {KEY}\n"})
    repo.add("inside/a.txt", "outside/b.txt")
    repo.commit("files")
    repo.git("sparse-checkout", "set", "inside", "safety")
    assert not (repo.root / "outside" / "b.txt").exists()
    result = run_hook("--all-files", "--no-results")
    assert result.out[0] == "outside/b.txt:1:5: TS001 [error] access key"
    assert result.code == 1


def test_a_file_named_like_an_option_is_a_file(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(EVAL)
    repo.write({"-x.py": "eval(x)\n", "--jobs.py": "eval(y)\n"})
    repo.add("-x.py", "--jobs.py")
    result = run_hook("--no-results", "-x.py", "--jobs.py")  # as pre-commit passes them: no `--`
    assert result.out[:2] == ["--jobs.py:1:1: TS009 [error] eval", "-x.py:1:1: TS009 [error] eval"]
    assert result.code == 1


def test_a_ref_that_looks_like_an_option_never_reaches_git_as_one(
    repo: Repo, run_hook: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.use_pack(EVAL)
    target = tmp_path / "written.txt"
    result = run_hook("--no-results", f"--from-ref=--output={target}", "--to-ref", "HEAD")
    assert result.code == 2
    assert not target.exists()
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", f"--output={target}")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    result = run_hook("--no-results")
    assert result.code == 2
    assert not target.exists()


# --- interrupts ------------------------------------------------------------------------------------------


def test_sigint_with_a_worker_pool_stops_within_a_second(repo: Repo) -> None:
    repo.use_pack(EVAL)
    body = "".join(f"def f{i}(x):\n    return eval(x) + {i}\n" for i in range(600))
    repo.write({f"pkg/m{i}.py": body for i in range(1500)})
    repo.add("pkg")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hooks.constitutional_compliance", "--all-files", "--no-results", "--jobs=2"],
        cwd=repo.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=ctrl_c_reaches,
    )  # fmt: skip
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        deadline = time.monotonic() + 60
        while len(children.read_text().split()) < 2:  # the pool's workers are at work
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.1)
        # the workers have work left for seconds: the signal must reach a run in progress (on a busy
        # machine a late look at the workers could otherwise find the run already done)
        assert proc.poll() is None, "the run ended before the signal: give it more work"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
    assert (code, err) == (130, "constitutional-compliance: interrupted\n")
    assert took < 1.5, took


def test_outside_git_a_named_directory_means_the_files_under_it(
    tmp_path: Path, run_hook: Run, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    work = tmp_path / "plain"
    (work / "safety").mkdir(parents=True)
    (work / "src" / "sub").mkdir(parents=True)
    (work / "src" / "a.py").write_text("eval(a)\n", encoding="utf-8")
    (work / "src" / "sub" / "b.py").write_text("eval(b)\n", encoding="utf-8")
    (work / "safety" / "pack.yaml").write_text(pack_text([EVAL]), encoding="utf-8")
    (work / ".ava-safety.yaml").write_text("packs: []\nrules: [safety/*.yaml]\n", encoding="utf-8")
    monkeypatch.chdir(work)
    result = run_hook("src", "--no-results")
    assert result.out[:2] == ["src/a.py:1:1: TS009 [error] eval", "src/sub/b.py:1:1: TS009 [error] eval"]
    assert result.code == 1


def test_pre_commit_passes_a_file_named_like_an_option(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    from .conftest import GIT_ENV, git, make_repo

    repo = make_repo(tmp_path / "dash", {"ok.py": "x = 1\n"})
    path, rev = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: syntax-imports\n",
        encoding="utf-8",
    )
    (repo / "-x.py").write_text("def f(:\n", encoding="utf-8")
    git(repo, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run"],  # the staged files, as a commit runs it
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    # the file is checked (its syntax error blocks), not taken for an unknown option (exit 2)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-x.py:1:7: " in proc.stdout


def test_a_rule_example_too_deep_to_parse_is_a_rule_error_not_a_crash(repo: Repo, run_hook: Run) -> None:
    deep = "eval(" + "-" * 100_000 + "1)\n"
    repo.use_pack(dict(EVAL, examples={"pass": ["x = 1\n"], "fail": [deep]}))
    result = run_hook("--all-files", "--no-results")
    assert result.code == 2
    assert "the example is not valid Python: too deeply nested to compile (its line 1)" in result.err[0]


@pytest.mark.parametrize(
    "call", ["resolve", "commit_info", "version_of", "changed_between", "subjects_between"]
)
def test_git_helpers_never_take_a_ref_for_an_option(repo: Repo, tmp_path: Path, call: str) -> None:
    from hooks import _git

    target = tmp_path / "written.txt"
    ref = f"--output={target}"
    calls: dict[str, Callable[[], object]] = {
        "resolve": lambda: _git.resolve(repo.root, ref),
        "commit_info": lambda: _git.commit_info(repo.root, ref),
        "version_of": lambda: _git.version_of(repo.root, ref),
        "changed_between": lambda: _git.changed_between(repo.root, ref, "HEAD"),
        "subjects_between": lambda: _git.subjects_between(repo.root, ref, "HEAD"),
    }
    if call == "subjects_between":  # a bad range falls back to the new commit's subjects
        assert calls[call]() == [repo.git("log", "-1", "--format=%h %s").strip()]
    else:
        with pytest.raises(_git.GitError):
            calls[call]()
    assert not target.exists()
    assert _git.is_ancestor(repo.root, ref, "HEAD") is False


def test_files_read_from_the_index_keep_the_size_limit(repo: Repo, run_hook: Run) -> None:
    repo.use_pack(SECRET, config="max_file_size: 1 KB\n")
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 10
    repo.write({"inside/a.txt": "fine\n", "outside/big.txt": f"{KEY}\n" * 100, "outside/big.png": png})
    repo.add("inside/a.txt", "outside/big.txt", "outside/big.png")
    repo.commit("files")
    repo.git("sparse-checkout", "set", "inside", "safety")
    result = run_hook("--all-files", "--no-results")
    # the text is over the limit (a warning, nothing read); the image is binary (nothing to say)
    assert [line for line in result.out if ": AS" in line or ": TS" in line] == [
        "outside/big.txt:1:1: AS009 [warning] not checked: 2.1 KB, over the size limit of 1 KB "
        "(max_file_size in .ava-safety.yaml)"
    ]


def test_env_reads_outside_a_sparse_checkout_count(repo: Repo) -> None:
    repo.write(
        {
            "apprunner.yaml": (
                "version: 1.0\nruntime: python311\nbuild:\n  commands:\n    build:\n"
                "      - pip install -r requirements.txt\nrun:\n  command: python svc/main.py\n"
                '  env:\n    - name: FARM_TOKEN_TTL\n      value: "30"\n'
            ),
            "lib/__init__.py": "",
            "lib/settings.py": 'import os\nTTL = os.environ["FARM_TOKEN_TTL"]\n',
            "svc/main.py": "from lib import settings\nprint(settings.TTL)\n",
            "requirements.txt": "",
        }
    )
    repo.add()
    repo.commit("service")
    repo.git("sparse-checkout", "set", "svc")
    proc = subprocess.run(
        [sys.executable, "-m", "hooks.env_vars", "--all-files", "--no-results"],
        cwd=repo.root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # lib/settings.py reads it, from the index (git grep reads only the work tree): no EV006
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("0 errors, 0 warnings in ")
