"""Layers import only downward: pipeline → extractors → normalizers → schemas.

`schemas` holds the shapes every stage passes on (raw frames, issues, curated tables) and
imports no other layer; a normalizer never reaches up into an extractor, nor an extractor
into the pipeline. Imports inside functions count too: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["schemas", "normalizers", "extractors", "pipeline"]  # bottom to top


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_imports_one_above_it(layer):
    rank = LAYERS.index(layer)
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules(layer)
        for line, module in _imports(path)
        if module.split(".")[0] in LAYERS and LAYERS.index(module.split(".")[0]) > rank
    ]
    assert upward == []


def test_the_rule_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from pipeline.run import run_pipeline\n", encoding="utf-8")
    assert _imports(bad) == [(2, "pipeline.run")]
