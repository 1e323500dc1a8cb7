"""design-rules: the hook in temp git repos, the css/html/contrast kinds, fixture projects, pre-commit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from hooks import _engine, design_rules
from hooks._rules import load_rules

from ._support import HookRun, Repo, hook_run
from .conftest import GIT_ENV, git, make_repo

FIXTURES = Path(__file__).parent / "fixtures" / "design"
BOTH_PACKS = "packs: [generic, ava-olo]\n"
ALT = '<img> has no alt attribute: describe the image, or write alt="" when it is decorative'
PALETTE = "is not an AVA OLO palette colour; use a brand colour or var(--...) of one"
MARKER_RX = re.compile(r"(?:\{#|/\*|#|<!--)\s*expect:\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)")


@pytest.fixture(name="design")
def design_fixture(capsys: pytest.CaptureFixture[str]) -> Callable[..., HookRun]:
    def run(*argv: str) -> HookRun:
        capsys.readouterr()
        code = design_rules.main(["--no-results", *argv])
        captured = capsys.readouterr()
        return hook_run(code, captured.out, captured.err)

    return run


def _project(repo: Repo, files: Mapping[str, str | bytes], config: str = BOTH_PACKS) -> None:
    repo.write({".ava-safety.yaml": config, **files})
    repo.add()
    repo.commit("project")


def _copy_fixture(name: str, repo: Repo) -> dict[str, str]:
    files = {p.relative_to(FIXTURES / name).as_posix(): p.read_text("utf-8")
             for p in sorted((FIXTURES / name).rglob("*")) if p.is_file()}  # fmt: skip
    _project(repo, files)
    return files


def _markers(files: Mapping[str, str]) -> set[tuple[str, int, str]]:
    """`expect: DR001` in a comment (Jinja, CSS, Python) on the line above a finding."""
    found = set()
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), start=1):
            m = MARKER_RX.search(line)
            if m:
                for rule in m.group(1).split(","):
                    found.add((path, number + 1, rule.strip()))
    return found


# --- the fixture projects ---------------------------------------------------------------------------


def test_failing_project_gives_exactly_the_marked_findings(
    repo: Repo, design: Callable[..., HookRun]
) -> None:
    files = _copy_fixture("failing", repo)
    result = design("--all-files")
    assert result.code == 1, result.err
    got = {(m.group(1), int(m.group(2)), m.group(3)) for m in
           (re.match(r"^(.+?):(\d+):\d+: (DR\d{3}) ", line) for line in result.out) if m}  # fmt: skip
    assert got == _markers(files)
    assert len(result.out) == len(got)


def test_failing_project_output_lines(repo: Repo, design: Callable[..., HookRun]) -> None:
    _copy_fixture("failing", repo)
    out = design("--all-files").out
    assert out[:3] == [
        f"app/views.py:6:22: DR001 [error] {ALT}",
        f"app/views.py:12:46: DR014 [error] #ff0000 {PALETTE}",
        "app/views.py:12:66: DR012 [error] font-size 12px is under the 18px minimum for any text",
    ]
    assert (
        "static/css/app.css:22:14: DR012 [error] font-size var(--text-small) = 14px is under the 18px minimum"
        " for any text" in out
    )
    assert (
        "static/css/app.css:35:16: DR012 [error] font-size 24px is under the 28px minimum for h1 at most "
        "768px wide" in out
    )
    assert (
        "templates/base.html:12:14: DR007 [error] text contrast 2.84:1 of #999999 on var(--white) = #ffffff"
        " is under 4.5:1"
        " for normal text (WCAG AA)"
    ) in out
    assert (
        "templates/fields/list.html:23:35: DR012 [error] font-size 14px is under the 20px minimum for body "
        "text" in out
    )
    assert (
        'templates/fields/list.html:10:3: DR015 [error] <input name="q">: Enter does nothing here;'
        " put it in a form with a"
        " submit button, give it a key handler, or load enter-key.js, enter-key-handler.js"
    ) in out


def test_passing_project_is_clean(repo: Repo, design: Callable[..., HookRun]) -> None:
    _copy_fixture("passing", repo)
    result = design("--all-files")
    assert (result.code, result.out, result.err) == (0, [], [])


def test_fixture_markers_are_well_formed() -> None:
    files = {p.as_posix(): p.read_text("utf-8") for p in FIXTURES.rglob("*") if p.is_file()}
    assert len(_markers(files)) >= 20
    assert not any("expect" in text for path, text in files.items() if "/passing/" in path)


# --- exact positions ----------------------------------------------------------------------------


def test_positions_inside_style_attribute_and_style_block(repo: Repo, design: Callable[..., HookRun]) -> None:
    page = (
        "<div>\n"
        '  <p class="note"\n'
        '     style="color: #1a1a1a;\n'
        '            font-size: 12px">Rain</p>\n'
        '  <style media="(max-width: 600px)">\n'
        "    h2 {\n"
        "      font-size: 1.25rem;\n"
        "    }\n"
        "  </style>\n"
        "</div>\n"
    )
    _project(repo, {"templates/x.html": page})
    assert design("templates/x.html").out == [
        "templates/x.html:4:24: DR012 [error] font-size 12px is under the 20px minimum for body text",
        "templates/x.html:7:18: DR012 [error] font-size 1.25rem = 20px is under the 24px minimum"
        " for h2 at most 768px wide",
    ]


def test_positions_in_python_strings_with_escapes_and_concatenation(
    repo: Repo, design: Callable[..., HookRun]
) -> None:
    code = (
        "def card(title):\n"
        "    html = (\n"
        '        "<div class=\\"card\\">\\n"\n'
        "        f\"<h2 style='color: red'>{title}</h2>\"\n"
        "        '<img src=\"x.png\">'\n"
        "    )\n"
        "    return html\n"
    )
    _project(repo, {"app/cards.py": code})
    assert design("app/cards.py").out == [
        f"app/cards.py:4:29: DR014 [error] red {PALETTE}",
        f"app/cards.py:5:10: DR001 [error] {ALT}",
    ]


def test_custom_properties_defined_in_one_file_resolve_in_another(
    repo: Repo, design: Callable[..., HookRun]
) -> None:
    _project(
        repo,
        {
            "static/tokens.css": ":root {\n  --brand: #ff6600;\n  --small: 0.75rem;\n}\n",
            "templates/page.html": '<p style="color: var(--brand); font-size: var(--small)">x</p>\n',
        },
    )
    assert design("templates/page.html").out == [
        f"templates/page.html:1:18: DR014 [error] var(--brand) = #ff6600 {PALETTE}",
        "templates/page.html:1:43: DR012 [error] font-size var(--small) = 12px is under the 20px minimum"
        " for body text",
    ]


def test_declared_design_tokens_are_the_palette(repo: Repo, design: Callable[..., HookRun]) -> None:
    """AVA OLO's own tokens (--ava-olive-primary: #808000) are not in the pack's list: declared as
    design.tokens, a var() of one and a literal of a token's value pass; anything else does not."""
    tokens = ":root {\n  --ava-olive-primary: #808000;\n  --ava-brown-muted: #A0522D;\n}\n"
    page = (
        ".btn { color: var(--ava-olive-primary); border: 1px solid #a0522d; }\n"
        ".note { color: #4a5632; background: var(--stray); }\n"
    )
    files = {
        "static/css/design-system.css": tokens,
        "static/css/extra.css": ":root { --stray: #fafafa; }\n",
        "static/css/page.css": page,
    }
    _project(repo, files)
    before = design("static/css/page.css").out
    assert before == [
        f"static/css/page.css:1:15: DR014 [error] var(--ava-olive-primary) = #808000 {PALETTE}",
        f"static/css/page.css:1:59: DR014 [error] #a0522d {PALETTE}",
        f"static/css/page.css:2:37: DR014 [error] var(--stray) = #fafafa {PALETTE}",
    ]
    _project(repo, files, BOTH_PACKS + "design:\n  tokens: [static/css/design-system.css]\n")
    assert design("static/css/page.css").out == [
        f"static/css/page.css:2:16: DR014 [error] #4a5632 {PALETTE}",  # the pack's olive, not a token
        f"static/css/page.css:2:37: DR014 [error] var(--stray) = #fafafa {PALETTE}",
    ]


def test_design_tokens_naming_no_file_is_a_config_error(repo: Repo, design: Callable[..., HookRun]) -> None:
    _project(
        repo,
        {"static/page.css": "a { color: red; }\n"},
        BOTH_PACKS + "design:\n  tokens: [static/nope.css]\n",
    )
    result = design("static/page.css")
    assert result.code == 2
    assert result.err[0] == (
        ".ava-safety.yaml:3: design.tokens: static/nope.css is not a file; name the stylesheet that "
        "defines the design tokens"
    )


# --- hook behaviour --------------------------------------------------------------------------------


def test_warnings_do_not_block_unless_strict(repo: Repo, design: Callable[..., HookRun]) -> None:
    _project(repo, {"templates/a.html": "<h1>A</h1>\n<h4>B</h4>\n"}, "packs: [generic]\n")
    result = design("templates/a.html")
    assert result.code == 0
    heading = "<h4> follows <h1>: use <h2>, or style the heading instead of skipping a level"
    assert result.out == [f"templates/a.html:2:1: DR006 [warning] {heading}"]
    assert design("--strict", "templates/a.html").code == 1


def test_default_packs_hold_only_the_generic_rules(repo: Repo, design: Callable[..., HookRun]) -> None:
    repo.write(
        {"static/a.css": ".x { font-size: 10px; color: red; }\n", "templates/a.html": "<img src=a.png>\n"}
    )
    repo.add()
    repo.commit()
    assert design("--all-files").out == [f"templates/a.html:1:1: DR001 [error] {ALT}"]


def test_staged_files_are_the_default_scope(repo: Repo, design: Callable[..., HookRun]) -> None:
    _project(repo, {"templates/old.html": "<img src=a.png>\n"})
    repo.write({"templates/new.html": "<button></button>\n"})
    repo.add("templates/new.html")
    assert design().out == [
        "templates/new.html:1:1: DR004 [error] <button> has no text: give an icon-only button an aria-label"
    ]


def test_suppressions_in_template_and_css_comments(repo: Repo, design: Callable[..., HookRun]) -> None:
    _project(
        repo,
        {
            "templates/a.html": '<img src="spacer.gif"> {# ava-safety: ignore[DR001] layout spacer #}\n',
            "static/a.css": "a { color: red; } /* # ava-safety: ignore[DR014] the old alert colour */\n",
        },
    )
    assert design("--all-files").out == []


def test_json_format_names_the_rule_and_position(repo: Repo, design: Callable[..., HookRun]) -> None:
    import json

    _project(repo, {"static/a.css": "a {\n  color: #00f;\n}\n"})
    data = json.loads("\n".join(design("--format", "json", "static/a.css").out))
    assert [(f["rule"], f["line"], f["col"], f["severity"]) for f in data["findings"]] == [
        ("DR014", 2, 10, "error")
    ]


def test_ava_safety_command_dispatches_design_rules(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from hooks import _cli

    _project(repo, {"templates/a.html": "<img src=a.png>\n"})
    code = _cli.main(["design-rules", "--no-results", "templates/a.html"])
    assert code == 1
    assert capsys.readouterr().out.startswith("templates/a.html:1:1: DR001 [error] ")


def test_parallel_run_matches_serial_run(tmp_path: Path) -> None:
    rules = load_rules(hook="design-rules", packs=["generic", "ava-olo"]).rules
    files = {
        f"static/c{i}.css": f".c{i} {{ color: var(--c{i % 7}); font-size: {10 + i % 12}px; }}\n"
        for i in range(210)
    }
    files["static/tokens.css"] = (
        ":root {" + "".join(f" --c{i}: #{i}{i}{i}{i}{i}{i};" for i in range(7)) + " }\n"
    )
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    serial = _engine.run(tmp_path, list(files), rules, jobs=1).findings
    parallel = _engine.run(tmp_path, list(files), rules, jobs=2).findings
    assert serial == parallel
    assert {f.rule for f in serial} == {"DR012", "DR014"}


# --- bad input ---------------------------------------------------------------------------------------


def test_bad_input_gives_findings_not_tracebacks(repo: Repo, design: Callable[..., HookRun]) -> None:
    _project(
        repo,
        {
            "static/binary.css": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "static/latin1.css": "a { color: #1a1a1a; content: 'caf\xe9'; }\n".encode("latin-1"),
            "static/broken.css": "a { color: #1a1a1a\n.b { font-size: 20px; }}}\n/* never closed\n",
            "templates/broken.html": '<div class="x\n<p>text</p>\n<!-- not closed\n',
            "templates/empty.html": "",
            "app/broken.py": "def f(:\n    return '<img src=x>'\n",
            "templates/odd.html": "<![if !IE]><p>x</p><![endif]><!DOCTYPE><?php echo 1 ?></p>\n",
        },
    )
    result = design("--all-files")
    assert "Traceback" not in "\n".join(result.err)
    assert result.code == 1
    assert result.out == [
        "static/broken.css:1:5: DR010 [error] 'color: #1a1a1a .b' runs into a '{' block: a ';' is missing",
        "static/broken.css:2:25: DR010 [error] unmatched '}'",
        "static/broken.css:3:1: DR010 [error] comment '/*' is never closed",
        "static/latin1.css:1:34: AS004 [warning] not valid UTF-8 (first bad byte here);"
        " checked with replacement characters",
        "templates/broken.html:1:1: DR011 [warning] tag is never closed with '>'",
    ]


def test_markup_the_html_parser_rejects_is_a_finding(repo: Repo, design: Callable[..., HookRun]) -> None:
    _project(repo, {"templates/a.html": "<p>x</p>\n<![x y]>\n"}, "packs: [generic]\n")
    result = design("templates/a.html")
    assert result.code == 0
    assert result.out == [
        "templates/a.html:2:1: DR011 [warning] cannot parse the HTML from here: "
        "unknown status keyword 'x ' in marked section"
    ]


def test_a_bug_in_the_html_builder_is_an_internal_error_not_a_finding(
    repo: Repo, design: Callable[..., HookRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hooks._web import markup

    def broken(self: Any, tag: str, attrs: Any) -> None:
        raise AssertionError("builder invariant")

    monkeypatch.setattr(markup._Builder, "handle_starttag", broken)
    _project(repo, {"templates/a.html": "<p>x</p>\n"}, "packs: [generic]\n")
    result = design("templates/a.html")
    assert result.code == 2
    assert result.out == []
    assert result.err[0].startswith("templates/a.html: internal error in DR0")
    assert result.err[0].endswith(": AssertionError: builder invariant")


def test_design_packs_load_for_the_design_hook_only() -> None:
    design = load_rules(hook="design-rules", packs=["generic", "ava-olo"]).rules
    assert [r.id for r in design] == [f"DR{i:03d}" for i in range(1, 17)]
    constitution = load_rules(hook="constitutional-compliance", packs=["generic", "ava-olo"]).rules
    assert not any(r.id.startswith("DR") for r in constitution)


# --- the real pre-commit ---------------------------------------------------------------------------


def test_pre_commit_runs_the_hook_on_templates_and_styles(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    page = (
        '<html lang="en"><head><meta name="viewport" content="width=device-width"></head>'
        '<body><span class="version-badge">v1</span>\n<img src="a.png">\n</body></html>\n'
    )
    files = {
        ".ava-safety.yaml": BOTH_PACKS,
        "templates/page.html": page,
        "static/site.css": "p {\n  font-size: 16px;\n}\n",
        "README.md": "# not checked\n",
    }
    repo = make_repo(tmp_path / "site", files)
    path, rev = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: design-rules\n", encoding="utf-8"
    )
    git(repo, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}
    run = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    proc = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "design rules" in proc.stdout and "Failed" in proc.stdout
    assert "templates/page.html:2:1: DR001 [error] <img> has no alt attribute" in proc.stdout
    assert (
        "static/site.css:2:14: DR012 [error] font-size 16px is under the 20px minimum for body text"
        in proc.stdout
    )
    (repo / "templates/page.html").write_text(
        (repo / "templates/page.html").read_text().replace('<img src="a.png">', '<img src="a.png" alt="">')
    )
    (repo / "static/site.css").write_text("p {\n  font-size: 20px;\n}\n")
    git(repo, "add", "-A")
    proc = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    assert git(repo, "diff", "--name-only") == ""  # the hook wrote no tracked file
