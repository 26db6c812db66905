"""The long lists' tables rendered by Jinja2 (conf/jinja.py, ADR 0030) against the Django
templates they replaced, as the oracle: the same elements, attributes and text for cases and
signals in every state a cell distinguishes, and hostile text escaped. Compared as parsed HTML,
because the two engines write the same escaped character differently (&#39; and &#x27;)."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from django.template import Context, Template, engines
from django.utils import timezone, translation
from lxml import html as lxml_html

from inbeeld import policy, web
from inbeeld.cases.models import Case, WithdrawalReason
from inbeeld.cases.selectors import case_timeline
from inbeeld.cases.services import event_correct, event_withdraw
from inbeeld.intake.models import Signal, SignalStatus
from inbeeld.reference.models import PoliceUnit
from tests.factories import CaseFactory, chain_recorder, event_type, record_events
from tests.intake.conftest import _submit

# The Django templates as they were before the move (git 7b97027..ea7f88a), word for word.
OLD_CASE_TABLE = """{% load i18n %}<div class="table-wrap" tabindex="0" role="region" aria-label="{% translate 'Casussen' %}">
<table class="table-stack" data-testid="case-list">
  <caption class="visually-hidden">{% translate "Casussen, gefilterd en gesorteerd" %}</caption>
  <thead>
    <tr>
      <th scope="col">{% translate "Casuscode" %}</th>
      <th scope="col">{% translate "Eenheid" %}</th>
      <th scope="col">{% translate "Instroom" %}</th>
      <th scope="col">{% translate "Uitbuitingsvorm" %}</th>
      <th scope="col">{% translate "Minderjarig" %}</th>
      <th scope="col">{% translate "Fase" %}</th>
    </tr>
  </thead>
  <tbody>{% translate "Casuscode" as l_code %}{% translate "Eenheid" as l_unit %}{% translate "Instroom" as l_intake %}{% translate "Uitbuitingsvorm" as l_form %}{% translate "Minderjarig" as l_minor %}{% translate "Fase" as l_phase %}{% translate "ja,nee" as yes_no %}
    {% for case in page.object_list %}
    <tr>
      <td data-label="{{ l_code }}"><a href="{% url 'cases:detail' case.code %}">{{ case.code }}</a></td>
      <td data-label="{{ l_unit }}">{{ case.police_unit.name }}</td>
      <td data-label="{{ l_intake }}">{{ case.intake_date|date:"j M Y" }}</td>
      <td data-label="{{ l_form }}">{% for form in case.exploitation_forms.all %}{{ form.label }}{% if not forloop.last %}, {% endif %}{% endfor %}</td>
      <td data-label="{{ l_minor }}">{{ case.minor_at_intake|yesno:yes_no }}</td>
      <td data-label="{{ l_phase }}" data-testid="case-list-status">{{ case.get_status_display }}</td>
    </tr>
    {% endfor %}
  </tbody>
</table>
</div>"""

OLD_QUEUE_TABLE = """{% load i18n intake_extras list_rows %}<div class="table-wrap" tabindex="0" role="region" aria-label="{% translate 'Wachtrij signalen' %}"><table class="table-stack" data-testid="signal-queue">
  <caption class="visually-hidden">{% translate "Wachtrij signalen" %}</caption>
  <thead><tr><th scope="col">{% translate "Kenmerk" %}</th><th scope="col">{% translate "Urgentie" %}</th><th scope="col">{% translate "Ontvangen" %}</th><th scope="col">{% translate "Status" %}</th><th scope="col">{% translate "Termijn" %}</th><th scope="col">{% translate "Eenheid" %}</th></tr></thead>
  <tbody>
  {% translate "Kenmerk" as dl_kenmerk %}{% translate "Urgentie" as dl_urgentie %}{% translate "Ontvangen" as dl_ontvangen %}{% translate "Status" as dl_status %}{% translate "Termijn" as dl_termijn %}{% translate "Eenheid" as dl_eenheid %}{% for s in page.object_list %}
  <tr{% if s.is_acute %} class="row-acute"{% endif %}>
    <td data-label="{{ dl_kenmerk }}"><a href="{% row_url 'intake:detail' s.reference %}">{{ s.reference }}</a></td>
    <td data-label="{{ dl_urgentie }}">{% if s.is_acute %}<strong class="acute-tag">{{ s.get_urgency_display }}</strong>{% else %}{{ s.get_urgency_display }}{% endif %}</td>
    <td data-label="{{ dl_ontvangen }}">{{ s.received_at|row_moment }}</td>
    <td data-label="{{ dl_status }}">{{ s.get_status_display }}{% if s.question_open %} <span class="tag">{% translate "vraag uitstaand" %}</span>{% endif %}{% if s.answer_pending %} <span class="tag" data-testid="queue-answer-received">{% translate "antwoord ontvangen" %}</span>{% endif %}{% if s.likely_duplicates %} <span class="tag tag-duplicate" data-testid="likely-duplicate">{% translate "mogelijk dubbel" %}</span> <span class="meta">{% blocktranslate count n=s.likely_duplicates|length with refs=s.likely_duplicates|join:", " %}zelfde inhoud als {{ refs }}{% plural %}zelfde inhoud als {{ refs }}{% endblocktranslate %}</span>{% endif %}</td>
    <td data-label="{{ dl_termijn }}" data-testid="queue-due">{% signal_due s now %}</td>
    <td data-label="{{ dl_eenheid }}">{{ s.police_unit }}</td>
  </tr>
  {% endfor %}
  </tbody>
</table></div>"""

OLD_SIGNAL_TABLE = """{% load i18n intake_extras list_rows %}{% if signals %}<div class="table-wrap" tabindex="0" role="region" aria-label="{{ label }}"><table class="table-stack" data-testid="{{ testid }}">
  <thead><tr><th scope="col">{% translate "Kenmerk" %}</th><th scope="col">{% translate "Urgentie" %}</th><th scope="col">{% translate "Ontvangen" %}</th><th scope="col">{% translate "Status" %}</th><th scope="col">{% translate "Termijn" %}</th></tr></thead>
  <tbody>{% translate "Kenmerk" as dl_kenmerk %}{% translate "Urgentie" as dl_urgentie %}{% translate "Ontvangen" as dl_ontvangen %}{% translate "Status" as dl_status %}{% translate "Termijn" as dl_termijn %}{% for s in signals %}<tr{% if s.is_acute %} class="row-acute"{% endif %}><td data-label="{{ dl_kenmerk }}"><a href="{% row_url 'intake:detail' s.reference %}">{{ s.reference }}</a></td><td data-label="{{ dl_urgentie }}">{{ s.get_urgency_display }}</td><td data-label="{{ dl_ontvangen }}">{{ s.received_at|row_moment }}</td><td data-label="{{ dl_status }}">{{ s.get_status_display }}</td><td data-label="{{ dl_termijn }}">{% signal_due s now %}</td></tr>{% endfor %}</tbody>
</table></div>{% else %}<p>{% translate "Geen." %}</p>{% endif %}"""

OLD_TIMELINE = """{% load i18n list_rows %}
{% if timeline %}
<ol class="timeline" aria-labelledby="tijdlijn">
  {% for entry in timeline %}
  <li class="timeline-item{% if entry.superseded %} superseded{% endif %}{% if entry.withdrawal %} withdrawn{% endif %}" data-testid="timeline-event">
    <p class="timeline-head">{% if entry.withdrawal %}<s data-testid="withdrawn-event">{% endif %}
      <time datetime="{{ entry.event.event_date|date:'Y-m-d' }}">{% if entry.event.date_precision == "year" %}{{ entry.event.event_date|date:"Y" }}{% elif entry.event.date_precision == "month" %}{{ entry.event.event_date|date:"F Y" }}{% else %}{{ entry.event.event_date|date:"j F Y" }}{% endif %}</time>
      <strong>{{ entry.event.event_type.label }}</strong>
      {% if entry.event.outcome %}– {{ entry.outcome_label }}{% endif %}
    {% if entry.withdrawal %}</s>{% endif %}</p>
    {% if entry.superseded %}<p class="tag">{% translate "Gecorrigeerd – niet meer geldig" %}</p>{% endif %}
    {% if entry.withdrawal %}<p class="tag" data-testid="withdrawal-note">{% blocktranslate with when=entry.withdrawal.withdrawn_at|date:"j F Y H:i" reason=entry.withdrawal.get_reason_display %}Ingetrokken op {{ when }} – reden: {{ reason }}. Telt niet meer mee.{% endblocktranslate %}{% if entry.withdrawn_by %} <span class="meta">{% translate "Ingetrokken door" %} {{ entry.withdrawn_by }}</span>{% endif %}</p>{% endif %}
    {% if entry.corrects %}<p class="tag">{% blocktranslate with label=entry.corrects.event_type.label date=entry.corrects.event_date|date:"j F Y" %}Correctie van: {{ label }} ({{ date }}){% endblocktranslate %}</p>{% endif %}
    {% if show_people %}<p class="meta">{% translate "Vastgelegd door" %} {{ entry.event.author|default:_("systeem") }}{% if entry.event.organisation %}, {{ entry.event.organisation }}{% endif %}</p>{% endif %}
    {% if show_notes %}{% if entry.note %}<p class="note">{{ entry.note|linebreaksbr }}</p>{% elif entry.has_note %}<p class="meta">{% translate "Er is een notitie die alleen voor een andere beroepsgroep zichtbaar is." %}</p>{% endif %}{% endif %}
    {% if can_correct and entry.effective and entry.event.event_type.code in recordable_codes %}<p class="timeline-actions"><a href="{% row_url 'cases:event_correct' case.code entry.event.pk %}">{% translate "Corrigeren" %}<span class="visually-hidden"> {{ entry.event.event_type.label }}</span></a> · <a href="{% row_url 'cases:event_withdraw' case.code entry.event.pk %}">{% translate "Intrekken" %}<span class="visually-hidden"> {{ entry.event.event_type.label }}</span></a></p>{% endif %}
  </li>
  {% endfor %}
</ol>
{% else %}
<p>{% translate "Nog geen gebeurtenissen vastgelegd." %}</p>
{% endif %}"""

HOSTILE = "<b>&\"'x"


def _tree(markup: str):
    """``markup`` as nested (tag, attributes, text) with white space collapsed."""
    root = lxml_html.fragment_fromstring(markup, create_parent="div")

    def walk(element):
        text = " ".join((element.text or "").split())
        tail = " ".join((element.tail or "").split())
        return (
            element.tag,
            tuple(sorted(element.attrib.items())),
            text,
            tail,
            tuple(walk(child) for child in element),
        )

    return walk(root)


def _jinja(name: str, **values) -> str:
    return engines["rows"].get_template(name).render(values)


def _django(source: str, **values) -> str:
    return Template(source).render(Context(values))


@pytest.mark.django_db
def test_the_case_table_renders_what_the_django_template_rendered():
    hostile_unit = PoliceUnit.objects.get(code="amsterdam")
    hostile_unit.name = f"Amsterdam {HOSTILE}"
    hostile_unit.save()
    cases = [
        CaseFactory(forms=["sexual", "labour"], minor=True, intake_date=dt.date(2026, 3, 29)),
        CaseFactory(forms=[], intake_date=dt.date(987, 12, 1)),
        CaseFactory(forms=["criminal"], status="investigation"),
    ]
    Case.objects.filter(pk=cases[1].pk).update(code=HOSTILE)
    listed = list(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .select_related("police_unit")
        .prefetch_related("exploitation_forms")
        .order_by("pk")
    )
    with translation.override("nl"):
        new = _jinja("cases/_case_table.html", cases=listed)
        old = _django(OLD_CASE_TABLE, page={"object_list": listed})
    assert _tree(new) == _tree(old)
    assert new.count("<tr>") == 4  # the header and three cases: not an empty table twice
    assert "&lt;b&gt;&amp;" in new and HOSTILE not in new
    assert "29 Mrt 2026" in new and "1 Dec 0987" in new and ">ja<" in new and ">nee<" in new


def _signals_in_every_state(now):
    acute, _ = _submit(urgency="acute")
    late, _ = _submit()
    triage, _ = _submit()
    closed, _ = _submit()
    Signal.objects.filter(pk=late.pk).update(
        acknowledge_due_at=now - dt.timedelta(hours=1), question_open=True, answer_pending=True
    )
    Signal.objects.filter(pk=triage.pk).update(status=SignalStatus.IN_TRIAGE)
    Signal.objects.filter(pk=closed.pk).update(status=SignalStatus.NO_ACTION)
    Signal.objects.filter(pk=acute.pk).update(reference=HOSTILE)
    signals = list(Signal.objects.select_related("police_unit").order_by("pk"))
    for signal in signals:
        signal.likely_duplicates = []
    signals[1].likely_duplicates = ["SIG-1", HOSTILE]
    signals[2].likely_duplicates = ["SIG-2"]
    return signals


@pytest.mark.django_db
def test_the_queue_table_renders_what_the_django_template_rendered():
    now = timezone.now()
    signals = _signals_in_every_state(now)
    with translation.override("nl"):
        new = _jinja("intake/_queue_table.html", signals=signals, now=now)
        old = _django(OLD_QUEUE_TABLE, page={"object_list": signals}, now=now)
    assert _tree(new) == _tree(old)
    assert new.count('class="row-acute"') == 1
    assert new.count('data-testid="likely-duplicate"') == 2
    assert "zelfde inhoud als SIG-1, &lt;b&gt;" in new and HOSTILE not in new
    assert 'class="overdue"' in new and "besluit vóór" in new and "—" in new
    assert "vraag uitstaand" in new and "antwoord ontvangen" in new


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 4])
def test_the_overdue_table_renders_what_the_django_template_rendered(count):
    now = timezone.now()
    signals = _signals_in_every_state(now)[:count]
    values = {"signals": signals, "now": now, "testid": "overdue-x", "label": f"Te laat {HOSTILE}"}
    with translation.override("nl"):
        new = _jinja("intake/_signal_table.html", **values)
        old = _django(OLD_SIGNAL_TABLE, **values)
    assert _tree(new) == _tree(old)
    assert ("Geen." in new) is (count == 0)


def test_a_name_the_table_does_not_get_is_an_error_not_an_empty_cell():
    with pytest.raises(jinja2.UndefinedError):
        _jinja("cases/_case_table.html")


def test_the_table_tag_inserts_the_escaped_table_once():
    page = Template(
        '{% load list_rows %}<main>{% rows "intake/_signal_table.html" signals=none '
        'testid="t" label=label now=now %}</main>'
    ).render(Context({"none": [], "label": HOSTILE, "now": timezone.now()}))
    assert page == "<main><p>Geen.</p></main>"


DATES = [dt.date(2026, month, 1) for month in range(1, 13)] + [
    dt.date(2026, 12, 31),
    dt.date(987, 5, 17),
    dt.date(2026, 2, 28),
]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("value", DATES, ids=str)
def test_short_date_shows_what_the_date_filter_shows(value, language):
    with translation.override(language):
        expected = Template('{{ v|date:"j M Y" }}').render(Context({"v": value}))
        assert web.short_date(value) == expected
        assert _jinja_filter(value) == expected


def _jinja_filter(value) -> str:
    return engines["rows"].from_string("{{ v|short_date }}").render({"v": value})


@pytest.mark.django_db
@pytest.mark.parametrize("show_notes", [True, False])
@pytest.mark.parametrize("can_correct", [True, False])
@pytest.mark.parametrize("show_people", [True, False])
def test_the_timeline_renders_what_the_django_template_rendered(
    show_notes, can_correct, show_people
):
    """Every kind of entry: a withdrawn event, a corrected one and its correction, a note with a
    line break and markup, an outcome, dates known to the year, the month and the day."""
    case = CaseFactory(intake_date=dt.date(2024, 3, 1))
    recorder = chain_recorder(case.police_unit)
    contact, mistaken = record_events(
        case,
        [("first_police_contact", "", "regel 1\n<b>regel</b> & 2"), ("complaint_filed", "")],
        actor=recorder,
    )
    event_withdraw(actor=recorder, event=mistaken, reason=WithdrawalReason.MISTAKE)
    (complaint,) = record_events(
        case, [("complaint_filed", "")], actor=recorder, start=dt.date(2024, 3, 20)
    )
    (decision,) = record_events(
        case, [("prosecution_decision", "summons")], actor=recorder, start=dt.date(2024, 5, 1)
    )
    event_correct(
        actor=recorder,
        event=decision,
        event_type=event_type("prosecution_decision"),
        event_date=dt.date(2024, 5, 9),
        outcome="summons",
    )
    timeline = case_timeline(recorder, case)
    # Rows are append-only: the precisions are set on the loaded events (what is shown).
    precision = {contact.pk: "month", complaint.pk: "year"}
    for entry in timeline:
        entry.event.date_precision = precision.get(entry.event.pk, entry.event.date_precision)
    values = {
        "case": case,
        "timeline": timeline,
        "show_people": show_people,
        "show_notes": show_notes,
        "can_correct": can_correct,
        "recordable_codes": policy.recordable_event_codes(recorder, case),
    }
    with translation.override("nl"):
        new = _jinja("cases/_timeline.html", **values)
        old = _django(OLD_TIMELINE, **values)
    assert _tree(new) == _tree(old)
    assert new.count('data-testid="timeline-event"') == 5
    assert ("regel 1<br>&lt;b&gt;regel&lt;/b&gt; &amp; 2" in new) is show_notes
    assert ("/corrigeren/" in new or "corrigeren" in new) is can_correct
    assert "maart 2024" in new and ">2024<" in new and "Ingetrokken op" in new
    assert "Correctie van:" in new and "Gecorrigeerd" in new


@pytest.mark.django_db
def test_an_empty_timeline_says_so():
    with translation.override("nl"):
        new = _jinja(
            "cases/_timeline.html",
            case=None,
            timeline=[],
            show_people=True,
            show_notes=True,
            can_correct=False,
            recordable_codes=(),
        )
        old = _django(OLD_TIMELINE, timeline=[])
    assert _tree(new) == _tree(old)
    assert "Nog geen gebeurtenissen vastgelegd." in new


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("value", DATES, ids=str)
def test_long_dates_show_what_the_date_filter_shows(value, language):
    moment = timezone.make_aware(dt.datetime.combine(value, dt.time(23, 30)), dt.UTC)
    with translation.override(language):
        for fmt, mine in (("j F Y", web.long_date(value)), ("F Y", web.long_date(value, day=False))):
            assert mine == Template("{{ v|date:f }}").render(Context({"v": value, "f": fmt}))
        expected = Template('{{ v|date:"j F Y H:i" }}').render(Context({"v": moment}))
        assert web.long_moment(moment) == expected
