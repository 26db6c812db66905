"""Microdata exports for researchers (issue 7, item 6): pseudonymised, consent-filtered, audited,
and every format round-trips (CSV → polars, XLSX → openpyxl, SAV → pyreadstat with its variable
and value labels).

The world: four cases with research consent in three units and one without, with chain events
recorded (and corrected) through the real services, a note with a recognisable text and a
linkage key, so the tests can look for them in the bytes of every export.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from polars.testing import assert_frame_equal

from inbeeld.accounts.models import Role
from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.cases.models import Gender, LinkageKey
from inbeeld.cases.services import event_correct, linkage_key_add
from inbeeld.publication import exports
from inbeeld.publication import release as release_service
from inbeeld.publication.exports import (
    export_microdata,
    microdata_table,
    microdata_variables,
    write_csv,
    write_sav,
    write_xlsx,
)
from inbeeld.publication.microdata_readers import read_csv, read_sav, read_xlsx
from tests.factories import CaseFactory, add_membership, event_type, make_user

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Geheime-notitie-Zwaluw-4471"
IDENTIFIER = "V-NUMMER-88812345"


class World:
    """a: Amsterdam 2021, woman 23-29 NL, sexual; contact, complaint, summons, trial, conviction;
          a police note with SECRET_NOTE; a linkage key.
    b: Limburg 2022, man 16-17 (minor) EU, labour + criminal; contact, complaint recorded in 2022
          and corrected to a date in 2023 (the superseded 2022 complaint must not count).
    c: Noord-Holland 2023, other gender, age unknown, outside the EU, organ removal; contact,
          complaint, prosecution decision "summons" corrected to a policy dismissal.
    d: Amsterdam 2024, woman 30-49, nationality unknown, form unknown; intake only.
    x: Amsterdam 2024, NO research consent, with contact and complaint: never exported.
    """

    def __init__(self):
        self.a = CaseFactory(
            intake_date=dt.date(2021, 2, 1),
            forms=["sexual"],
            events=[
                ("first_police_contact", "", SECRET_NOTE),
                ("complaint_filed", ""),
                ("prosecution_decision", "summons"),
                ("trial_hearing", ""),
                ("verdict", "conviction"),
            ],
        )
        linkage_key_add(
            actor=self.a._factory_recorder,
            case=self.a,
            source=LinkageKey.Source.COMENSHA,
            identifier_type=LinkageKey.IdentifierType.V_NUMBER,
            identifier=IDENTIFIER,
        )
        self.b = CaseFactory(
            police_unit=_unit("limburg"),
            intake_date=dt.date(2022, 11, 1),
            minor=True,
            gender="male",
            nationality_group="eu",
            forms=["labour", "criminal"],
            events=[("first_police_contact", ""), ("complaint_filed", "")],
        )
        complaint = self.b.events.get(event_type__code="complaint_filed")
        event_correct(
            actor=self.b._factory_recorder,
            event=complaint,
            event_type=event_type("complaint_filed"),
            event_date=dt.date(2023, 1, 15),
        )
        self.c = CaseFactory(
            police_unit=_unit("noord-holland"),
            intake_date=dt.date(2023, 5, 1),
            gender="other",
            age_band="unknown",
            nationality_group="non_eu",
            forms=["organ_removal"],
            status="prosecution",
        )
        decision = self.c.events.get(event_type__code="prosecution_decision")
        event_correct(
            actor=self.c._factory_recorder,
            event=decision,
            event_type=event_type("prosecution_decision"),
            event_date=decision.event_date,
            outcome="dismissal_policy",
        )
        self.d = CaseFactory(
            intake_date=dt.date(2024, 1, 10),
            age_band="30-49",
            nationality_group="unknown",
            forms=["unknown"],
        )
        self.x = CaseFactory(
            without_consent=True, intake_date=dt.date(2024, 2, 2), with_complaint=True
        )
        self.consented = [self.a, self.b, self.c, self.d]


def _unit(code):
    from tests.factories import unit

    return unit(code)


@pytest.fixture
def world():
    return World()


@pytest.fixture
def researcher(researcher):
    """A researcher who accepted the data-use agreement (needed for every export since issue 11;
    tests/publication/test_microdata_anonymity.py covers the refusal without it)."""
    from inbeeld.publication import agreement
    from inbeeld.publication.services import data_use_agreement_accept

    data_use_agreement_accept(actor=researcher, version=agreement.VERSION)
    return researcher


def by_intake_year(df: pl.DataFrame) -> dict[int, dict]:
    rows = df.rows(named=True)
    assert len({r["jaar_instroom"] for r in rows}) == len(rows)
    return {r["jaar_instroom"]: r for r in rows}


# --- the table ----------------------------------------------------------------------------------


def test_one_pseudonymised_row_per_consented_case(world, researcher):
    df = microdata_table(researcher)
    assert df.height == 4
    assert df.columns == [v.name for v in microdata_variables()]
    assert sorted(df.get_column("rij_id").to_list()) == [1, 2, 3, 4]
    assert df.get_column("rij_id").to_list() == [1, 2, 3, 4]  # written in row-id order
    rows = by_intake_year(df)
    assert set(rows) == {2021, 2022, 2023, 2024}  # x (2024, no consent) is not there: one 2024

    a = rows[2021]
    assert (a["eenheid"], a["leeftijd"], a["minderjarig"], a["gender"], a["nationaliteit"]) == (
        "amsterdam",
        "23-29",
        0,
        "female",
        "nl",
    )
    assert (a["vorm_sexual"], a["vorm_labour"], a["vorm_criminal"]) == (1, 0, 0)
    assert (a["jaar_eerste_politiecontact"], a["aangifte"], a["jaar_aangifte"]) == (2021, 1, 2021)
    assert (a["vervolgingsbeslissing"], a["jaar_vervolgingsbeslissing"]) == ("summons", 2021)
    assert (a["vonnis"], a["jaar_vonnis"]) == ("conviction", 2021)

    b = rows[2022]
    assert (b["eenheid"], b["leeftijd"], b["minderjarig"], b["gender"]) == (
        "limburg",
        "16-17",
        1,
        "male",
    )
    assert (b["vorm_labour"], b["vorm_criminal"], b["vorm_sexual"]) == (1, 1, 0)
    # The complaint was corrected from 2022 to 2023: only the correction counts.
    assert (b["aangifte"], b["jaar_aangifte"]) == (1, 2023)
    assert b["vervolgingsbeslissing"] is None and b["vonnis"] is None

    c = rows[2023]
    assert (c["gender"], c["leeftijd"], c["nationaliteit"], c["vorm_organ_removal"]) == (
        "other",
        "unknown",
        "non_eu",
        1,
    )
    # "summons" was corrected to a policy dismissal: the superseded decision is not used.
    assert c["vervolgingsbeslissing"] == "dismissal"

    d = rows[2024]
    assert (d["vorm_unknown"], d["aangifte"], d["jaar_eerste_politiecontact"]) == (1, 0, None)
    assert d["nationaliteit"] == "unknown"


def test_row_ids_are_fresh_per_export_and_not_case_ids(world, researcher):
    pks = {c.intake_date.year: c.pk for c in world.consented}
    seen: dict[int, set[int]] = {year: set() for year in pks}
    for _ in range(25):
        for year, row in by_intake_year(microdata_table(researcher)).items():
            seen[year].add(row["rij_id"])
    # With 4 rows and 25 exports a fixed assignment would happen with probability (1/4)^24 each.
    assert all(len(ids) > 1 for ids in seen.values()), seen
    assert any(ids != {pks[year]} for year, ids in seen.items())


def test_row_ids_follow_the_random_source(world, researcher):
    first = microdata_table(researcher, rng=random.Random(7))
    again = microdata_table(researcher, rng=random.Random(7))
    assert_frame_equal(first, again)


def test_query_count_does_not_grow_with_cases(world, researcher):
    microdata_table(researcher)  # memberships cached on the user
    with CaptureQueriesContext(connection) as few:
        assert microdata_table(researcher).height == 4
    for year in (2019, 2020, 2021):
        CaseFactory(
            intake_date=dt.date(year, 6, 1), forms=["sexual", "labour"], with_complaint=True
        )
    with CaptureQueriesContext(connection) as more:
        assert microdata_table(researcher).height == 7
    assert len(more) == len(few) <= 6, [q["sql"] for q in more.captured_queries]


def test_no_identifiers_no_free_text_no_linkage_keys_in_any_format(world, researcher):
    key = LinkageKey.objects.get(case=world.a).key
    forbidden = [
        *(c.code for c in [*world.consented, world.x]),
        SECRET_NOTE,
        IDENTIFIER,
        key,
        world.a._factory_recorder.username,
        world.a._factory_recorder.last_name,
        "IB-",
    ]
    for format in exports.FORMATS:
        export = export_microdata(actor=researcher, format=format)
        content = export.content
        if format == "xlsx":  # zipped XML: look inside every part
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = b"".join(archive.read(name) for name in archive.namelist())
        for text in forbidden:
            assert text.encode() not in content, (format, text)
    df = microdata_table(researcher)
    assert not {"id", "pk", "case_id", "code", "casuscode", "note", "notitie"} & set(df.columns)
    assert all(dtype != pl.Date for dtype in df.schema.values())  # years only, never dates


def test_a_researcher_with_a_police_membership_exports_only_consented_cases(world):
    user = make_user(Role.RESEARCHER)
    add_membership(user, Role.POLICE_OFFICER, unit_code="amsterdam")
    df = microdata_table(user)
    assert df.height == 4  # x (Amsterdam, no consent) stays out of the research extract
    assert 2024 in by_intake_year(df)


# --- round trips --------------------------------------------------------------------------------


def test_csv_round_trip(world, researcher, tmp_path):
    df = microdata_table(researcher)
    path = tmp_path / "microdata.csv"
    write_csv(df, path)
    assert_frame_equal(read_csv(path), df)
    buffer = io.BytesIO()
    write_csv(df, buffer)
    buffer.seek(0)
    assert_frame_equal(read_csv(buffer), df)
    # For Excel-NL: a byte-order mark and semicolons, so it opens in columns (issue 14 item 16).
    assert path.read_bytes().startswith("\ufeff".encode())
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("rij_id;jaar_instroom;eenheid;leeftijd;minderjarig;gender")


def test_xlsx_round_trip_with_toelichting(world, researcher, tmp_path):
    from openpyxl import load_workbook

    df = microdata_table(researcher)
    path = tmp_path / "microdata.xlsx"
    write_xlsx(df, path)
    frame, labels = read_xlsx(path)
    assert_frame_equal(frame, df)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Microdata", "Toelichting"]
    sheet = workbook["Microdata"]
    assert [c.value for c in sheet[1]] == df.columns
    assert sheet.max_row == df.height + 1
    assert labels == {v.name: v.label for v in microdata_variables()}
    assert labels["gender"] == "Gender" and labels["jaar_instroom"] == "Jaar van instroom"
    notes = {row[0]: row[2] for row in workbook["Toelichting"].iter_rows(values_only=True)}
    assert "female = vrouw" in notes["gender"]
    assert "1 = ja" in notes["aangifte"]


def test_sav_round_trip_with_variable_and_value_labels(world, researcher, tmp_path):
    import pyreadstat

    df = microdata_table(researcher)
    path = tmp_path / "microdata.sav"
    write_sav(df, path)
    contents = read_sav(path)
    assert_frame_equal(contents.frame, df)
    # Variable labels (Dutch) for every variable.
    assert contents.variable_labels == {v.name: v.label for v in microdata_variables()}
    # Value labels: numeric codes with Dutch labels.
    assert contents.value_labels["gender"] == {1: "vrouw", 2: "man", 3: "anders", 9: "onbekend"}
    assert contents.value_labels["minderjarig"] == {0: "nee", 1: "ja"}
    assert contents.value_labels["vervolgingsbeslissing"] == {1: "dagvaarding", 2: "sepot"}
    assert contents.value_labels["vonnis"][1] == "veroordeling"
    assert contents.value_labels["leeftijd"][9] == "onbekend"
    assert contents.value_labels["eenheid"][5] == "Eenheid Amsterdam"
    assert contents.value_labels["nationaliteit"] == {
        1: "Nederlands",
        2: "EU (niet Nederlands)",
        3: "buiten de EU",
        9: "onbekend",
        5: "niet Nederlands (EU of buiten de EU)",  # the group after generalisation
    }
    # Stored as numbers: a 2021 woman is gender 1, her verdict 1 (conviction).
    raw = contents.raw.with_columns(pl.col("jaar_instroom").cast(pl.Int32))
    woman = raw.filter(pl.col("jaar_instroom") == 2021).row(0, named=True)
    assert (woman["gender"], woman["vonnis"], woman["eenheid"]) == (1.0, 1.0, 5.0)
    # SPSS reads the labels as SPSS would apply them.
    labelled, _ = pyreadstat.read_sav(str(path), apply_value_formats=True)
    assert set(labelled["gender"].astype(str)) == {"vrouw", "man", "anders"}
    assert labelled.loc[labelled["jaar_instroom"] == 2022, "vorm_labour"].astype(str).item() == "ja"


def test_sav_labels_cover_every_gender_choice():
    gender = next(v for v in microdata_variables([]) if v.name == "gender")
    assert {value for value, _, _ in gender.codes} == set(Gender.values)
    assert len({number for _, number, _ in gender.codes}) == len(Gender.values)


def test_empty_export_round_trips(researcher, tmp_path):
    df = microdata_table(researcher)
    assert df.height == 0
    write_sav(df, tmp_path / "leeg.sav")
    assert read_sav(tmp_path / "leeg.sav").frame.height == 0
    write_xlsx(df, tmp_path / "leeg.xlsx")
    assert_frame_equal(read_xlsx(tmp_path / "leeg.xlsx")[0], df)


# --- the service: policy and audit ---------------------------------------------------------------


def test_export_is_audited_in_the_same_transaction(world, researcher, tmp_path):
    export = export_microdata(actor=researcher, format="sav")
    assert export.filename.endswith(".sav") and export.content_type == "application/x-spss-sav"
    row = AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED).get()
    assert row.actor == researcher
    assert row.subject_ref == "sav"
    assert row.extra["format"] == "sav"
    (tmp_path / "x.sav").write_bytes(export.content)
    # Four consented cases, each unique: disclosure control (k = 5) leaves none of them.
    assert row.extra["rows"] == read_sav(tmp_path / "x.sav").frame.height == 0
    assert row.extra["disclosure_control"]["records_suppressed"] == 4
    assert row.extra["disclosure_control"]["k"] == 5
    assert row.extra["columns"] == [v.name for v in microdata_variables()]
    import hashlib

    assert row.extra["sha256"] == hashlib.sha256(export.content).hexdigest()
    assert row.case_code == ""  # the audit row names no case either


def test_a_failing_audit_leaves_no_export(world, researcher, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit down")

    # The audit row comes from the release service (publication.release).
    monkeypatch.setattr(release_service, "audit_record", broken)
    with pytest.raises(RuntimeError):
        export_microdata(actor=researcher, format="csv")
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED).exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.POLICE_OFFICER,
        Role.SAFETY_COORDINATOR,
        Role.PROSECUTOR,
        Role.PRIVACY_OFFICER,
        Role.ADMINISTRATOR,
        Role.SIGNALLER,
        None,
    ],
)
def test_only_researchers_may_export(world, role):
    user = make_user(role)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        export_microdata(actor=user, format="csv")
    assert AuditEvent.objects.count() == before  # nothing written
    # Even the table alone is empty outside the export right (no unit-wide police extract).
    assert microdata_table(user).height == 0


def test_unknown_format_is_refused(researcher):
    with pytest.raises(ValueError, match="Onbekend formaat"):
        export_microdata(actor=researcher, format="json")


def test_withdrawn_consent_leaves_the_next_export(world, researcher):
    from inbeeld.cases.services import consent_record

    consent_record(
        actor=world.a._factory_recorder, case=world.a, kind="withdrawn", date=dt.date(2024, 5, 1)
    )
    assert 2021 not in by_intake_year(microdata_table(researcher))


# --- the command --------------------------------------------------------------------------------


def test_command_exports_for_a_researcher(world, researcher, tmp_path):
    out = io.StringIO()
    path = tmp_path / "uit.sav"
    call_command("export", format="sav", user=researcher.username, output=str(path), stdout=out)
    assert "geschreven" in out.getvalue()
    row = AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED, actor=researcher).get()
    assert read_sav(path).frame.height == row.extra["rows"]
    assert read_sav(path).frame.columns == row.extra["columns"]


def test_command_refuses_a_police_officer_in_dutch(world, police_officer, tmp_path):
    path = tmp_path / "uit.csv"
    with pytest.raises(CommandError, match="mag geen microdata exporteren"):
        call_command("export", format="csv", user=police_officer.username, output=str(path))
    assert not path.exists()


def test_command_needs_format_and_user(researcher):
    with pytest.raises(CommandError, match="Geef --format"):
        call_command("export")
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("export", format="csv", user="niemand")


def test_command_default_filename(world, researcher, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("export", format="xlsx", user=researcher.username, stdout=io.StringIO())
    (written,) = Path(tmp_path).glob("inbeeld-microdata-*.xlsx")
    row = AuditEvent.objects.filter(action=AuditAction.EXPORT_CREATED, actor=researcher).get()
    assert read_xlsx(written)[0].height == row.extra["rows"]
