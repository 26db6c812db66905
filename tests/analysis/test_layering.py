"""analysis builds tables and runs stats; publication renders and releases (ADR 0010). So nothing in
inbeeld.analysis imports inbeeld.publication, not even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import inbeeld

ANALYSIS = Path(inbeeld.__file__).resolve().parent / "analysis"


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def test_analysis_never_imports_publication():
    found = [
        f"{path.relative_to(ANALYSIS.parent)}:{line}: {name}"
        for path in sorted(ANALYSIS.rglob("*.py"))
        for line, name in _imports(path)
        if name == "inbeeld.publication" or name.startswith("inbeeld.publication.")
    ]
    assert found == []


def test_analysis_serves_no_pages():
    assert not (ANALYSIS / "views.py").exists() and not (ANALYSIS / "urls.py").exists()
