"""Safety and retelling per intervention in Dutch (issue 17 item 5, ADR 0006 decision 9): the
sentences on how many times the victim told the story and the disclosure-controlled table of
threats, protective measures and releases from custody, exposed vs not exposed. The page, the PDF
and the API show this block as it is built here, so they show the same numbers.

Disclosure (stats.disclosure, the minimum cell size of INBEELD_DISCLOSURE_MIN_CELL): each fact is
a 2×2 table (with / without the fact × with / without the intervention) protected by
``protect_table``; a suppressed count shows as "×" and its share is not shown. The mean number of
tellings is only shown when both groups have at least the minimum cell size (a mean of a smaller
group gives its members' counts away), as the reports suppress a comparison with a small group."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.analysis.presenter import number
from inbeeld.stats import safety as safety_stats
from inbeeld.stats.disclosure import DisclosurePolicy, protect_table

SUPPRESSED = "×"
FACT_LABELS = {
    "threat": gettext_lazy("Bedreiging gemeld na de aangifte"),
    "contact_ban": gettext_lazy("Contactverbod"),
    "safe_housing": gettext_lazy("Veilige opvang"),
    "shielded_witness": gettext_lazy("Afgeschermde getuige"),
    "suspect_released": gettext_lazy("Verdachte vrijgelaten uit voorarrest"),
}
REASONS = {
    safety_stats.TOO_FEW: gettext_lazy(
        "Geen betrouwbaarheidsinterval: een van de groepen heeft minder dan %(min)s casussen; "
        "in simulaties is het interval dan niet betrouwbaar."
    ),
    safety_stats.NO_VARIATION: gettext_lazy(
        "Geen betrouwbaarheidsinterval: in een van de groepen vertelde iedereen het verhaal even "
        "vaak; het interval zou dan te smal zijn."
    ),
    safety_stats.NONE_RECORDED: gettext_lazy(
        "Bij deze casussen is (nog) geen keer vertellen vastgelegd; er is niets te vergelijken."
    ),
}


def _times(value: float) -> str:
    return _("%(n)s keer") % {"n": number(value, 2)}


def _signed(value: float) -> str:
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number(abs(value), 2)}"


def _tellings_sentences(tellings, *, after: bool, horizon: int, threshold: int) -> list[str]:
    window = (
        _("na de aangifte, binnen %(h)s dagen") % {"h": horizon}
        if after
        else _("binnen %(h)s dagen na de indexdatum") % {"h": horizon}
    )
    if tellings.reason == safety_stats.NONE_RECORDED:
        return [str(REASONS[tellings.reason])]
    if min(tellings.n1, tellings.n0) < threshold:
        return [
            _(
                "Onderdrukt: een van de groepen is kleiner dan %(min)s casussen; publiceren zou "
                "herleidbaar kunnen zijn."
            )
            % {"min": threshold}
        ]
    sentences = [
        _(
            "Hoe vaak het slachtoffer het verhaal moest vertellen (%(window)s; naar toewijzing: "
            "regio's met en zonder de interventie): gemiddeld "
            "%(m1)s met de interventie (%(n1)s casussen) en %(m0)s zonder (%(n0)s casussen)."
        )
        % {
            "window": window,
            "m1": _times(tellings.mean1),
            "n1": tellings.n1,
            "m0": _times(tellings.mean0),
            "n0": tellings.n0,
        }
    ]
    if tellings.low is None:
        reason = REASONS[tellings.reason] % {"min": safety_stats.MIN_PER_GROUP}
        sentences.append(str(reason))
    else:
        sentences.append(
            _(
                "Verschil %(d)s keer per slachtoffer (95 %%-betrouwbaarheidsinterval %(low)s tot "
                "%(high)s; verschil in gemiddelden volgens Welch)."
            )
            % {
                "d": _signed(tellings.difference),
                "low": _signed(tellings.low),
                "high": _signed(tellings.high),
            }
        )
        if tellings.indicative:
            sentences.append(
                _(
                    "Indicatief: minder dan %(n)s casussen in een groep. Bij scheve aantallen en "
                    "ongelijke groepen kan het interval dan te smal zijn."
                )
                % {"n": safety_stats.INDICATIVE_PER_GROUP}
            )
    sentences.append(
        _(
            "Een casus zonder vastgelegde keer vertellen telt als nul; vergelijk alleen als het "
            "vertellen in alle regio's even volledig wordt vastgelegd."
        )
    )
    return sentences


def _cell(table, row: int, col: int) -> str:
    value = table.value(row, col)
    if value is None:
        return SUPPRESSED
    share = table.percent(row, col, of="col")
    if share is None:
        return str(value)
    return _("%(n)s (%(p)s %%)") % {"n": value, "p": number(share)}


def _balance_rows(balance, threshold: int) -> list[dict]:
    policy = DisclosurePolicy(min_cell=threshold)
    rows = []
    for fact in balance:
        table = protect_table(
            [[fact.x1, fact.x0], [fact.n1 - fact.x1, fact.n0 - fact.x0]],
            ["met", "zonder"],
            ["met interventie", "zonder interventie"],
            policy,
        )
        rows.append(
            {
                "fact": fact.fact,
                "label": str(FACT_LABELS[fact.fact]),
                "exposed": _cell(table, 0, 0),
                "unexposed": _cell(table, 0, 1),
            }
        )
    return rows


def safety_block(item, horizon: int, *, threshold: int | None = None) -> dict | None:
    """The block "Veiligheid en herhaald vertellen" of one intervention: ``sentences`` (the
    tellings outcome), ``rows`` (per fact: label, exposed, unexposed; disclosure-controlled) and
    ``note`` (why the facts are described and not adjusted for); None without a comparison."""
    if item.safety is None:
        return None
    threshold = threshold or settings.INBEELD_DISCLOSURE_MIN_CELL
    after = item.spec.after_complaint
    return {
        "sentences": _tellings_sentences(
            item.safety.tellings, after=after, horizon=horizon, threshold=threshold
        ),
        "rows": _balance_rows(item.safety.balance, threshold),
        "note": _(
            "Bedreiging, beschermende maatregelen en vrijlating gebeuren meestal ná de start van "
            "de interventie en kunnen er een gevolg van zijn; daarom worden ze alleen beschreven "
            "(casussen met het feit in dezelfde periode, per groep) en wordt er niet voor "
            "gecorrigeerd. Aantallen onder %(min)s staan als ×."
        )
        % {"min": threshold},
    }
