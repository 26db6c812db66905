"""HTCDS/CTDC compatibility (issue 7, item 6): the importer reads the real CTDC 2022 file
(21,195 records, read in place from ../shared/data, never copied into the repository) and the
2024 generation's column names (typeOf* as in the codebook, sectorOf* as in the released CSV,
meansOfControl* of the 2021 release) into one internal schema; the export maps InBeeld microdata
onto the CTDC columns and reads back with the mapped fields intact.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from polars.testing import assert_frame_equal

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.publication.ctdc import (
    CANONICAL_COLUMNS,
    CTDC_2022_COLUMNS,
    CTDC_EXPORT_COLUMNS,
    FIELDS,
    CtdcFormatError,
    ctdc_import_summary,
    ctdc_year_band,
    read_ctdc,
    read_ctdc_with_report,
    to_ctdc,
    write_ctdc,
)
from inbeeld.publication.exports import export_microdata, microdata_table
from tests.realdata import CTDC_VICTIM_PERPETRATOR, shared_data


@pytest.fixture(scope="module")
def ctdc_path() -> Path:
    return shared_data(CTDC_VICTIM_PERPETRATOR)


@pytest.fixture(scope="module")
def real(ctdc_path) -> pl.DataFrame:
    return read_ctdc(ctdc_path)


def _csv_bytes(header: list[str], rows: list[list[str]], *, trailing_newline=True) -> io.BytesIO:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    text = buffer.getvalue()
    return io.BytesIO((text if trailing_newline else text.rstrip("\n")).encode("utf-8"))


def _rename(df: pl.DataFrame, mapping: dict[str, str]) -> io.BytesIO:
    buffer = io.BytesIO()
    df.rename(mapping).write_csv(buffer)
    buffer.seek(0)
    return buffer


# --- the real file -----------------------------------------------------------------------------


def test_reads_the_real_2022_file(ctdc_path, real):
    raw = ctdc_path.read_bytes()
    assert not raw.endswith(b"\n")  # the file as published: no trailing newline
    with ctdc_path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert real.height == len(rows) == 21_195
    assert list(real.columns) == list(CANONICAL_COLUMNS)  # nothing unknown in the real file

    # Counted independently with the csv module.
    def count(column):
        return Counter(r[column] or None for r in rows)

    gender = count("gender")
    summary = ctdc_import_summary(real)
    assert summary["rows"] == 21_195
    assert summary["gender"] == {
        "female": gender["Female"],
        "male": gender["Male"],
        "missing": gender[None],
    }
    assert summary["gender"] == {"female": 9589, "male": 7995, "missing": 3611}
    majority = count("majorityStatus")
    assert summary["majority_status"] == {
        "adult": majority["Adult"],
        "minor": majority["Minor"],
        "missing": majority[None],
    }
    assert summary["forms"]["is_forced_labour"] == count("isForcedLabour")["1"] == 12_248
    assert summary["forms"]["is_sexual_exploit"] == count("isSexualExploit")["1"] == 2_775
    years = count("yearRegister")
    assert summary["year_register"] == {
        **{band: years[band] for band in ("2005-2013", "2014-2018", "2019", "2020", "2021-2022")},
        "missing": years[None],
    }
    assert summary["unknown_columns"] == []


def test_real_file_values_are_normalised(real, ctdc_path):
    assert real.schema["is_forced_labour"] == pl.Boolean
    assert set(real.get_column("is_forced_labour").unique().to_list()) == {True, None}
    assert real.schema["ip_gender"] == pl.List(pl.String)
    assert real.get_column("ip_gender")[0].to_list() == ["Female", "Male"]
    ages = {a for lst in real.get_column("ip_age_broad").drop_nulls().to_list() for a in lst}
    assert "39-47" in ages and not any("--" in a for a in ages)  # '39--47' in the file
    _, report = read_ctdc_with_report(ctdc_path)
    assert report.generation.startswith("CTDC 2022")
    assert report.unknown == [] and report.unrecognised_values == {}
    assert "citizenship" in report.absent and "gender" not in report.absent


def test_the_2022_header_is_what_to_ctdc_writes(ctdc_path):
    with ctdc_path.open(encoding="utf-8") as stream:
        header = stream.readline().strip().split(",")
    assert tuple(header) == CTDC_2022_COLUMNS
    assert [c for c in CTDC_EXPORT_COLUMNS if c != "isOtherExploit"] == header


# --- both generations ---------------------------------------------------------------------------


def test_the_real_file_under_the_other_generations_names_gives_the_same_frame(ctdc_path, real):
    """Rename every column to its 2024 name where the alias table has one (yearRegister →
    yearOfRegistration) and use the 2024 gender vocabulary (Woman/Man): same normalised frame."""
    text = pl.read_csv(ctdc_path, infer_schema=False)
    mapping = {f.v2022[0]: f.v2024[0] for f in FIELDS if f.v2022 and f.v2024}
    assert mapping["yearRegister"] == "yearOfRegistration"
    recoded = text.with_columns(pl.col("gender").replace({"Female": "Woman", "Male": "Man"}))
    second = read_ctdc(_rename(recoded, mapping))
    assert_frame_equal(second, real)


GEN_2024_HEADER = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "meansDebtBondageEarnings",
    "meansFalsePromises",
    "meansWithholdDocs",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "recruiterRelationFamily",
]
# A small file in the 2024 codebook's names (typeOf*), with its em-dash bands ("9—17").
GEN_2024_CSV = """\
2019,Woman,9—17,UKR,POL,0—12 (0-1 yr),1,,1,1,,,1,,,,1
2021,Man,30—38,,USA,,,1,,1,,,,1,,,
2015,Trans/Transgender/NonConforming,18—20,PHL,,,,,,,1,,,,1,1,
,,,,,,,,,,,1,,,,,
2022,Woman,0--8,NLD,NLD,,,,,,1,,,,,,
"""
GEN_2024_ROWS = [line.split(",") for line in GEN_2024_CSV.splitlines()]


def test_typeof_and_sectorof_names_give_the_same_frame():
    codebook = read_ctdc(_csv_bytes(GEN_2024_HEADER, GEN_2024_ROWS))
    sector_header = [h.replace("typeOf", "sectorOf") for h in GEN_2024_HEADER]
    released = read_ctdc(_csv_bytes(sector_header, GEN_2024_ROWS, trailing_newline=False))
    assert_frame_equal(released, codebook)
    # Older (2021) means-of-control names and lower-case headers too.
    older = {
        "meansFalsePromises": "meansOfControlFalsePromises",
        "meansWithholdDocs": "meansOfControlWithholdsDocuments",
    }
    old_header = [older.get(h, h).lower() for h in GEN_2024_HEADER]
    assert_frame_equal(read_ctdc(_csv_bytes(old_header, GEN_2024_ROWS)), codebook)

    rows = codebook.rows(named=True)
    assert [r["gender"] for r in rows] == ["female", "male", "other", None, "female"]
    # The 2024 generation has no majority status: derived from the age band.
    assert [r["majority_status"] for r in rows] == ["minor", "adult", "adult", None, "minor"]
    assert [r["age_broad"] for r in rows] == ["9-17", "30-38", "18-20", None, "0-8"]
    assert [r["year_register"] for r in rows] == ["2019", "2021", "2015", None, "2022"]
    assert rows[0]["labour_agriculture"] is True and rows[1]["labour_construction"] is True
    assert rows[2]["sex_prostitution"] is True and rows[0]["means_withhold_documents"] is True
    assert rows[3]["is_other_exploit"] is True and rows[3]["is_forced_labour"] is None
    assert rows[0]["traffick_months"] == "0-12 (0-1 yr)"
    assert rows[0]["citizenship"] == "UKR" and rows[1]["country_of_exploitation"] == "USA"


def test_merged_means_of_control_from_the_2021_release():
    header = [
        "yearOfRegistration",
        "gender",
        "ageBroad",
        "isForcedLabour",
        "isSexualExploit",
        "meansOfControlDebtBondage",
        "meansOfControlTakesEarnings",
    ]
    rows = [
        ["2019", "Woman", "18—20", "1", "", "1", ""],
        ["2019", "Woman", "18—20", "1", "", "", "1"],
        ["2019", "Woman", "18—20", "1", "", "", ""],
        ["2019", "Woman", "18—20", "1", "", "0", "0"],
    ]
    frame = read_ctdc(_csv_bytes(header, rows))
    assert frame.get_column("means_debt_bondage_earnings").to_list() == [True, True, None, False]


def test_unknown_columns_are_kept_and_reported():
    header = [*GEN_2024_HEADER, "Datasource", "extraNote"]
    rows = [[*row, "Case Management", "x"] for row in GEN_2024_ROWS]
    frame, report = read_ctdc_with_report(_csv_bytes(header, rows))
    assert report.unknown == ["Datasource", "extraNote"]
    assert frame.columns[-2:] == ["Datasource", "extraNote"]
    assert frame.get_column("Datasource").to_list() == ["Case Management"] * 5
    assert ctdc_import_summary(frame)["unknown_columns"] == ["Datasource", "extraNote"]
    assert report.generation.startswith("CTDC 2024")


def test_unrecognised_values_are_reported_not_guessed():
    header = ["yearRegister", "gender", "majorityStatus", "isForcedLabour", "isSexualExploit"]
    rows = [["2019", "Female", "Adult", "1", ""], ["2019", "Unknown", "Teen", "yes", "maybe"]]
    frame, report = read_ctdc_with_report(_csv_bytes(header, rows))
    assert frame.get_column("gender").to_list() == ["female", None]
    assert frame.get_column("majority_status").to_list() == ["adult", None]
    assert frame.get_column("is_sexual_exploit").to_list() == [None, None]
    assert report.unrecognised_values == {
        "is_sexual_exploit": {"maybe": 1},
        "gender": {"Unknown": 1},
        "majority_status": {"Teen": 1},
    }


@pytest.mark.parametrize(
    "header",
    [
        ["name", "age", "country"],
        ["yearRegister", "gender", "isForcedLabour", "isSexualExploit"],  # no age at all
        ["gender", "majorityStatus", "ageBroad", "isForcedLabour", "isSexualExploit"],  # no year
    ],
)
def test_a_file_without_the_required_columns_gets_a_dutch_error(header):
    source = _csv_bytes(header, [["1"] * len(header)])
    with pytest.raises(CtdcFormatError) as caught:
        read_ctdc(source)
    message = str(caught.value)
    assert message.startswith("Dit is geen CTDC-bestand: verplichte kolommen ontbreken.")
    assert "CTDC 2022" in message and "CTDC 2024" in message
    for generation, missing in caught.value.missing.items():
        assert missing, generation
        for name in missing:
            assert name in message
            assert name.lower() not in {h.lower() for h in header}
    if header[0] == "name":
        assert caught.value.missing["CTDC 2022 (slachtoffer-dader)"] == [
            "yearRegister",
            "gender",
            "majorityStatus",
            "isForcedLabour",
            "isSexualExploit",
        ]
        assert "yearOfRegistration" in caught.value.missing["CTDC 2024 (Global Synthetic)"]


# --- InBeeld microdata as CTDC -----------------------------------------------------------------


@pytest.mark.parametrize(
    "year, band",
    [
        (2004, "2004"),
        (2005, "2005-2013"),
        (2013, "2005-2013"),
        (2014, "2014-2018"),
        (2019, "2019"),
        (2020, "2020"),
        (2021, "2021-2022"),
        (2022, "2021-2022"),
        (2024, "2024"),
        (None, None),
    ],
)
def test_year_bands_like_ctdc(year, band):
    assert ctdc_year_band(year) == band


def _microdata(rows: list[dict]) -> pl.DataFrame:
    base = {
        "rij_id": 1,
        "jaar_instroom": 2021,
        "eenheid": "amsterdam",
        "leeftijd": "23-29",
        "minderjarig": 0,
        "gender": "female",
        "nationaliteit": "nl",
        "vorm_sexual": 0,
        "vorm_labour": 0,
        "vorm_criminal": 0,
        "vorm_organ_removal": 0,
        "vorm_unknown": 0,
        "jaar_eerste_politiecontact": None,
        "aangifte": 0,
    }
    return pl.DataFrame(
        [{**base, "rij_id": i, **row} for i, row in enumerate(rows, start=1)],
        schema_overrides={"jaar_eerste_politiecontact": pl.Int32},
    )


def test_to_ctdc_maps_what_inbeeld_knows_and_leaves_the_rest_blank():
    micro = _microdata(
        [
            {"vorm_sexual": 1},
            {
                "jaar_instroom": 2016,
                "minderjarig": 1,
                "leeftijd": "16-17",
                "gender": "male",
                "nationaliteit": "eu",
                "vorm_labour": 1,
            },
            {
                "jaar_instroom": 2024,
                "gender": "other",
                "nationaliteit": "non_eu",
                "vorm_criminal": 1,
                "vorm_organ_removal": 1,
            },
            {
                "jaar_instroom": 2019,
                "gender": "unknown",
                "nationaliteit": "unknown",
                "vorm_unknown": 1,
            },
        ]
    )
    out = to_ctdc(micro)
    assert out.columns == list(CTDC_EXPORT_COLUMNS)
    assert all(dtype == pl.String for dtype in out.schema.values())
    rows = out.rows(named=True)
    assert [r["yearRegister"] for r in rows] == ["2021-2022", "2014-2018", "2024", "2019"]
    assert [r["gender"] for r in rows] == [
        "Female",
        "Male",
        "Trans/Transgender/NonConforming",
        None,
    ]
    assert [r["majorityStatus"] for r in rows] == ["Adult", "Minor", "Adult", "Adult"]
    assert [r["isSexualExploit"] for r in rows] == ["1", None, None, None]
    assert [r["isForcedLabour"] for r in rows] == [None, "1", "1", None]  # criminal → labour
    assert [r["isOtherExploit"] for r in rows] == [None, None, "1", None]
    assert [r["UN_COO_Region"] for r in rows] == ["Europe", "Europe", None, None]
    assert {r["UN_COE_Region"] for r in rows} == {"Europe"}
    assert all(r[c] is None for r in rows for c in CTDC_EXPORT_COLUMNS if c.startswith("IP_"))

    buffer = io.BytesIO()
    write_ctdc(out, buffer)
    lines = buffer.getvalue().decode().splitlines()
    assert lines[0] == ",".join(CTDC_EXPORT_COLUMNS)
    assert lines[4] == "2019,,Adult,,,,,Europe" + "," * 9  # blanks, never 0


def test_to_ctdc_round_trips_through_read_ctdc():
    micro = _microdata(
        [
            {"vorm_sexual": 1, "jaar_instroom": 2010},
            {
                "jaar_instroom": 2020,
                "minderjarig": 1,
                "gender": "male",
                "vorm_labour": 1,
                "vorm_sexual": 1,
            },
            {
                "jaar_instroom": 2023,
                "gender": "other",
                "nationaliteit": "non_eu",
                "vorm_organ_removal": 1,
            },
            {"jaar_instroom": 2022, "gender": "unknown", "vorm_unknown": 1},
        ]
    )
    buffer = io.BytesIO()
    write_ctdc(to_ctdc(micro), buffer)
    buffer.seek(0)
    back = read_ctdc(buffer)
    assert back.height == micro.height
    assert back.select(
        "year_register",
        "gender",
        "majority_status",
        "is_forced_labour",
        "is_sexual_exploit",
        "is_other_exploit",
        "coo_region",
        "coe_region",
    ).rows() == [
        ("2005-2013", "female", "adult", None, True, None, "Europe", "Europe"),
        ("2020", "male", "minor", True, True, None, "Europe", "Europe"),
        ("2023", "other", "adult", None, None, True, None, "Europe"),
        ("2021-2022", None, "adult", None, None, None, "Europe", "Europe"),
    ]


@pytest.mark.django_db
def test_ctdc_export_of_the_database_round_trips(researcher):
    from inbeeld.publication import agreement
    from inbeeld.publication.services import data_use_agreement_accept
    from tests.factories import CaseFactory

    # Five of each kind: the CTDC file is k-anonymous (k = 5) on its own columns, so these
    # groups pass whole (tests/publication/test_microdata_anonymity.py covers smaller ones).
    for _ in range(5):
        CaseFactory(intake_date=dt.date(2020, 3, 1), forms=["sexual"], minor=True)
        CaseFactory(intake_date=dt.date(2017, 3, 1), forms=["labour"], gender="male")
    CaseFactory(intake_date=dt.date(2018, 3, 1), without_consent=True)
    data_use_agreement_accept(actor=researcher, version=agreement.VERSION)
    micro = microdata_table(researcher)
    export = export_microdata(actor=researcher, format="ctdc")
    assert export.filename.endswith(".csv") and export.filename.startswith("inbeeld-ctdc-")
    back = read_ctdc(io.BytesIO(export.content)).sort("year_register")
    assert back.height == micro.height == 10
    assert back.select("year_register", "gender", "majority_status").unique(
        maintain_order=True
    ).rows() == [
        ("2014-2018", "male", "adult"),
        ("2020", "female", "minor"),
    ]
    assert back.get_column("is_forced_labour").to_list() == [True] * 5 + [None] * 5
    assert back.get_column("is_sexual_exploit").to_list() == [None] * 5 + [True] * 5
    row = AuditEvent.objects.get(action=AuditAction.EXPORT_CREATED)
    assert row.extra["format"] == "ctdc" and row.extra["columns"] == list(CTDC_EXPORT_COLUMNS)


# --- the command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ctdc_import_command_prints_the_summary(ctdc_path):
    out = io.StringIO()
    call_command("export", "ctdc-import", str(ctdc_path), stdout=out)
    text = out.getvalue()
    assert "Rijen: 21195" in text
    assert "vrouw: 9589" in text and "man: 7995" in text
    assert "minderjarig: 1212" in text
    assert "andere uitbuiting (isOtherExploit): niet in het bestand" in text
    assert "geen casussen aangemaakt" in text
    row = AuditEvent.objects.get(action=AuditAction.CTDC_IMPORTED)
    assert row.extra["rows"] == 21_195 and row.subject_ref == ctdc_path.name


@pytest.mark.django_db
def test_ctdc_import_command_refuses_a_non_ctdc_file_in_dutch(tmp_path):
    path = tmp_path / "iets.csv"
    path.write_text("naam,leeftijd\nA,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="verplichte kolommen ontbreken"):
        call_command("export", "ctdc-import", str(path))
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("export", "ctdc-import", str(tmp_path / "weg.csv"))
    assert not AuditEvent.objects.filter(action=AuditAction.CTDC_IMPORTED).exists()
