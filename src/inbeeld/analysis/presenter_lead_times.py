"""Lead times per chain stage and the bottleneck, in Dutch, for the evaluation page and PDF.

Per stage two figures (stats.lead_times): the share of the cases that began the step and reached
the next one (a closure or withdrawal first counts as an outcome, not as "still under way"), and
how long the step takes when it happens (quantiles among the cases that reached it)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from inbeeld.analysis.presenter import STAGE_LABELS, days, number, pct
from inbeeld.stats.lead_times import MIN_REACHED


def not_determinable() -> str:
    return _("nog niet te bepalen")


def quantile_days(value: float | None, summary) -> str:
    """A conditional quantile in days; "nog niet te bepalen" when the stage has too few cases that
    reached the next step, "–" when the stage has none at all."""
    if summary.n == 0:
        return "–"
    if not summary.determinable or value is None:
        return not_determinable()
    return days(value)


def median_interval(summary) -> str:
    """ "61 dagen (95 %-BI 40 tot 90 dagen)"; an open upper bound reads "onbekend"."""
    if summary.n == 0:
        return "–"
    if summary.median is None:
        return not_determinable()
    high = number(summary.median_high, 0) if summary.median_high is not None else _("onbekend")
    low = number(summary.median_low, 0) if summary.median_low is not None else "0"
    return _("%(d)s (95 %%-BI %(low)s tot %(high)s dagen)") % {
        "d": days(summary.median),
        "low": low,
        "high": high,
    }


def share(interval) -> str:
    """The share with its interval, compact: "62,0 % (55,1–68,4)"; "–" when not identified; only
    the share when the interval is degenerate (no case reached the step yet, or all did: the
    Aalen–Johansen delta-method interval has no width there, which would suggest certainty)."""
    if interval is None:
        return "–"
    if interval.low == interval.high:
        return pct(interval.estimate)
    return f"{pct(interval.estimate)} ({number(100 * interval.low)}–{number(100 * interval.high)})"


def _share_by(summary, day: int):
    return next((s.share for s in summary.shares if s.days == day), None)


def lead_time_rows(result) -> list[dict]:
    rows = []
    for lead in (*result.lead_times, result.end_to_end):
        s = lead.summary
        rows.append(
            {
                "code": lead.stage,
                "label": STAGE_LABELS.get(lead.stage, lead.stage),
                "summary": s,
                "n": number(s.n, 0),
                "reached": number(s.n_reached, 0),
                "terminal": number(s.n_terminal, 0),
                "censored": number(s.n_censored, 0),
                "share_90": share(_share_by(s, 90)),
                "share_180": share(_share_by(s, 180)),
                "share_365": share(_share_by(s, 365)),
                "share_reached": share(s.share_reached),
                "followup": days(s.followup_days) if s.followup_days is not None else "–",
                "median": quantile_days(s.median, s),
                "median_ci": median_interval(s),
                "q1": quantile_days(s.q1, s),
                "q3": quantile_days(s.q3, s),
                "p90": quantile_days(s.p90, s),
                "bottleneck": lead.stage == result.bottleneck,
            }
        )
    return rows


def _overlaps(a, b) -> bool:
    """Whether the medians' intervals of two stages overlap (an open bound overlaps all)."""
    a_high = a.median_high if a.median_high is not None else float("inf")
    b_high = b.median_high if b.median_high is not None else float("inf")
    return a.median_low <= b_high and b.median_low <= a_high


def definition_sentences() -> list[str]:
    return [
        _(
            "Per ketenstap staan hier twee dingen. Eerst welk deel van de casussen die aan de stap "
            "begonnen de volgende stap bereikt, binnen 90, 180 en 365 dagen en tot nu toe. Een "
            "casus die eerder wordt afgesloten of waarin het slachtoffer zich terugtrekt, bereikt "
            "de volgende stap niet: dat is een uitkomst, geen ‘nog onderweg’. Alleen casussen die "
            "op de peildatum nog lopen, tellen als nog onderweg (cumulatieve incidentie, "
            "Aalen–Johansen)."
        ),
        _(
            "Daarna hoe lang de stap duurt als hij plaatsvindt: de mediaan en de percentielen van "
            "het aantal dagen bij de casussen die de volgende stap bereiken. Zijn dat er minder "
            "dan %(min)s, dan is dat nog niet te bepalen."
        )
        % {"min": MIN_REACHED},
    ]


def bottleneck_sentences(result) -> list[str]:
    if not result.bottleneck:
        return [
            _(
                "Welke stap het knelpunt is, is nog niet te bepalen: geen stap heeft %(min)s of "
                "meer casussen die de volgende stap bereikten."
            )
            % {"min": MIN_REACHED}
        ]
    leads = {lt.stage: lt.summary for lt in result.lead_times}
    top = leads[result.bottleneck]
    out = [
        _(
            "Het knelpunt is de stap %(stage)s: als die stap plaatsvindt, duurt hij het langst "
            "(mediaan %(median)s)."
        )
        % {
            "stage": STAGE_LABELS.get(result.bottleneck, result.bottleneck),
            "median": median_interval(top),
        }
    ]
    close = [
        stage
        for stage, s in leads.items()
        if stage != result.bottleneck and s.median is not None and _overlaps(s, top)
    ]
    if close:
        out.append(
            _("Dat is niet zeker: het interval van de mediaan overlapt met dat van %(stages)s.")
            % {"stages": ", ".join(str(STAGE_LABELS.get(stage, stage)) for stage in close)}
        )
    return out


def end_to_end_sentence(summary) -> str:
    if summary.n == 0:
        return _("Van eerste politiecontact tot uitspraak: (nog) geen zaken.")
    if summary.median is None:
        return _(
            "Van eerste politiecontact tot uitspraak: %(reached)s van de %(n)s zaken kregen een "
            "uitspraak; hoe lang dat duurt is daarom nog niet te bepalen."
        ) % {"reached": number(summary.n_reached, 0), "n": number(summary.n, 0)}
    return _(
        "Van eerste politiecontact tot uitspraak: %(share)s van de zaken kreeg binnen de "
        "waargenomen tijd een uitspraak; als er een uitspraak komt, duurt het tot dan bij de helft "
        "%(median)s of korter."
    ) % {
        "share": pct(summary.share_reached.estimate) if summary.share_reached else "–",
        "median": median_interval(summary),
    }


def lead_time_sentences(result) -> list[str]:
    """The definition, the bottleneck and, last, the end-to-end sentence."""
    return [
        *definition_sentences(),
        *bottleneck_sentences(result),
        end_to_end_sentence(result.end_to_end.summary),
    ]


def unit_bottleneck_rows(result) -> list[dict]:
    from inbeeld.reference.models import PoliceUnit

    # Names read once per page, not cached across requests (a renamed unit shows at once).
    names = dict(PoliceUnit.objects.values_list("code", "name"))
    rows = []
    for row in result.bottlenecks_by_unit:
        top = next((s.summary for s in row.stages if s.stage == row.stage), None)
        rows.append(
            {
                "unit": names.get(row.police_unit, row.police_unit),
                "stage": STAGE_LABELS.get(row.stage, "–") if row.stage else not_determinable(),
                "median": median_interval(top) if top is not None else "–",
                "medians": [quantile_days(s.summary.median, s.summary) for s in row.stages],
            }
        )
    return rows
