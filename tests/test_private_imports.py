"""No app reaches into another app's private names (ADR 0012).

A name with a leading underscore is a module's own business: another app that imports it (``from
inbeeld.cases.views import _apply_service_errors``) or reads it off an imported module
(``services._move``) breaks when the owner changes it. What is shared is public, in the owning
module or in a leaf (inbeeld.web). Inside one app (``inbeeld.stats.*``, ``inbeeld.pilot.*``) private
names may be shared; tests may read anything. Django's ``_meta`` is public API.
"""

from __future__ import annotations

import ast
from pathlib import Path

import inbeeld

SRC = Path(inbeeld.__file__).resolve().parent


def _app(module: str) -> str:
    """The app of a dotted module name: ``inbeeld.cases.views`` -> ``cases``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def private_cross_app_uses(tree: ast.AST, importer: str) -> list[str]:
    """The private names of other apps that the module ``importer`` (dotted) imports or reads."""
    own = _app(importer)
    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> dotted name it was imported as
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("inbeeld"):
            for alias in node.names:
                if alias.name.startswith("_") and _app(node.module) != own:
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("inbeeld") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr != "_meta"
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _app(modules[node.value.id]) != own
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_app_uses_another_apps_private_names():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        importer = ".".join(relative.parts)
        tree = ast.parse(path.read_text("utf-8"))
        offenders += [
            f"{path.relative_to(SRC)}:{use}" for use in private_cross_app_uses(tree, importer)
        ]
    assert offenders == [], "make the name public in its module (or in inbeeld.web) and use that"


def test_the_check_sees_imports_and_attributes_across_apps_only():
    tree = ast.parse(
        "from inbeeld.cases.views import _apply_service_errors\n"
        "from inbeeld.pilot.charts import _n\n"
        "from inbeeld.intake.services import triage\n"
        "from inbeeld import policy\n"
        "triage._move(x)\n"
        "policy._membership_case_q(m, u)\n"
        "Case._meta\n"
    )
    assert private_cross_app_uses(tree, "inbeeld.pilot.views") == [
        "1: from inbeeld.cases.views import _apply_service_errors",
        "5: triage._move",
        "6: policy._membership_case_q",
    ]
