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
