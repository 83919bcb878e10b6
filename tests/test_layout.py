"""The house keeps its shape: no module imports one that imports it back (counting imports inside
functions), and the ground floor (settings) stands on nothing but the errors."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "voicecoach"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each voicecoach module and the voicecoach modules it imports, anywhere in it."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            found |= {candidate for candidate in candidates if candidate in modules and candidate != name}
        # importing voicecoach.x runs voicecoach/__init__.py too, which imports nothing
        graph[name] = found - {"voicecoach"}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, as the modules on it (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    assert len(graph) > 25 and "voicecoach.cli" in graph and "voicecoach.settings" in graph["voicecoach.cli"]
    assert cycles(graph) == []


def test_the_circle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_settings_load_neither_the_compiler_nor_the_speech_layer_nor_an_engine():
    done = subprocess.run([sys.executable, "-c", "import sys, voicecoach.settings; "
                           "print(' '.join(sorted(m for m in sys.modules if m.startswith('voicecoach'))))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["voicecoach", "voicecoach.errors", "voicecoach.settings"]


def test_the_command_line_builds_no_player():
    graph = import_graph()
    assert "voicecoach.player" not in graph["voicecoach.cli"] and "voicecoach.play" in graph["voicecoach.cli"]
