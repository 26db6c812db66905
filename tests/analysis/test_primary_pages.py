"""The primary analysis on the demo (issue 12 item 7): the evaluation overview, each intervention
page, the PDF report and `inbeeld evaluate` (JSON and CSV) show the same Dutch verdict sentence
for every intervention, first, with the rest labelled as sensitivity analyses; an intervention that
acts after the complaint (the examining judge) has no effect on the complaint rate anywhere.

The demo is the default `inbeeld demo` (3,000 cases, seed 2021), loaded once per test."""

from __future__ import annotations

import io
import json
import re

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command

from inbeeld.analysis import presenter_primary
from inbeeld.analysis.evaluation import evaluation_for, research_evaluation
from inbeeld.publication.reports import comparison_publishable
from inbeeld.spreadsheet_safety import read_dutch_csv
from inbeeld.stats.primary import RETAINED_AFTER_COMPLAINT, Verdict
from tests.analysis.test_views import text
from tests.factories import command_researcher
from tests.jobs.helpers import fetch_via_job

pytestmark = pytest.mark.django_db

JUDGE = "examining_judge"
# What an effect on the complaint rate looks like in each output.
COMPLAINT_OUTCOMES = {"complaint_within", "cooperation_within", "complaint"}
COMPLAINT_PHRASES = (
    "deden binnen",  # counts of complaints in a comparison
    "Tijd tot aangifte",
    "aandeel met aangifte",
    "Gespreide invoering",
    "aangifte binnen 180 dagen",
    "werkten binnen",
)


@pytest.fixture
def demo(db, researcher, client, login):
    call_command("demo", stdout=io.StringIO())
    login(researcher)
    return client


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    # pdfium ends lines with \r\n and breaks long words nowhere (no hyphenation in the report)
    return _squash(" ".join(pages))


def _run(*args) -> str:
    buffer = io.StringIO()
    call_command("evaluate", *args, user=command_researcher().username, stdout=buffer)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)  # the worker makes the PDF (tests/jobs/helpers.py)
def test_every_output_shows_the_same_primary_sentence_first(demo, researcher):
    result = evaluation_for(researcher)
    sentences = {
        item.spec.code: presenter_primary.primary_sentence(item.primary)
        for item in result.interventions
    }
    # the demo's verdicts are the ones the pilot design and the data give (not all 'no verdict')
    verdicts = {item.spec.code: item.primary.verdict for item in result.interventions}
    assert verdicts[JUDGE] is not Verdict.NOT_YET_POSSIBLE
    assert verdicts["shorter_lead_times"] is Verdict.NOT_YET_POSSIBLE  # no units deployed
    assert len(set(verdicts.values())) >= 3

    overview = text(demo.get("/evaluatie/"))
    for code, sentence in sentences.items():
        assert sentence in overview, code
        # first: before the sensitivity table
        assert overview.index(sentence) < overview.index("Gevoeligheidsanalyses per interventie")

    for item in result.interventions:
        page = text(demo.get(f"/evaluatie/{item.spec.code}/"))
        sentence = sentences[item.spec.code]
        assert sentence in page
        assert page.index("Conclusie (primaire analyse)") < page.index(sentence)
        assert page.index(sentence) < page.index("Gevoeligheidsanalyses")

    response = fetch_via_job(demo, "/rapporten/evaluatie.pdf")
    assert response.status_code == 200
    pdf = _pdf_text(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    suppressed = "Onderdrukt: een van de groepen van de primaire analyse is kleiner dan 10"
    for item in result.interventions:
        sentence = _squash(sentences[item.spec.code])
        if item.primary.n1 and item.primary.n0 and not comparison_publishable(item.primary):
            # disclosure control: a cell below the minimum size hides the whole verdict
            assert sentence not in pdf
            assert suppressed in pdf
        else:
            assert sentence in pdf, item.spec.code
    assert suppressed not in pdf or any(
        not comparison_publishable(i.primary) for i in result.interventions if i.primary.n1
    )

    payload = json.loads(_run("--format", "json"))
    cli = research_evaluation()
    assert [i.primary for i in cli.interventions] == [i.primary for i in result.interventions]
    for exported in payload["interventions"]:
        code = exported["spec"]["code"]
        assert list(exported)[:4] == ["_type", "spec", "primary", "sensitivity"]
        assert exported["primary"]["sentence"] == sentences[code]
        assert exported["primary"]["verdict"] == str(verdicts[code])

    rows = read_dutch_csv(_run("--format", "csv"))
    header, body = rows[0], rows[1:]
    first_other = next(i for i, row in enumerate(body) if row[0] != "primaire analyse")
    assert all(row[0] != "primaire analyse" for row in body[first_other:])  # primary rows first
    measure, estimate, analysis = (header.index(c) for c in ("maat", "schatting", "analyse"))
    csv_sentences = {row[1]: row[estimate] for row in body if row[measure] == "uitkomst in woorden"}
    assert csv_sentences == sentences
    csv_verdicts = {row[1]: row[estimate] for row in body if row[measure] == "oordeel"}
    assert csv_verdicts == {
        code: str(presenter_primary.VERDICT_LABELS[verdict]) for code, verdict in verdicts.items()
    }
    sensitivity_tables = ("effect", "tijd tot aangifte", "gespreide invoering")
    assert {row[analysis] for row in body if row[0] in sensitivity_tables} == {"gevoeligheid"}
    assert {row[analysis] for row in body if row[0] == "primaire analyse"} == {"primair"}
    assert not [row for row in body if "power" in row[measure] or "80pct" in row[measure]]
    planning = [row for row in body if row[measure].startswith("casussen per groep nodig")]
    assert planning and all(int(r[7]) <= int(r[6]) <= int(r[8]) for r in planning)


def test_twfe_is_labelled_as_sensitivity_only(demo, researcher):
    result = evaluation_for(researcher)
    item = next(i for i in result.interventions if i.staggered is not None)
    page = text(demo.get(f"/evaluatie/{item.spec.code}/"))
    section = page[page.index("Gespreide invoering") :]
    assert "Twee-weg vaste effecten" in section
    assert "geen gelijkwaardig alternatief" in section
    assert page.index("Twee-weg vaste effecten") > page.index("Gevoeligheidsanalyses")


def _no_complaint_outcome(value, path="") -> list[str]:
    """Paths in exported JSON where a comparison on the complaint (or cooperation) appears."""
    found = []
    if isinstance(value, dict):
        if value.get("outcome") in COMPLAINT_OUTCOMES:
            found.append(path)
        if value.get("_type") == "SurvivalComparison":
            found.append(path)
        for key, inner in value.items():
            found += _no_complaint_outcome(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _no_complaint_outcome(inner, f"{path}[{index}]")
    return found


def test_an_after_complaint_intervention_has_no_complaint_rate_effect_anywhere(demo, researcher):
    result = evaluation_for(researcher)
    judge = next(i for i in result.interventions if i.spec.code == JUDGE)
    assert judge.spec.after_complaint
    assert judge.primary.outcome == judge.itt.outcome == RETAINED_AFTER_COMPLAINT
    assert judge.itt.n1 > 0 and judge.delivered.n1 > 0  # it is compared, on retention

    page = text(demo.get(f"/evaluatie/{JUDGE}/"))
    body = page[page.index("Conclusie (primaire analyse)") :]
    for phrase in COMPLAINT_PHRASES:
        assert phrase not in body, phrase
    assert "bleven in de 180 dagen na hun aangifte in het strafproces" in body
    assert "niet afhaakt uit het strafproces" in body or "niet afhaken" in body

    overview = demo.get("/evaluatie/").content.decode()
    row = re.search(
        rf'<tr>\s*<th scope="row"><a href="/evaluatie/{JUDGE}/">(.*?)</tr>', overview, re.S
    )
    assert row is not None
    assert "in het strafproces gebleven, 180 dagen na de aangifte" in row.group(1)
    assert "aangifte binnen" not in row.group(1)

    html = demo.get("/rapporten/evaluatie.html").content.decode()
    report = _squash(re.sub(r"<[^>]+>", " ", html))
    label = judge.spec.label
    start = report.index(f"{label} Conclusie (primaire analyse)")
    following = [
        report.find(f"{i.spec.label} Conclusie (primaire analyse)", start + 1)
        for i in result.interventions
    ]
    end = min([f for f in following if f > start] + [report.index("Doorlooptijd", start)])
    section = report[start:end]
    for phrase in COMPLAINT_PHRASES:
        assert phrase not in section, phrase
    assert "in het strafproces" in section

    payload = json.loads(_run("--format", "json"))
    exported = next(i for i in payload["interventions"] if i["spec"]["code"] == JUDGE)
    assert _no_complaint_outcome(exported) == []
    assert exported["sensitivity"] == ["itt", "delivered"]

    rows = read_dutch_csv(_run("--format", "csv"))
    judge_rows = [row for row in rows[1:] if row[1] == JUDGE]
    assert judge_rows
    assert {row[4] for row in judge_rows} == {"in het strafproces gebleven na de aangifte"}
    assert RETAINED_AFTER_COMPLAINT in {i.itt.outcome for i in result.interventions}
