"""The CTDC export's perpetrator columns (issue 17 item 6): IP_* filled from the suspects of the
same case, blank where InBeeld cannot answer, and never a suspect code or case id in the file."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from inbeeld.accounts.models import Role
from inbeeld.publication.ctdc import CTDC_EXPORT_COLUMNS, read_ctdc, to_ctdc
from inbeeld.publication.exports import export_microdata
from tests.factories import CaseFactory, make_user
from tests.publication.test_ctdc import _microdata


def test_ip_columns_from_the_suspects_of_each_case():
    micro = _microdata([{"vorm_sexual": 1}, {"vorm_criminal": 1}, {"vorm_labour": 1}])
    micro = micro.with_columns(pl.Series("case_id", [10, 20, 30], dtype=pl.Int64))
    suspects = pl.DataFrame(
        [
            (10, "exploiter", "partner", "male"),
            (10, "recruiter", "parent", "female"),
            (10, "client", "stranger", "male"),
            (20, "client", "stranger", "unknown"),
        ],
        schema={"case_id": pl.Int64, "role": pl.Utf8, "relationship": pl.Utf8, "gender": pl.Utf8},
        orient="row",
    )
    out = to_ctdc(micro, suspects)
    assert out.columns == list(CTDC_EXPORT_COLUMNS)  # no case_id in the output
    rows = out.rows(named=True)
    assert [r["IP_Exploiter"] for r in rows] == ["1", None, None]
    assert [r["IP_RecruiterBroker"] for r in rows] == ["1", None, None]
    assert [r["IP_Gender"] for r in rows] == ["Female;Male", None, None]
    assert [r["IP_Relation"] for r in rows] == ["Family;Intimate Partner", None, None]
    for column in ("IP_ageBroad", "IP_citizen_UNRegion", "IP_PayMoney", "IP_ControlAbuseKidnap"):
        assert {r[column] for r in rows} == {None}


@pytest.mark.django_db
def test_the_database_export_fills_ip_columns_and_reads_back():
    from inbeeld.publication import agreement
    from inbeeld.publication.services import data_use_agreement_accept
    from inbeeld.suspects import services

    police = make_user(Role.POLICE_OFFICER)
    codes = []
    # Five alike (k = 5 on the CTDC quasi-identifiers, now including IP_Relation and IP_Gender).
    for _ in range(5):
        case = CaseFactory(intake_date=dt.date(2020, 3, 1), forms=["sexual"], minor=True)
        link = services.suspect_register(
            actor=police, case=case, role="exploiter", relationship="partner", gender="male"
        )
        codes.append(link.suspect.code)
    for _ in range(5):
        CaseFactory(intake_date=dt.date(2017, 3, 1), forms=["labour"], gender="male")
    researcher = make_user(Role.RESEARCHER)
    data_use_agreement_accept(actor=researcher, version=agreement.VERSION)
    export = export_microdata(actor=researcher, format="ctdc")
    text = export.content.decode()
    assert not any(code in text for code in codes)
    back = read_ctdc(io.BytesIO(export.content)).sort("year_register")
    assert back.height == 10
    assert back.get_column("ip_exploiter").to_list() == [None] * 5 + [True] * 5
    assert back.get_column("ip_relation").to_list() == [None] * 5 + [["Intimate Partner"]] * 5
    assert back.get_column("ip_gender").to_list() == [None] * 5 + [["Male"]] * 5
