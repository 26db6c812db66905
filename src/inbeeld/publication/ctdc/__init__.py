"""HTCDS/CTDC compatibility: InBeeld microdata out as a CTDC-style file, CTDC files in for analysis.

The package: ``fields`` (the alias table), ``reading`` (read_ctdc, the import summary) and
``writing`` (to_ctdc, write_ctdc); every name is importable from ``inbeeld.publication.ctdc``.

The Counter Trafficking Data Collaborative (IOM) publishes victim data in the Human Trafficking
Case Data Standard (HTCDS) family of columns. Two generations of column names are in use:

- **CTDC 2022** (Global Victim-Perpetrator Synthetic Dataset, December 2022): ``yearRegister``
  (banded: 2005-2013, 2014-2018, 2019, 2020, 2021-2022), ``gender`` (Female/Male),
  ``majorityStatus`` (Adult/Minor), ``isForcedLabour``, ``isSexualExploit``, ``UN_COO_Region``,
  ``UN_COE_Region`` and the perpetrator attributes ``IP_*`` (multi-values joined with ';').
- **CTDC 2024** (Global Synthetic Dataset, codebook version 2, February 2024): 27 variables,
  ``yearOfRegistration`` (a year), ``gender`` (Man/Woman/Trans/Transgender/NonConforming),
  ``ageBroad``, ``citizenship``, ``CountryOfExploitation``, ``traffickMonths``, ``means*``,
  ``isForcedLabour``/``isSexualExploit``/``isOtherExploit``, the labour and sexual sectors (named
  ``typeOfLabour*``/``typeOfSex*`` in the codebook and ``sectorOfLabour*``/``sectorOfSex*`` in
  the released CSV) and ``recruiterRelation*``. The codebook's Appendix II lists the previous
  (2021) names of the means of control (``meansOfControl*``), some merged into one 2024 variable.

``read_ctdc`` accepts either generation (and the older aliases, in any letter case) through the
explicit table ``FIELDS``, normalises values (Female/Woman → female, '1'/blank → true/missing,
'a;b' → a list, '0--8'/'0—8' → '0-8') and returns one internal schema: every canonical column,
whatever generation the file was, plus the file's unknown columns unchanged (reported, not
dropped). A file that has neither generation's required columns is refused with a Dutch message
listing what is missing.

The import is read-only analysis (``ctdc_import_summary``): CTDC records are synthetic,
differentially private records of victims identified in other countries by other organisations.
They are not InBeeld cases, have no consent, no police unit and no timeline, and must never be
mixed into the case register or its figures; they serve as a reference population and as a
real-world fixture for the monitor and disclosure control.

``to_ctdc`` maps InBeeld microdata onto the CTDC 2022 columns (plus ``isOtherExploit`` of the
global dataset, for forced organ removal). What InBeeld does not know stays blank, as in CTDC:
blank means missing, flags are 1 or blank (never 0).
"""

from inbeeld.publication.ctdc.fields import (
    CANONICAL_COLUMNS,
    CANONICAL_SCHEMA,
    FIELDS,
    FIELDS_BY_NAME,
    MULTI_SEPARATOR,
    REQUIRED,
    REQUIRED_FIELDS,
    ColumnReport,
    CtdcFormatError,
    Field,
)
from inbeeld.publication.ctdc.reading import (
    ctdc_import_summary,
    inspect_columns,
    read_ctdc,
    read_ctdc_with_report,
)
from inbeeld.publication.ctdc.writing import (
    COE_REGION,
    COO_REGION,
    CTDC_2022_COLUMNS,
    CTDC_EXPORT_COLUMNS,
    FORM_TO_CTDC,
    GENDER_TO_CTDC,
    YEAR_BANDS,
    ctdc_year_band,
    to_ctdc,
    write_ctdc,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "CANONICAL_SCHEMA",
    "COE_REGION",
    "COO_REGION",
    "CTDC_2022_COLUMNS",
    "CTDC_EXPORT_COLUMNS",
    "FIELDS",
    "FIELDS_BY_NAME",
    "FORM_TO_CTDC",
    "GENDER_TO_CTDC",
    "MULTI_SEPARATOR",
    "REQUIRED",
    "REQUIRED_FIELDS",
    "YEAR_BANDS",
    "ColumnReport",
    "CtdcFormatError",
    "Field",
    "ctdc_import_summary",
    "ctdc_year_band",
    "inspect_columns",
    "read_ctdc",
    "read_ctdc_with_report",
    "to_ctdc",
    "write_ctdc",
]
