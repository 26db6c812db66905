"""Lead times per chain stage and the bottleneck, in Dutch, for the evaluation page and PDF."""

from __future__ import annotations

from django.utils.translation import gettext as _

from inbeeld.analysis.presenter import STAGE_LABELS, days, number


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
                "observed": number(s.n_observed, 0),
                "censored": number(s.n_censored, 0),
                "median": days(s.median),
                "q1": days(s.q1),
                "q3": days(s.q3),
                "p90": days(s.p90),
                "bottleneck": lead.stage == result.bottleneck,
            }
        )
    return rows


def lead_time_sentences(result) -> list[str]:
    out = [
        _(
            "Een doorlooptijd is het aantal dagen tussen twee stappen in de keten. Casussen die de "
            "volgende stap nog niet bereikten tellen mee tot hun laatste gegeven (Kaplan–Meier); "
            "daarom kan een mediaan 'nog niet bereikt' zijn."
        )
    ]
    if result.bottleneck:
        median = next(
            lt.summary.median for lt in result.lead_times if lt.stage == result.bottleneck
        )
        out.append(
            _("Het knelpunt is de stap %(stage)s: daar duurt het het langst (mediaan %(d)s).")
            % {"stage": STAGE_LABELS.get(result.bottleneck, result.bottleneck), "d": days(median)}
        )
    e2e = result.end_to_end.summary
    if e2e.median is None:
        out.append(
            _(
                "Van eerste politiecontact tot uitspraak: minder dan de helft van de zaken heeft "
                "(nog) een uitspraak, dus de mediaan is nog niet bekend."
            )
        )
    else:
        out.append(
            _(
                "Van eerste politiecontact tot uitspraak duurt het bij de helft van de zaken %(d)s of langer."
            )
            % {"d": days(e2e.median)}
        )
    return out


def unit_bottleneck_rows(result) -> list[dict]:
    from inbeeld.reference.models import PoliceUnit

    # Names read once per page, not cached across requests (a renamed unit shows at once).
    names = dict(PoliceUnit.objects.values_list("code", "name"))
    return [
        {
            "unit": names.get(row.police_unit, row.police_unit),
            "stage": STAGE_LABELS.get(row.stage, "–") if row.stage else "–",
            "median": days(row.median_days),
            "medians": [days(s.summary.median) for s in row.stages],
        }
        for row in result.bottlenecks_by_unit
    ]
