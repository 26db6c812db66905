"""stats.vocabulary is the one list of chain event codes: it matches the reference catalogue and
the workflow's transition table, and stats as a whole stays free of Django."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import inbeeld
from inbeeld.cases.workflow import TRANSITIONS
from inbeeld.stats import vocabulary

SRC = Path(inbeeld.__file__).resolve().parent


def test_the_event_codes_are_the_reference_catalogue_in_its_order():
    reference = json.loads((SRC / "reference" / "data" / "reference.json").read_text("utf-8"))
    codes = tuple(row["code"] for row in reference["chain_event_types"])
    assert vocabulary.EVENT_CODES == codes
    for code in codes:
        assert getattr(vocabulary, code.upper()) == code


def test_every_code_of_the_workflow_is_in_the_vocabulary():
    used = {code for moves in TRANSITIONS.values() for code in moves}
    assert used <= set(vocabulary.EVENT_CODES)
    assert set(vocabulary.EVENT_CODES) - used == set()  # every catalogue event has a transition


def test_the_milestones_and_event_sets_are_vocabulary_codes():
    named = [code for code, _ in vocabulary.MILESTONES]
    assert named[0] == vocabulary.INDEX_EVENT == vocabulary.FIRST_POLICE_CONTACT
    for code in (*named, *vocabulary.COOPERATION_EVENTS, *vocabulary.ENDING_EVENTS):
        assert code in vocabulary.EVENT_CODES


def test_no_stats_module_imports_django():
    offenders = []
    for path in sorted((SRC / "stats").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


# String constants that equal an event code but name something else. Keyed by (module under
# src/inbeeld, the string); the value says what it is instead.
HOMONYMS = {
    ("cases/workflow.py", "verdict"): "Status.VERDICT, the case's phase",
    ("cases/services/break_glass.py", "verdict"): "the break-glass review's verdict field",
    ("oversight/views.py", "verdict"): "the break-glass review form's verdict field",
    ("analysis/export.py", "verdict"): "the primary analysis' verdict (stats.primary.Verdict)",
    ("analysis/export_labels.py", "verdict"): "the CSV's measure code of the primary verdict",
    ("analysis/presenter_primary.py", "verdict"): "the primary analysis' verdict",
    ("analysis/simulate.py", "verdict"): "the simulation's verdict line",
    ("api/research_views.py", "verdict"): "the primary analysis' verdict in the API's answer",
    # A suspect's own proceedings (issue 17): their step kind and the verdict field of a step.
    ("analysis/perpetrator_tables.py", "verdict"): "a proceeding step's verdict field",
    ("demo/generator/suspects.py", "verdict"): "a proceeding step's kind and verdict field",
    ("suspects/models.py", "verdict"): "ProceedingKind.VERDICT, a suspect's step",
    ("suspects/services.py", "verdict"): "a proceeding step's kind and verdict field",
    ("suspects/selectors.py", "verdict"): "a proceeding step's verdict field (the case page)",
    ("suspects/views.py", "verdict"): "the proceeding form's verdict field",
    ("suspects/workflow.py", "verdict"): "a suspect's proceeding step kind",
}


def _code_strings(tree: ast.AST, codes: set[str]) -> list[ast.Constant]:
    """The string constants of ``tree`` that equal one of ``codes``, docstrings left out."""
    bodies = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, bodies)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in codes
        and id(node) not in docstrings
    ]


def _event_code_literals() -> list[tuple[str, int, str]]:
    """Every string constant under src/inbeeld equal to an event code, outside docstrings,
    stats/vocabulary.py and the migrations (the reference data is JSON and not read here)."""
    codes = set(vocabulary.EVENT_CODES)
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "stats/vocabulary.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        found += [(relative, node.lineno, node.value) for node in _code_strings(tree, codes)]
    return found


def test_no_module_writes_an_event_code_as_a_string():
    """Code names an event by its stats.vocabulary constant (``ev.COMPLAINT_FILED``), never by
    the string, so a renamed or misspelt code cannot hide in one module."""
    literals = _event_code_literals()
    offenders = [
        f"{path}:{line}: {code!r}" for path, line, code in literals if (path, code) not in HOMONYMS
    ]
    assert offenders == [], "use the stats.vocabulary constant (ev.X) instead of the string"
    # Every exception is still needed, so the list cannot grow stale.
    assert {(path, code) for path, _, code in literals} == set(HOMONYMS)


def test_the_event_code_check_sees_strings_and_skips_docstrings():
    tree = ast.parse(
        '"""complaint_filed in a module docstring."""\n'
        "class C:\n"
        '    """case_closed"""\n'
        "def f(x='verdict'):\n"
        '    """verdict"""\n'
        '    return pl.col("complaint_filed"), {"case_closed": 1}, f"{x}_verdict"\n'
    )
    codes = set(vocabulary.EVENT_CODES)
    assert sorted(node.value for node in _code_strings(tree, codes)) == [
        "case_closed",
        "complaint_filed",
        "verdict",
    ]
