"""Intake pages through the Django test client, on the real database: the public form (/melden/)
with honeypot and rate limit, the receipt-code status page, one-time links, the signaller's own
signals, the safety coordinator's queue and actions, the funnel and the menus.

Signals are made through the real services (the ``submit`` fixture, ``bring_to``); what a page
refuses is proven with ``row_counts`` before and after.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbeeld.accounts.models import Organisation, Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Case
from inbeeld.cases.services import event_record
from inbeeld.crypto import decrypt_text
from inbeeld.intake import receipts, selectors, services
from inbeeld.intake.models import (
    Channel,
    IntakeLink,
    PublicIntakeAttempt,
    Signal,
    SignalEvent,
    SignallerType,
)
from inbeeld.intake.workflow import SignalStatus
from inbeeld.reference.models import Indicator
from tests.conftest import verified_login
from tests.factories import OrganisationFactory, event_type, form, make_user, unit
from tests.intake.conftest import (
    DESCRIPTION,
    SUBJECT_NAME,
    add_catalogue_version,
    bring_to,
    current_catalogue,
    indicator,
    raw_row,
    row_counts,
)

pytestmark = pytest.mark.django_db

PUBLIC_URL = "/melden/"
STATUS_URL = "/melden/status/"
QUEUE_URL = "/signalen/"
LINKS_URL = "/signalen/meldlinks/"
FUNNEL_URL = "/signalen/trechter/"
LOGIN_URL = "/account/inloggen/"
OTHER_ADDRESS = "198.51.100.23"

RECEIPT_RE = re.compile(r'data-testid="receipt-code">([^<]+)<')
ITEM = "sudden-money-or-expensive-items"


RECEIPT_URL = "/melden/ontvangen/"


def shown(response):
    """The page the browser shows: a signal sent from the anonymous form redirects to the receipt
    page (post/redirect/get), which this follows once (the receipt is shown only once, so the
    followed page is kept on the response)."""
    if response.status_code == 302 and response.url == RECEIPT_URL:
        if not hasattr(response, "_followed"):
            response._followed = response.client.get(RECEIPT_URL)
        return response._followed
    return response


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return html.unescape(shown(response).content.decode())


def receipt_of(response) -> str:
    match = RECEIPT_RE.search(shown(response).content.decode())
    assert match, "no receipt code on the page"
    return match.group(1).strip()


def signal_data(**overrides) -> dict:
    """A complete, valid POST of the signal form; a value of None leaves the field out."""
    data = {
        "urgency": "normal",
        "signaller_type": "sports_club",
        "indicators": [str(indicator(ITEM).pk)],
        "description": DESCRIPTION,
        "age_band": "16-17",
        "gender": "female",
        "subject_name": SUBJECT_NAME,
        "police_unit": str(unit("oost-nederland").pk),
        "municipality": "Enschede",
        "contact_name": "Trainer Tamara",
        "contact_organisation": "Voetbalclub De Bal",
        "contact_phone": "06-12345678",
        "contact_email": "tamara@example.org",
        "website": "",
        # The one-time form token the page hands out (each call: a fresh form).
        "submission_token": receipts.submission_token_new(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def anonymous() -> Client:
    return Client()


def form_errors(response) -> dict:
    return response.context["form"].errors


def all_errors(response) -> str:
    return " ".join(str(e) for errors in form_errors(response).values() for e in errors)


# --- the public form ------------------------------------------------------------------------------


def test_public_form_shows_112_and_the_catalogue_grouped_by_category_with_help_texts(client):
    response = client.get(PUBLIC_URL)
    assert response.status_code == 200
    page = text(response)
    assert "Acuut gevaar? Bel direct 112." in page
    assert 'class="emergency' in page

    items = list(
        Indicator.objects.filter(category__catalogue_version=services.current_catalogue_version())
        .select_related("category")
        .order_by("category__order", "order")
    )
    assert len(items) > 20
    # One checkbox per item of the current catalogue, each with its explanation next to it.
    assert page.count('name="indicators"') == len(items)
    for item in items:
        assert f'value="{item.pk}"' in page
        assert item.label in page
        assert item.help_text and item.help_text in page
    # Grouped: one <details> per category, in the catalogue's order.
    categories = list(dict.fromkeys(item.category for item in items))
    summaries = re.findall(r"<summary>([^<]+)", page)
    assert [s.strip() for s in summaries] == [c.label for c in categories]
    assert page.count('class="indicator-group"') == len(categories)
    # The public form asks who reports and where, and carries the hidden honeypot.
    assert 'name="signaller_type"' in page
    assert 'name="police_unit"' in page
    assert 'name="website"' in page and 'aria-hidden="true"' in page


def test_a_valid_public_post_stores_one_signal_in_the_chosen_unit_and_shows_a_receipt(client):
    before = row_counts()
    response = client.post(PUBLIC_URL, signal_data())

    # Post/redirect/get: the receipt is on the page the browser is sent to.
    assert (response.status_code, response.url) == (302, RECEIPT_URL)
    assert shown(response).status_code == 200
    assert row_counts()["signals"] == before["signals"] + 1
    signal = Signal.objects.get()
    assert signal.police_unit == unit("oost-nederland")
    assert signal.channel == Channel.PUBLIC
    assert signal.signaller_type == SignallerType.SPORTS_CLUB
    assert signal.submitted_by is None and signal.organisation is None
    assert list(signal.indicators.all()) == [indicator(ITEM)]
    assert signal.municipality == "Enschede"
    assert decrypt_text(signal.subject_name_ciphertext) == SUBJECT_NAME

    code = receipt_of(response)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert selectors.signal_by_receipt(code) == signal
    page = text(response)
    assert "Eenheid Oost-Nederland" in page
    # Shown on the receipt page only: never in the redirect, a link or a form address ...
    assert code not in response["Location"] and code.replace("-", "") not in response["Location"]
    for address in re.findall(r'(?:href|action|src)="([^"]*)"', page):
        assert code not in address
        assert code.replace("-", "") not in address
    # ... carried to that page encrypted in the session, and gone from it once shown ...
    from django.contrib.sessions.models import Session

    for stored in Session.objects.values_list("session_data", flat=True):
        assert code not in stored and code.replace("-", "") not in stored
    assert "intake_receipt" not in client.session
    # ... and never stored in plain text (only its keyed hash), nor the name.
    row = " ".join(str(value) for value in raw_row("intake_signal", signal.pk))
    assert code not in row and code.replace("-", "") not in row
    assert SUBJECT_NAME not in row
    assert signal.receipt_hash == services.receipt_hash(code)


def test_an_acute_public_signal_repeats_the_112_block_on_the_receipt(client):
    response = client.post(PUBLIC_URL, signal_data(urgency="acute"))
    assert shown(response).status_code == 200
    assert "emergency-now" in text(response)
    assert Signal.objects.get().is_acute


def test_the_honeypot_shows_thanks_without_a_receipt_and_stores_nothing(client):
    before = row_counts()
    attempts = PublicIntakeAttempt.objects.count()

    response = client.post(PUBLIC_URL, signal_data(website="https://spam.example"))

    assert response.status_code == 200
    assert "Dank u wel" in text(response)
    assert 'data-testid="receipt-code"' not in response.content.decode()
    assert row_counts() == before
    assert PublicIntakeAttempt.objects.count() == attempts


def test_more_posts_than_the_hourly_limit_from_one_address_get_429(client):
    limit = settings.INBEELD_PUBLIC_INTAKE_PER_HOUR
    assert limit >= 1
    for _ in range(limit):
        assert shown(client.post(PUBLIC_URL, signal_data())).status_code == 200
    assert Signal.objects.count() == limit
    before = row_counts()

    response = client.post(PUBLIC_URL, signal_data())

    assert response.status_code == 429
    page = text(response)
    assert "te veel meldingen gedaan" in page
    assert "112" in page
    assert 'data-testid="receipt-code"' not in page
    assert row_counts() == before
    # The address itself is never stored, only a keyed hash of it.
    assert not PublicIntakeAttempt.objects.filter(client_hash__contains="127.0.0.1").exists()

    other = client.post(PUBLIC_URL, signal_data(), REMOTE_ADDR=OTHER_ADDRESS)
    assert shown(other).status_code == 200
    assert selectors.signal_by_receipt(receipt_of(other)) is not None
    assert Signal.objects.count() == limit + 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"indicators": None, "description": "   "},
            "indicators",
            "Kies ten minste één signaal of beschrijf in eigen woorden wat u opviel.",
        ),
        ({"contact_email": "geen-e-mailadres"}, "contact_email", "Vul een geldig e-mailadres in."),
        ({"age_band": ""}, "age_band", "Kies een leeftijd, of 'onbekend'."),
        ({"age_band": None}, "age_band", "Kies een leeftijd, of 'onbekend'."),
        ({"indicators": ["999999"]}, "indicators", "Kies signalen uit de lijst."),
        ({"indicators": ["geen-getal"]}, "indicators", "Kies signalen uit de lijst."),
        ({"description": "x" * 5000}, "description", "4000"),
        ({"police_unit": ""}, "police_unit", "Kies de regio (politie-eenheid) waar het speelt."),
        ({"urgency": None}, "urgency", "Geef aan of er nu acuut gevaar is."),
        (
            {"signaller_type": None},
            "signaller_type",
            "Kies of u als privépersoon meldt of vanuit welke organisatie.",
        ),
    ],
    ids=[
        "nothing-noticed",
        "bad-email",
        "empty-age",
        "missing-age",
        "unknown-indicator",
        "non-numeric-indicator",
        "description-too-long",
        "no-unit",
        "no-urgency",
        "no-signaller-type",
    ],
)
def test_invalid_public_input_gives_dutch_errors_and_stores_nothing(
    client, overrides, field, message
):
    before = row_counts()
    response = client.post(PUBLIC_URL, signal_data(**overrides))

    assert response.status_code == 200
    assert field in form_errors(response)
    assert message in " ".join(form_errors(response)[field])
    page = text(response)
    assert "Controleer het formulier:" in page
    assert message in page
    assert 'data-testid="receipt-code"' not in page
    assert row_counts() == before


def test_the_long_description_error_is_in_dutch(client):
    response = client.post(PUBLIC_URL, signal_data(description="x" * 5000))
    assert response.status_code == 200
    error = " ".join(form_errors(response)["description"])
    assert "tekens" in error and "5000" in error
    assert "characters" not in error
    assert Signal.objects.count() == 0


def test_an_indicator_of_another_catalogue_version_is_refused(client):
    # A newer version not yet in force: its items are not on today's form.
    current = current_catalogue()
    later = add_catalogue_version(
        valid_from=dt.date(2999, 1, 1), add=("sexual-behaviour", "new", "Nieuw")
    )
    assert services.current_catalogue_version() == current
    other = indicator(ITEM, version=later)
    assert other.pk != indicator(ITEM).pk
    before = row_counts()

    response = client.post(PUBLIC_URL, signal_data(indicators=[str(other.pk)]))

    assert response.status_code == 200
    assert "Kies signalen uit de lijst." in form_errors(response)["indicators"]
    assert row_counts() == before
    assert f'value="{other.pk}"' not in response.content.decode()


# --- the receipt-code status page -------------------------------------------------------------------


def test_a_wrong_receipt_code_gets_a_dutch_error(client, submit):
    submit()
    response = client.post(STATUS_URL, {"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 200
    assert "Deze ontvangstcode kennen we niet. Controleer de code." in text(response)
    assert 'data-testid="signal-status"' not in response.content.decode()


def test_the_status_page_takes_no_code_from_the_url(client, submit):
    _, code = submit()
    response = client.get(STATUS_URL, {"code": code})
    assert response.status_code == 200
    assert 'data-testid="signal-status"' not in response.content.decode()


def test_too_many_wrong_codes_lock_out_even_the_right_code(client, submit):
    _, code = submit()
    limit = settings.INBEELD_PUBLIC_INTAKE_PER_HOUR
    for n in range(limit):
        response = client.post(STATUS_URL, {"code": f"ZZZZ-ZZZZ-ZZ{n:02d}"})
        assert response.status_code == 200

    response = client.post(STATUS_URL, {"code": code})

    assert response.status_code == 429
    assert "Te veel onjuiste codes. Probeer het over een uur opnieuw." in text(response)
    assert 'data-testid="signal-status"' not in response.content.decode()
    # Another address is not locked out.
    other = client.post(STATUS_URL, {"code": code}, REMOTE_ADDR=OTHER_ADDRESS)
    assert other.status_code == 200
    assert 'data-testid="signal-status"' in other.content.decode()


def test_right_codes_do_not_count_against_the_limit(client, submit):
    _, code = submit()
    for _ in range(settings.INBEELD_PUBLIC_INTAKE_PER_HOUR + 1):
        assert client.post(STATUS_URL, {"code": code}).status_code == 200


@pytest.mark.parametrize(
    "spelling",
    [str.lower, lambda c: c.replace("-", ""), lambda c: f"  {c.lower()} "],
    ids=["lower-case", "without-dashes", "padded"],
)
def test_the_status_shows_the_coordinators_message_but_nothing_internal(
    client, submit, coordinator, spelling
):
    signal, code = submit(subject_name=SUBJECT_NAME)
    services.signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=SignalStatus.IN_TRIAGE,
        note="INTERNE-NOTITIE over de leerling",
        message="Dank u, wij bekijken uw signaal.",
    )
    services.signal_reroute(
        actor=coordinator,
        signal=signal,
        police_unit=unit("amsterdam"),
        reason="HERROUTERING: speelt in Amsterdam-Noord",
    )

    response = client.post(STATUS_URL, {"code": spelling(code)})

    assert response.status_code == 200
    page = text(response)
    assert re.search(r'data-testid="signal-status">In triage<', page)
    assert "Dank u, wij bekijken uw signaal." in page
    assert signal.reference not in page
    assert "SG-" not in page
    assert "INTERNE-NOTITIE" not in page
    assert "HERROUTERING" not in page
    assert "Doorgestuurd" not in page
    assert "Amsterdam" not in page and "Noord-Holland" not in page
    assert SUBJECT_NAME not in page
    assert DESCRIPTION not in page
    assert coordinator.last_name not in page


def test_an_open_question_can_be_answered_once_with_the_receipt_code(client, submit, coordinator):
    signal, code = submit()
    services.signal_ask(actor=coordinator, signal=signal, question="Hoe vaak heeft u dit gezien?")

    response = client.post(STATUS_URL, {"code": code})
    page = text(response)
    assert "De coördinator heeft een vraag" in page
    assert "Hoe vaak heeft u dit gezien?" in page
    assert 'name="answer"' in page

    response = client.post(STATUS_URL, {"code": code, "answer": "Drie keer deze maand."})

    assert response.status_code == 200
    page = text(response)
    assert "Uw antwoord is verstuurd." in page
    assert "Drie keer deze maand." in page  # now in the history
    assert 'name="answer"' not in page
    signal.refresh_from_db()
    assert not signal.question_open
    answers = SignalEvent.objects.filter(signal=signal, kind=SignalEvent.Kind.ANSWER)
    assert answers.count() == 1
    assert decrypt_text(answers.get().message_ciphertext) == "Drie keer deze maand."
    assert answers.get().actor is None

    # A second answer is not taken.
    again = client.post(STATUS_URL, {"code": code, "answer": "Nog iets."})
    assert again.status_code == 200
    assert answers.count() == 1
    assert "Nog iets." not in text(again)


def test_without_an_open_question_there_is_no_answer_form(client, submit):
    _, code = submit()
    response = client.post(STATUS_URL, {"code": code})
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="signal-status">Ontvangen<' in page
    assert 'name="answer"' not in page
    assert "De coördinator heeft een vraag" not in page


# --- one-time links ---------------------------------------------------------------------------------


def _make_link(login, coordinator, label="Trainer FC Zaandam") -> tuple[IntakeLink, str, str]:
    client = login(coordinator)
    response = client.post(
        LINKS_URL, {"label": label, "police_unit": str(unit("noord-holland").pk)}, follow=True
    )
    # Post/redirect/get (issue 11): the link is shown on the page after the redirect.
    assert response.redirect_chain == [(LINKS_URL, 302)]
    assert response.status_code == 200
    match = re.search(r'data-testid="new-link">([^<]+)<', response.content.decode())
    assert match, "the new link is not shown"
    url = match.group(1)
    token = re.search(r"/melden/link/([^/]+)/$", url).group(1)
    return IntakeLink.objects.get(token_hash=services.token_hash(token)), url, token


def test_a_coordinator_makes_a_link_shown_once_and_stored_as_a_hash(login, coordinator):
    link, url, token = _make_link(login, coordinator)

    assert url.startswith("http://testserver/melden/link/")
    assert link.police_unit == unit("noord-holland")
    assert link.created_by == coordinator
    assert link.used_at is None
    assert link.expires_at > timezone.now() + dt.timedelta(
        days=settings.INBEELD_INTAKE_LINK_DAYS - 1
    )
    assert link.token_hash == services.token_hash(token)
    row = " ".join(str(value) for value in raw_row("intake_intakelink", link.pk))
    assert token not in row
    assert AuditEvent.objects.filter(
        action=AuditAction.INTAKE_LINK_CREATED, actor=coordinator, subject_ref=str(link.pk)
    ).exists()

    # Shown once: the list shows the link's label and state, never the URL again.
    again = login(coordinator).get(LINKS_URL)
    page = text(again)
    assert "Trainer FC Zaandam" in page
    assert "open tot" in page
    assert token not in page
    assert 'data-testid="new-link"' not in page


def test_a_link_for_a_unit_outside_the_coordinators_own_is_refused(login, coordinator):
    response = login(coordinator).post(
        LINKS_URL, {"label": "Iemand", "police_unit": str(unit("amsterdam").pk)}
    )
    assert response.status_code == 200
    assert "police_unit" in form_errors(response)
    assert not IntakeLink.objects.exists()


def test_a_link_opens_the_form_without_a_unit_and_routes_to_the_links_unit(login, coordinator):
    link, url, token = _make_link(login, coordinator)
    visitor = anonymous()

    response = visitor.get(f"/melden/link/{token}/")
    assert response.status_code == 200
    page = text(response)
    assert 'name="police_unit"' not in page
    assert "Eenheid Noord-Holland" in page
    assert "De link werkt één keer." in page

    before = row_counts()
    response = visitor.post(
        f"/melden/link/{token}/", signal_data(police_unit=str(unit("limburg").pk))
    )

    assert (response.status_code, response.url) == (302, RECEIPT_URL)
    assert shown(response).status_code == 200
    assert row_counts()["signals"] == before["signals"] + 1
    signal = Signal.objects.get()
    assert signal.police_unit == unit("noord-holland")
    assert signal.channel == Channel.LINK
    assert signal.intake_link == link
    assert selectors.signal_by_receipt(receipt_of(response)) == signal
    link.refresh_from_db()
    assert link.used_at is not None
    assert token not in text(response)

    # Used up: a second visit or post is a Dutch 404 and stores nothing.
    before = row_counts()
    second = visitor.get(f"/melden/link/{token}/")
    assert second.status_code == 404
    assert "deze link werkt niet (meer)" in text(second)
    assert visitor.post(f"/melden/link/{token}/", signal_data()).status_code == 404
    assert row_counts() == before


def test_an_expired_link_answers_404_and_stores_nothing(login, coordinator):
    link, _url, token = _make_link(login, coordinator)
    IntakeLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    visitor = anonymous()
    before = row_counts()

    response = visitor.get(f"/melden/link/{token}/")
    assert response.status_code == 404
    assert "Niet gevonden: deze link werkt niet (meer)" in text(response)
    assert visitor.post(f"/melden/link/{token}/", signal_data()).status_code == 404
    assert row_counts() == before
    # The coordinator sees it as expired.
    assert "verlopen" in text(login(coordinator).get(LINKS_URL))


def test_an_unknown_link_token_answers_404(client):
    response = client.get("/melden/link/geen-echte-token/")
    assert response.status_code == 404
    assert "/melden/" in response.content.decode()


# --- the signaller -----------------------------------------------------------------------------------


@pytest.fixture
def club():
    return OrganisationFactory(name="Sportvereniging De Sprint", type=Organisation.Type.SPORTS_CLUB)


@pytest.fixture
def club_signaller(club):
    return make_user(Role.SIGNALLER, organisation=club, last_name="Sprinter")


def _account_data(**overrides) -> dict:
    data = signal_data(police_unit=str(unit("noord-holland").pk), **overrides)
    data.pop("signaller_type")
    data.pop("website")
    return data


def test_a_signaller_submits_with_their_organisation_and_is_sent_to_their_signal(
    login, club_signaller, club
):
    client = login(club_signaller)
    form_page = client.get("/signalen/nieuw/")
    assert form_page.status_code == 200
    assert 'name="signaller_type"' not in form_page.content.decode()
    assert 'name="website"' not in form_page.content.decode()

    response = client.post("/signalen/nieuw/", _account_data(signaller_type="school"))

    signal = Signal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/signalen/mijn/{signal.reference}/"
    assert signal.channel == Channel.ACCOUNT
    assert signal.organisation == club
    assert signal.submitted_by == club_signaller
    assert signal.signaller_type == SignallerType.SPORTS_CLUB  # from the organisation, not POSTed
    assert signal.police_unit == unit("noord-holland")
    assert signal.receipt_hash == ""

    page = text(client.get(response["Location"]))
    assert f"Uw signaal {signal.reference} is ontvangen" in page
    assert 'data-testid="signal-status">Ontvangen<' in page


def test_a_signallers_list_shows_only_their_own_signals(login, club_signaller, club, submit):
    colleague = make_user(Role.SIGNALLER, organisation=club)
    own, _ = submit(actor=club_signaller, channel=Channel.ACCOUNT)
    theirs, _ = submit(actor=colleague, channel=Channel.ACCOUNT)
    public, _ = submit()
    assert own.police_unit == theirs.police_unit == public.police_unit

    response = login(club_signaller).get("/signalen/mijn/")

    assert response.status_code == 200
    assert [s.reference for s in response.context["page"].object_list] == [own.reference]
    page = text(response)
    assert own.reference in page
    assert theirs.reference not in page
    assert public.reference not in page


def test_another_signallers_signal_is_404_and_the_attempt_is_audited(
    login, club_signaller, signaller, submit
):
    theirs, _ = submit(actor=signaller, channel=Channel.ACCOUNT)

    response = login(club_signaller).get(f"/signalen/mijn/{theirs.reference}/")

    assert response.status_code == 404
    assert theirs.reference not in text(response)
    denied = AuditEvent.objects.filter(
        action=AuditAction.SIGNAL_ACCESS_DENIED, subject_ref=theirs.reference
    )
    assert denied.count() == 1
    assert denied.get().actor == club_signaller


def test_a_signaller_never_sees_the_case_code_nor_the_internal_note(
    login, club_signaller, coordinator, submit
):
    signal, _ = submit(actor=club_signaller, channel=Channel.ACCOUNT)
    services.signal_triage(
        actor=coordinator,
        signal=signal,
        to_status=SignalStatus.IN_TRIAGE,
        note="INTERNE-NOTITIE: broer is bekend bij de politie",
        message="We hebben uw signaal opgepakt.",
    )
    case = services.signal_convert(
        actor=coordinator,
        signal=signal,
        exploitation_forms=[form("sexual")],
        nationality_group="nl",
        message="Wij pakken dit verder op.",
    )
    client = login(club_signaller)

    detail = text(client.get(f"/signalen/mijn/{signal.reference}/"))
    listing = text(client.get("/signalen/mijn/"))

    assert 'data-testid="signal-status">Omgezet in casus<' in detail
    assert "We hebben uw signaal opgepakt." in detail
    assert "Wij pakken dit verder op." in detail
    for page in (detail, listing):
        assert case.code not in page
        assert "INTERNE-NOTITIE" not in page
        assert coordinator.last_name not in page
    assert "/casussen/" not in detail


def test_a_signaller_answers_a_question_on_their_page(login, club_signaller, coordinator, submit):
    signal, _ = submit(actor=club_signaller, channel=Channel.ACCOUNT)
    services.signal_ask(actor=coordinator, signal=signal, question="Wie is de nieuwe vriend?")
    client = login(club_signaller)
    url = f"/signalen/mijn/{signal.reference}/"

    page = text(client.get(url))
    assert "Wie is de nieuwe vriend?" in page
    assert 'name="answer"' in page

    empty = client.post(url, {"answer": "  "})
    assert empty.status_code == 200
    assert "Schrijf uw antwoord op." in text(empty)

    response = client.post(url, {"answer": "Een man van een jaar of dertig."})

    assert response.status_code == 302
    assert response["Location"] == url
    signal.refresh_from_db()
    assert not signal.question_open
    answer = SignalEvent.objects.get(signal=signal, kind=SignalEvent.Kind.ANSWER)
    assert answer.actor == club_signaller
    page = text(client.get(url))
    assert "Uw antwoord is verstuurd naar de veiligheidscoördinator." in page
    assert "Een man van een jaar of dertig." in page
    assert 'name="answer"' not in page


# --- the safety coordinator: queue and overdue ---------------------------------------------------------


def _queue(client, **params):
    response = client.get(QUEUE_URL, params)
    assert response.status_code == 200
    return response


def _refs(response) -> list[str]:
    return [s.reference for s in response.context["page"].object_list]


def _make_overdue(signal: Signal, *, acknowledge: bool, decision: bool) -> None:
    now = timezone.now()
    Signal.objects.filter(pk=signal.pk).update(
        acknowledge_due_at=now - dt.timedelta(hours=1)
        if acknowledge
        else now + dt.timedelta(days=2),
        decision_due_at=now - dt.timedelta(hours=1) if decision else now + dt.timedelta(days=5),
    )


def test_the_overdue_page_shows_each_group_a_page_at_a_time(
    login, coordinator, submit, monkeypatch
):
    from inbeeld.intake import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    late = [submit()[0] for _ in range(3)]
    for signal in late:
        _make_overdue(signal, acknowledge=True, decision=True)
    submit(police_unit=unit("amsterdam"))  # another unit's: never shown
    client = login(coordinator)

    first = client.get("/signalen/te-laat/")
    assert first.status_code == 200
    body = first.content.decode()
    assert "Nog niet opgepakt (3)" in body and "Nog geen besluit (3)" in body
    ack, decision = first.context["pages"]["acknowledge"], first.context["pages"]["decision"]
    assert [s.reference for s in ack.object_list] == [s.reference for s in late[:2]]
    assert [s.reference for s in decision.object_list] == [s.reference for s in late[:2]]
    assert "pagina_oppakken=2#nog-niet-opgepakt" in body

    # the second page of one group keeps the other group where it was
    second = client.get("/signalen/te-laat/", {"pagina_oppakken": "2", "pagina_besluit": "1"})
    ack, decision = second.context["pages"]["acknowledge"], second.context["pages"]["decision"]
    assert [s.reference for s in ack.object_list] == [late[2].reference]
    assert [s.reference for s in decision.object_list] == [s.reference for s in late[:2]]
    assert "pagina_oppakken=2&amp;pagina_besluit=2#nog-geen-besluit" in second.content.decode()
    # a page number that is no number answers the first page, never an error
    assert client.get("/signalen/te-laat/", {"pagina_besluit": "x"}).status_code == 200


def test_the_queue_lists_own_unit_open_signals_acute_first(login, coordinator, submit):
    old_normal, _ = submit()
    new_normal, _ = submit()
    acute, _ = submit(urgency="acute")
    in_triage, _ = submit()
    bring_to(coordinator, in_triage, SignalStatus.IN_TRIAGE)
    done, _ = submit()
    bring_to(coordinator, done, SignalStatus.ADVICE_GIVEN)
    elsewhere, _ = submit(police_unit=unit("amsterdam"), urgency="acute")

    response = _queue(login(coordinator))

    assert _refs(response) == [
        acute.reference,
        old_normal.reference,
        new_normal.reference,
        in_triage.reference,
    ]
    page = text(response)
    assert elsewhere.reference not in page
    assert done.reference not in page
    assert page.count('class="row-acute"') == 1
    assert "4 signalen" in page


def test_the_queue_filters(login, coordinator, submit):
    received, _ = submit()
    acute, _ = submit(urgency="acute")
    advice, _ = submit()
    bring_to(coordinator, advice, SignalStatus.ADVICE_GIVEN)
    late, _ = submit()
    _make_overdue(late, acknowledge=True, decision=False)
    _make_overdue(received, acknowledge=False, decision=False)
    _make_overdue(acute, acknowledge=False, decision=False)
    submit(police_unit=unit("amsterdam"))
    client = login(coordinator)

    assert set(_refs(_queue(client))) == {received.reference, acute.reference, late.reference}
    assert set(_refs(_queue(client, status="all"))) == {
        received.reference,
        acute.reference,
        advice.reference,
        late.reference,
    }
    assert _refs(_queue(client, status="advice_given")) == [advice.reference]
    assert _refs(_queue(client, status="converted")) == []
    assert _refs(_queue(client, urgency="acute")) == [acute.reference]
    assert set(_refs(_queue(client, urgency="normal"))) == {received.reference, late.reference}
    assert _refs(_queue(client, overdue="on")) == [late.reference]
    # A filter value that does not exist falls back to the open signals, never a 500.
    assert set(_refs(_queue(client, status="bestaat-niet"))) == {
        received.reference,
        acute.reference,
        late.reference,
    }


def test_the_queue_is_paginated_and_keeps_the_filter(login, coordinator, submit):
    for _ in range(52):
        submit()
    client = login(coordinator)

    first = _queue(client, urgency="normal")
    assert len(_refs(first)) == 50
    page = text(first)
    assert "52 signalen" in page
    assert "Pagina 1 van 2" in page
    assert "?urgency=normal&pagina=2" in page

    second = _queue(client, urgency="normal", pagina="2")
    assert len(_refs(second)) == 2
    assert not set(_refs(first)) & set(_refs(second))
    assert "Pagina 2 van 2" in text(second)
    # A page number out of range shows the last page, not an error.
    assert _refs(_queue(client, pagina="99")) == _refs(second)


def test_the_queue_query_count_does_not_grow_with_the_number_of_signals(login, coordinator, submit):
    client = login(coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE_URL)
        assert response.status_code == 200
        return len(queries)

    for n in range(5):
        submit(urgency="acute" if n % 2 else "normal")
    count()  # warm up (session, content types)
    few = count()
    for n in range(20):
        signal, _ = submit(urgency="acute" if n % 2 else "normal")
        if n % 3 == 0:
            services.signal_ask(actor=coordinator, signal=signal, question="Vraag?")
    many = count()

    assert len(_refs(client.get(QUEUE_URL))) == 25
    assert many == few


def test_the_overdue_page_lists_signals_in_the_right_group(login, coordinator, submit):
    not_acknowledged, _ = submit()
    _make_overdue(not_acknowledged, acknowledge=True, decision=False)
    no_decision, _ = submit()
    bring_to(coordinator, no_decision, SignalStatus.IN_TRIAGE)
    _make_overdue(no_decision, acknowledge=True, decision=True)
    on_time, _ = submit()
    _make_overdue(on_time, acknowledge=False, decision=False)
    decided, _ = submit()
    bring_to(coordinator, decided, SignalStatus.ADVICE_GIVEN)
    _make_overdue(decided, acknowledge=True, decision=True)
    elsewhere, _ = submit(police_unit=unit("amsterdam"))
    _make_overdue(elsewhere, acknowledge=True, decision=True)

    response = login(coordinator).get("/signalen/te-laat/")

    assert response.status_code == 200
    pages = response.context["pages"]
    assert [s.reference for s in pages["acknowledge"].object_list] == [not_acknowledged.reference]
    assert [s.reference for s in pages["decision"].object_list] == [no_decision.reference]
    page = response.content.decode()
    acknowledge_table = re.search(r'data-testid="overdue-acknowledge">(.*?)</table>', page, re.S)
    decision_table = re.search(r'data-testid="overdue-decision">(.*?)</table>', page, re.S)
    assert not_acknowledged.reference in acknowledge_table.group(1)
    assert no_decision.reference not in acknowledge_table.group(1)
    assert no_decision.reference in decision_table.group(1)
    for absent in (on_time, decided, elsewhere):
        assert absent.reference not in page
    assert "Te laat:" in page


# --- the safety coordinator: one signal ---------------------------------------------------------------


def test_the_detail_page_shows_the_decrypted_content_and_logs_the_read(login, coordinator, submit):
    contact = services.Contact(
        name="Meester Jansen", organisation="OBS De Linde", phone="075-1234567", email="j@ex.org"
    )
    signal, _ = submit(subject_name=SUBJECT_NAME, contact=contact, municipality="Zaandam")
    reads = AuditEvent.objects.filter(action=AuditAction.SIGNAL_READ, subject_ref=signal.reference)
    assert reads.count() == 0

    response = login(coordinator).get(f"/signalen/{signal.reference}/")

    assert response.status_code == 200
    page = text(response)
    assert f'data-testid="signal-name">{SUBJECT_NAME}<' in page
    assert DESCRIPTION in page
    for value in ("Meester Jansen", "OBS De Linde", "075-1234567", "j@ex.org", "Zaandam"):
        assert value in page
    assert signal.description_ciphertext not in page
    assert indicator(ITEM).label in page
    assert reads.count() == 1
    assert reads.get().actor == coordinator


def test_another_units_signal_is_404_for_a_coordinator_and_audited(login, coordinator, submit):
    signal, _ = submit(police_unit=unit("amsterdam"))
    client = login(coordinator)
    for path in ("", "triage/", "doorsturen/", "vraag/", "omzetten/"):
        assert client.get(f"/signalen/{signal.reference}/{path}").status_code == 404
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.SIGNAL_ACCESS_DENIED, subject_ref=signal.reference, actor=coordinator
        ).count()
        == 5
    )
    assert not AuditEvent.objects.filter(
        action=AuditAction.SIGNAL_READ, subject_ref=signal.reference
    ).exists()


def test_triage_moves_the_status(login, coordinator, submit):
    signal, _ = submit()
    client = login(coordinator)
    url = f"/signalen/{signal.reference}/triage/"
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert 'value="in_triage"' in form_page.content.decode()

    response = client.post(
        url,
        {
            "to_status": "in_triage",
            "version": signal.version,
            "note": "Bel de school terug",
            "message": "We kijken ernaar.",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/signalen/{signal.reference}/"
    signal.refresh_from_db()
    assert signal.status == SignalStatus.IN_TRIAGE
    assert signal.acknowledged_at is not None
    event = SignalEvent.objects.get(signal=signal, kind=SignalEvent.Kind.STATUS)
    assert decrypt_text(event.text_ciphertext) == "Bel de school terug"
    page = text(client.get(response["Location"]))
    assert "De status van het signaal is bijgewerkt." in page
    assert 'data-testid="signal-status">In triage<' in page
    assert "Bel de school terug" in page


def test_triage_with_a_stale_version_changes_nothing(login, coordinator, submit):
    signal, _ = submit()
    stale = signal.version
    services.signal_ask(actor=coordinator, signal=signal, question="Meer details?")  # version + 1
    signal.refresh_from_db()
    client = login(coordinator)
    before = (row_counts(), signal.status, signal.version)

    response = client.post(
        f"/signalen/{signal.reference}/triage/", {"to_status": "in_triage", "version": stale}
    )

    assert response.status_code == 200
    assert "Dit signaal is intussen door iemand anders gewijzigd." in text(response)
    signal.refresh_from_db()
    assert (row_counts(), signal.status, signal.version) == before


def test_a_question_from_a_stale_page_is_refused_after_a_colleague_closed_the_signal(
    coordinator, make_user, submit
):
    """Two coordinators of one unit: the first closes the signal while the second still has the
    question form open; the question must not be sent on top of the closed signal."""
    signal, _ = submit()
    colleague = make_user(Role.SAFETY_COORDINATOR, unit_code=signal.police_unit.code)
    first = verified_login(Client(), coordinator)
    second = verified_login(Client(), colleague)
    url = f"/signalen/{signal.reference}/vraag/"
    seen = second.get(url).context["form"].initial["version"]

    closed = first.post(
        f"/signalen/{signal.reference}/triage/", {"to_status": "in_triage", "version": seen}
    )
    assert closed.status_code == 302
    signal.refresh_from_db()
    before = (row_counts(), signal.question_open, signal.version)

    response = second.post(url, {"question": "Weet u de naam van de school?", "version": seen})

    assert response.status_code == 200
    assert "Dit signaal is intussen door iemand anders gewijzigd." in text(response)
    signal.refresh_from_db()
    assert (row_counts(), signal.question_open, signal.version) == before
    # No dead end: the reloaded page carries the current version and the question goes through.
    fresh = second.get(url).context["form"].initial["version"]
    sent = second.post(url, {"question": "Weet u de naam van de school?", "version": fresh})
    assert sent.status_code == 302


def test_no_action_without_a_reason_is_a_form_error(login, coordinator, submit):
    signal = bring_to(coordinator, submit()[0], SignalStatus.IN_TRIAGE)
    client = login(coordinator)
    before = (row_counts(), signal.version)
    url = f"/signalen/{signal.reference}/triage/"

    response = client.post(url, {"to_status": "no_action", "version": signal.version})

    assert response.status_code == 200
    assert "Kies waarom er geen actie volgt." in form_errors(response)["reason"]
    signal.refresh_from_db()
    assert signal.status == SignalStatus.IN_TRIAGE
    assert (row_counts(), signal.version) == before

    # A status the table does not allow from here is refused by the form.
    received = client.post(url, {"to_status": "received", "version": signal.version})
    assert "Deze status kan vanuit de huidige status niet." in all_errors(received)

    ok = client.post(
        url,
        {
            "to_status": "no_action",
            "reason": "duplicate",
            "message": "Dit signaal was al eerder gemeld.",
            "version": signal.version,
        },
    )
    assert ok.status_code == 302
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NO_ACTION
    assert signal.no_action_reason == "duplicate"


def test_reroute_moves_the_signal_to_amsterdam(login, coordinator, amsterdam_coordinator, submit):
    signal, _ = submit()
    client = login(coordinator)
    url = f"/signalen/{signal.reference}/doorsturen/"

    missing = client.post(url, {"police_unit": str(unit("amsterdam").pk), "version": 1})
    assert "Geef aan waarom het signaal naar een andere eenheid gaat." in all_errors(missing)

    response = client.post(
        url,
        {
            "police_unit": str(unit("amsterdam").pk),
            "reason": "De leerling woont in Amsterdam-Noord",
            "version": signal.version,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL
    signal.refresh_from_db()
    assert signal.police_unit == unit("amsterdam")
    assert signal.reference not in _refs(_queue(client))
    assert client.get(f"/signalen/{signal.reference}/").status_code == 404

    other = login(amsterdam_coordinator)
    assert signal.reference in _refs(_queue(other))
    detail = other.get(f"/signalen/{signal.reference}/")
    assert detail.status_code == 200
    assert "De leerling woont in Amsterdam-Noord" in text(detail)


def test_ask_opens_a_question(login, coordinator, submit):
    signal, _ = submit()
    client = login(coordinator)
    url = f"/signalen/{signal.reference}/vraag/"

    empty = client.post(url, {"question": "", "version": signal.version})
    assert "Schrijf uw vraag op." in all_errors(empty)

    response = client.post(
        url, {"question": "Weet u de naam van de school?", "version": signal.version}
    )

    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.question_open
    question = SignalEvent.objects.get(signal=signal, kind=SignalEvent.Kind.QUESTION)
    assert decrypt_text(question.message_ciphertext) == "Weet u de naam van de school?"
    page = text(client.get(response["Location"]))
    assert "Uw vraag staat klaar voor de signaalgever." in page
    assert "vraag uitstaand" in page
    assert "Weet u de naam van de school?" in page


def test_convert_of_a_signal_in_triage_creates_a_case(login, coordinator, submit):
    signal = bring_to(coordinator, submit()[0], SignalStatus.IN_TRIAGE)
    client = login(coordinator)
    url = f"/signalen/{signal.reference}/omzetten/"
    form_page = client.get(url)
    assert form_page.status_code == 200
    # The forms of the ticked indicators are proposed.
    assert form_page.context["form"].initial["exploitation_forms"] == [
        indicator(ITEM).category.form_id
    ]
    cases_before = Case.objects.count()

    response = client.post(
        url,
        {
            "exploitation_forms": [str(indicator(ITEM).category.form_id)],
            "nationality_group": "nl",
            "version": signal.version,
        },
    )

    assert Case.objects.count() == cases_before + 1
    signal.refresh_from_db()
    assert signal.status == SignalStatus.CONVERTED
    case = signal.case
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.code])
    assert case.police_unit == unit("noord-holland")
    assert case.age_band == "16-17"
    assert list(case.events.values_list("event_type__code", flat=True)) == ["signal_received"]


def test_convert_of_a_received_signal_is_refused_in_dutch(login, coordinator, submit):
    signal, _ = submit()
    client = login(coordinator)
    before = row_counts()

    response = client.post(
        f"/signalen/{signal.reference}/omzetten/",
        {
            "exploitation_forms": [str(indicator(ITEM).category.form_id)],
            "nationality_group": "nl",
            "version": signal.version,
        },
    )

    assert response.status_code == 200
    assert "Neem het signaal eerst in triage voordat u het omzet in een casus." in text(response)
    assert row_counts() == before
    signal.refresh_from_db()
    assert signal.status == SignalStatus.RECEIVED and signal.case is None


def test_the_triage_page_of_a_converted_signal_sends_back_with_a_message(
    login, coordinator, submit
):
    signal = bring_to(coordinator, submit()[0], SignalStatus.CONVERTED)
    client = login(coordinator)
    before = row_counts()

    for method in (client.get, client.post):
        response = method(
            f"/signalen/{signal.reference}/triage/",
            *(
                [{"to_status": "in_triage", "version": signal.version}]
                if method == client.post
                else []
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == f"/signalen/{signal.reference}/"
    assert row_counts()["signal_events"] == before["signal_events"]
    page = text(client.get(f"/signalen/{signal.reference}/"))
    assert "Dit signaal is afgerond; de status kan niet meer veranderen." in page
    assert f'data-testid="signal-case">{signal.case.code}<' in page


# --- the funnel ------------------------------------------------------------------------------------------


@pytest.fixture
def funnel_signals(coordinator, amsterdam_coordinator, submit):
    """Noord-Holland: one received, one in triage, one converted with first police contact.
    Amsterdam: one in triage."""
    submit()
    bring_to(coordinator, submit()[0], SignalStatus.IN_TRIAGE)
    converted = bring_to(coordinator, submit(signaller_type="care")[0], SignalStatus.CONVERTED)
    officer = make_user(Role.POLICE_OFFICER, unit_code="noord-holland")
    event_record(
        actor=officer,
        case=converted.case,
        event_type=event_type("first_police_contact"),
        event_date=timezone.localdate(),
    )
    bring_to(
        amsterdam_coordinator,
        submit(police_unit=unit("amsterdam"))[0],
        SignalStatus.IN_TRIAGE,
    )
    return converted


def test_the_funnel_of_a_coordinator_counts_their_unit_only(login, coordinator, funnel_signals):
    response = login(coordinator).get(FUNNEL_URL)

    assert response.status_code == 200
    result = response.context["result"]
    assert result.total.counts == (3, 2, 1, 1, 0)
    assert [row.police_unit for row in result.by_unit] == ["noord-holland"]
    assert result.signaller_type_total("care").counts == (1, 1, 1, 1, 0)
    page = text(response)
    assert "Eenheid Noord-Holland" in page
    assert "Eenheid Amsterdam" not in page
    total_row = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)', total_row) == ["3", "2", "1", "1", "0"]


def test_the_funnel_of_a_researcher_is_national(login, researcher, funnel_signals):
    response = login(researcher).get(FUNNEL_URL)

    assert response.status_code == 200
    result = response.context["result"]
    assert result.total.counts[:3] == (4, 3, 1)
    # Case stages only count cases with research consent (ADR 0005 §9): none here.
    assert result.total.police_contact == 0
    assert [row.police_unit for row in result.by_unit] == ["amsterdam", "noord-holland"]
    page = text(response)
    assert "Eenheid Noord-Holland" in page and "Eenheid Amsterdam" in page


def test_the_funnel_filters_on_the_date_of_receipt(login, coordinator, funnel_signals):
    client = login(coordinator)
    today = timezone.localdate()
    same_day = client.get(FUNNEL_URL, {"received_from": today, "received_to": today})
    assert same_day.context["result"].total.signals == 3
    tomorrow = today + dt.timedelta(days=1)
    later = client.get(FUNNEL_URL, {"received_from": tomorrow})
    assert later.context["result"].is_empty
    assert "Geen signalen in deze periode." in text(later)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"received_from": "31-31-2026"},
            "received_from",
            "Vul een geldige datum in (JJJJ-MM-DD).",
        ),
        ({"received_to": "morgen"}, "received_to", "Vul een geldige datum in (JJJJ-MM-DD)."),
        (
            {"received_from": "2026-06-01", "received_to": "2026-05-01"},
            "received_to",
            "De einddatum ligt vóór de begindatum.",
        ),
        # Dates at the edge of the calendar once overflowed into a 500.
        ({"received_to": "9999-12-31"}, "received_to", "Kies een datum tussen 1900 en 2999."),
        ({"received_from": "0001-01-01"}, "received_from", "Kies een datum tussen 1900 en 2999."),
    ],
    ids=["impossible-date", "not-a-date", "from-after-to", "last-day", "first-day"],
)
def test_a_bad_funnel_filter_gives_a_dutch_error_not_a_500(
    login, coordinator, funnel_signals, params, field, message
):
    response = login(coordinator).get(FUNNEL_URL, params)

    assert response.status_code == 200
    assert message in form_errors(response)[field]
    assert message in text(response)
    # The figures fall back to every period.
    assert response.context["result"].total.signals == 3


def test_the_funnel_is_closed_to_signallers(login, signaller):
    assert login(signaller).get(FUNNEL_URL).status_code == 403


# --- menus and access -----------------------------------------------------------------------------------


def _main_menu(response) -> str:
    match = re.search(r'<nav aria-label="Hoofdmenu">(.*?)</nav>', text(response), re.S)
    assert match, "no main menu"
    return match.group(1)


def test_the_signallers_menu_offers_reporting_and_own_signals_but_no_cases(login, signaller):
    menu = _main_menu(login(signaller).get("/"))
    assert '<a href="/signalen/nieuw/">Signaal melden</a>' in menu
    assert '<a href="/signalen/mijn/">Mijn signalen</a>' in menu
    assert "Casussen" not in menu
    assert '<a href="/signalen/">' not in menu


def test_the_coordinators_menu_offers_signals(login, coordinator):
    menu = _main_menu(login(coordinator).get("/"))
    assert '<a href="/signalen/">Signalen</a>' in menu
    assert "Mijn signalen" not in menu


def test_the_login_page_links_to_the_public_form(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert 'href="/melden/"' in response.content.decode()
    assert 'href="/melden/status/"' in response.content.decode()


@pytest.mark.parametrize("path", [QUEUE_URL, "/signalen/te-laat/", LINKS_URL])
def test_a_signaller_may_not_open_the_coordinators_pages(login, signaller, path):
    assert login(signaller).get(path).status_code == 403


def test_a_coordinator_may_not_submit_as_a_signaller(login, coordinator):
    assert login(coordinator).get("/signalen/nieuw/").status_code == 403
    assert login(coordinator).get("/signalen/mijn/").status_code == 403


def test_the_public_pages_need_no_account_but_the_rest_does(client):
    assert client.get(PUBLIC_URL).status_code == 200
    assert client.get(STATUS_URL).status_code == 200
    response = client.get("/signalen/nieuw/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_an_answer_without_an_open_question_is_refused_visibly(client, submit):
    """The refusal is shown (the answer form itself is not on the page without a question)."""
    signal, receipt = submit()
    response = client.post(
        reverse("public_intake:status"),
        {"code": receipt, "answer": "Nog iets: hij heeft twee telefoons."},
    )
    assert response.status_code == 200
    assert "Er staat geen vraag open bij dit signaal." in response.content.decode()
    assert not SignalEvent.objects.filter(signal=signal, kind=SignalEvent.Kind.ANSWER).exists()
