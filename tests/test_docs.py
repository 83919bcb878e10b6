"""The docs name tests as proof; every test they name must exist, or the report would lie."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_named_in_the_robustness_report_exists():
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    assert len(named) > 60
    missing = [f"{file}::{name}" for file, name in named
               if not (ROOT / "tests" / file).exists() or name not in _tests_in(ROOT / "tests" / file)]
    assert missing == []


def test_every_robustness_test_is_in_the_report():
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    unlisted = sorted(name for name in _tests_in(ROOT / "tests" / "test_robustness.py") if name not in text)
    assert unlisted == []
