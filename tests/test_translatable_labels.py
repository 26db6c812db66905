"""Every Dutch label in a dict is marked for translation (ADR 0001, issue 13 item 10): a scan of
the source for dict literals with a Dutch phrase as a plain string value (not wrapped in
``gettext``/``gettext_lazy``/``gettext_noop``), so an unmarked label dict cannot come back.

Out of the scan: ``stats/`` (no Django, so no gettext: its results carry codes, the presenters
label them), migrations (frozen history), ``demo/generator/`` and ``conf/`` (they produce data and
settings, not text for a user), and the few dicts in ALLOWED whose values are proper names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import inbeeld

SRC = Path(inbeeld.__file__).parent
SKIPPED = ("stats/", "demo/generator/", "conf/")
# (module, dict name): why its values stay as they are.
ALLOWED = {
    ("intake/forms.py", "UNIT_AREAS"): "place names of the police regions",
    ("agenda/seed.py", "DEBATE_2023"): "register content quoted from seed 003 (data, not a label)",
    (
        "publication/ctdc/writing.py",
        "IP_RELATION",
    ): "CTDC's English code values written to the file",
}
# Two words of letters: a phrase, not a code, a MIME type or a dotted path.
PHRASE = re.compile(r"[A-Za-zÀ-ÿ]{2,}\s+[A-Za-zÀ-ÿ]{2,}")


def _plain_strings(value: ast.AST) -> list[str]:
    """The plain string constants of a dict value (a tuple's elements one by one); a value wrapped
    in a translation mark is a call, not a constant, so it is not returned."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.Tuple):
        return [s for element in value.elts for s in _plain_strings(element)]
    return []


def _dict_name(tree: ast.Module, node: ast.Dict) -> str:
    for parent in ast.walk(tree):
        if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is node:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return ", ".join(getattr(t, "id", "?") for t in targets)
    return "?"


def unmarked_label_dicts(src: Path = SRC) -> list[str]:
    found = []
    for path in sorted(src.rglob("*.py")):
        module = path.relative_to(src).as_posix()
        if module.startswith(SKIPPED) or "/migrations/" in module:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            phrases = [
                s for value in node.values for s in _plain_strings(value) if PHRASE.search(s)
            ]
            if phrases and (module, _dict_name(tree, node)) not in ALLOWED:
                found.append(f"{module}:{node.lineno} {_dict_name(tree, node)}: {phrases[0]!r}")
    return found


def test_no_dict_holds_an_unmarked_dutch_label():
    assert unmarked_label_dicts() == []


def test_the_scan_finds_an_unmarked_label_and_accepts_a_marked_one(tmp_path):
    (tmp_path / "labels.py").write_text(
        "from django.utils.translation import gettext_lazy as _\n"
        'BAD = {"notes": "notities (vrije tekst)", "keys": "koppelsleutels"}\n'
        'GOOD = {"notes": _("notities (vrije tekst)")}\n'
        'MAIL = {"reset": ("accounts:reset", "stel een nieuw wachtwoord in")}\n'
        'CODES = {"eu": "niet-nl", "kind": "text/csv; charset=utf-8"}\n'
    )
    found = unmarked_label_dicts(tmp_path)
    assert [line.split(" ")[1] for line in found] == ["BAD:", "MAIL:"]
