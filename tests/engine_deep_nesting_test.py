"""A file too deeply nested for CPython's compiler is a file that does not parse, not a crash."""

from __future__ import annotations

from pathlib import Path

from hooks import _engine
from hooks._report import finding_line
from hooks._rules import load_rules

from ._support import pack_text

DEEP = "import os\nx = " + " + ".join(["a"] * 3000) + "\nY = os.environ['Q']\n"


def test_a_too_deeply_nested_file_is_as005_not_a_traceback(tmp_path: Path) -> None:
    rule = {"id": "PL001", "check": "python", "pattern": "os.environ[$K]", "message": "read"}
    pack = tmp_path / "pack.yaml"
    pack.write_text(pack_text([rule]), encoding="utf-8")
    (tmp_path / "deep.py").write_text(DEEP, encoding="utf-8")
    rules = load_rules(hook=None, packs=[], extra_files=[pack]).rules
    result = _engine.run(tmp_path, ["deep.py"], rules, jobs=1)
    assert [finding_line(f) for f in result.findings] == [
        "deep.py:1:1: AS005 cannot parse: too deeply nested to compile; Python rules skipped for this file"
    ]
