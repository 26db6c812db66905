"""The primary analysis in plain Dutch: one sentence a policymaker can act on, then what was
compared. Formatting only; the verdict and every number come from stats.primary.PrimaryResult.
The page, the PDF report and `inbeeld evaluate` all take the sentence from here, so they say the
same thing."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.stats.primary import (
    COMPLAINT_WITHIN,
    COOPERATION_WITHIN,
    INVALID_DESIGN,
    ITT_CONCURRENT,
    NO_DEPLOYMENTS,
    NO_EXPOSED,
    NO_UNEXPOSED,
    NOT_ESTIMABLE,
    RETAINED_AFTER_COMPLAINT,
    STAGGERED_ATT,
    STAGGERED_NOT_ESTIMABLE,
    TOO_FEW,
    Verdict,
)


def _number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _points(value: float) -> str:
    """A difference as unsigned percentage points: 0.0437 -> "4,4"."""
    return _number(abs(100 * value))


def _signed(value: float) -> str:
    """A difference as signed percentage points: -0.026 -> "−2,6", 0.112 -> "+11,2"."""
    text = _points(value)
    if text.strip("0,") == "":
        return text
    return ("+" if value > 0 else "−") + text


def _mid(mid: float) -> str:
    points = 100 * mid
    return _number(points, 0 if abs(points - round(points)) < 1e-9 else 1)


# "... procentpunt meer <who>": the cases with the outcome, per outcome.
WHO = {
    COMPLAINT_WITHIN: gettext_lazy("slachtoffers die binnen %(h)s dagen aangifte doen"),
    COOPERATION_WITHIN: gettext_lazy(
        "slachtoffers die binnen %(h)s dagen meewerken (aangifte, melding, verklaring of verhoor "
        "bij de rechter-commissaris)"
    ),
    RETAINED_AFTER_COMPLAINT: gettext_lazy(
        "slachtoffers die in de %(h)s dagen na hun aangifte niet afhaken uit het strafproces"
    ),
}
# "het verschil in <share> ligt tussen ...": the outcome as a share, per outcome.
SHARE = {
    COMPLAINT_WITHIN: gettext_lazy("het aandeel slachtoffers dat binnen %(h)s dagen aangifte doet"),
    COOPERATION_WITHIN: gettext_lazy("het aandeel slachtoffers dat binnen %(h)s dagen meewerkt"),
    RETAINED_AFTER_COMPLAINT: gettext_lazy(
        "het aandeel slachtoffers dat in de %(h)s dagen na de aangifte niet afhaakt uit het "
        "strafproces"
    ),
}
# Short names of the outcomes, for table columns and the design line.
OUTCOME_LABELS = {
    COMPLAINT_WITHIN: gettext_lazy("aangifte binnen %(h)s dagen"),
    COOPERATION_WITHIN: gettext_lazy("medewerking binnen %(h)s dagen"),
    RETAINED_AFTER_COMPLAINT: gettext_lazy(
        "in het strafproces gebleven, %(h)s dagen na de aangifte"
    ),
}
COMPARISON_LABELS = {
    ITT_CONCURRENT: gettext_lazy(
        "naar toewijzing: casussen in regio's met de interventie tegen casussen in de andere "
        "regio's in dezelfde periode (verschil in aandeel)"
    ),
    STAGGERED_ATT: gettext_lazy(
        "gespreide invoering: de verandering in regio's die startten tegen die in regio's die "
        "(nog) niet startten, per halfjaar (groep-tijd-effect, Callaway–Sant'Anna)"
    ),
}
VERDICT_LABELS = {
    Verdict.NOT_YET_POSSIBLE: gettext_lazy("nog geen uitspraak"),
    Verdict.POSITIVE: gettext_lazy("waarschijnlijk positief effect"),
    Verdict.POSITIVE_SMALL: gettext_lazy("waarschijnlijk klein positief effect"),
    Verdict.NO_IMPORTANT_EFFECT: gettext_lazy("waarschijnlijk geen belangrijk effect"),
    Verdict.NO_IMPORTANT_BENEFIT: gettext_lazy("waarschijnlijk geen belangrijk positief effect"),
    Verdict.INCONCLUSIVE: gettext_lazy("nog geen conclusie"),
    Verdict.NEGATIVE_SMALL: gettext_lazy("waarschijnlijk klein nadelig effect"),
    Verdict.NEGATIVE: gettext_lazy("waarschijnlijk nadelig effect"),
}
REASONS = {
    INVALID_DESIGN: gettext_lazy(
        "de vastgelegde primaire analyse past niet bij deze interventie; pas haar aan in het "
        "ontwerp van de pilot"
    ),
    NO_DEPLOYMENTS: gettext_lazy("de interventie heeft (nog) geen inzet per regio"),
    NO_EXPOSED: gettext_lazy(
        "er zijn (nog) geen casussen met de interventie die lang genoeg gevolgd zijn"
    ),
    NO_UNEXPOSED: gettext_lazy(
        "er is geen vergelijkingsgroep: alle casussen in de periode hadden de interventie"
    ),
    NOT_ESTIMABLE: gettext_lazy("het verschil is met deze gegevens niet te berekenen"),
    STAGGERED_NOT_ESTIMABLE: gettext_lazy(
        "de gespreide vergelijking is met deze gegevens niet te berekenen"
    ),
    # stats.did's reason codes (stats.did_inference.NO_INTERVAL_REASONS) for "no valid interval"
    "no_estimate": gettext_lazy(
        "geen enkele groep regio's heeft vergelijkingsregio's en een periode vóór de start"
    ),
    "too_few_assignments": gettext_lazy(
        "met zo weinig regio's en startmomenten is geen betrouwbaar 95 %-interval te geven (bij "
        "voorbeeld één regio met en één zonder de interventie)"
    ),
    "unbounded": gettext_lazy(
        "de gegevens kunnen het effect niet onderscheiden van de manier waarop de startmomenten "
        "over de regio's vielen, dus is geen betrouwbaar 95 %-interval te geven"
    ),
}
REASON_OTHER = gettext_lazy(
    "met deze regio's en startmomenten is geen betrouwbaar 95 %-interval te geven"
)


def outcome_label(outcome: str, horizon_days: int) -> str:
    label = OUTCOME_LABELS.get(outcome, OUTCOME_LABELS[COMPLAINT_WITHIN])
    return str(label) % {"h": horizon_days}


def _reason(primary) -> str:
    if primary.reason == TOO_FEW:
        return _(
            "de groepen zijn nog te klein: %(n1)s casussen met en %(n0)s zonder de interventie, "
            "waarvan %(x1)s en %(x0)s met de uitkomst (nodig: ten minste 30 casussen en 5 met de "
            "uitkomst per groep)"
        ) % {
            "n1": _number(primary.n1, 0),
            "n0": _number(primary.n0, 0),
            "x1": _number(primary.x1, 0),
            "x0": _number(primary.x0, 0),
        }
    return str(REASONS.get(primary.reason, REASON_OTHER))


def _needed(primary) -> str:
    """'; ... X tot Y casussen per groep nodig ...' when the planning says more are needed."""
    plan = primary.planning
    if plan is None or plan.settled:
        return ""
    if primary.reason == TOO_FEW:  # the counts are in the reason already
        return _(
            "; om een verschil van %(mid)s procentpunt te kunnen aantonen zijn naar verwachting "
            "%(low)s tot %(high)s casussen per groep nodig"
        ) % {"mid": _mid(primary.mid), "low": _number(plan.low, 0), "high": _number(plan.high, 0)}
    return _(
        "; om een verschil van %(mid)s procentpunt te kunnen aantonen zijn naar verwachting "
        "%(low)s tot %(high)s casussen per groep nodig (nu %(n1)s en %(n0)s)"
    ) % {
        "mid": _mid(primary.mid),
        "low": _number(plan.low, 0),
        "high": _number(plan.high, 0),
        "n1": _number(plan.n1, 0),
        "n0": _number(plan.n0, 0),
    }


def primary_sentence(primary) -> str:
    """The verdict of the primary analysis as one Dutch sentence."""
    if primary is None:
        return _("Nog geen uitspraak mogelijk, want er is geen primaire analyse vastgelegd.")
    h = {"h": primary.horizon_days}
    who = str(WHO.get(primary.outcome, WHO[COMPLAINT_WITHIN])) % h
    share = str(SHARE.get(primary.outcome, SHARE[COMPLAINT_WITHIN])) % h
    values = {"who": who, "share": share, "mid": _mid(primary.mid)}
    interval = primary.interval
    if interval is not None:
        values |= {
            "low": _points(interval.low),
            "high": _points(interval.high),
            "slow": _signed(interval.low),
            "shigh": _signed(interval.high),
        }
    v = primary.verdict
    if v == Verdict.NOT_YET_POSSIBLE or interval is None:
        return _("Nog geen uitspraak mogelijk, want %(reason)s%(needed)s.") % {
            "reason": _reason(primary),
            "needed": _needed(primary),
        }
    if v == Verdict.POSITIVE:
        return (
            _("Waarschijnlijk een positief effect: %(low)s tot %(high)s procentpunt meer %(who)s.")
            % values
        )
    if v == Verdict.POSITIVE_SMALL:
        return (
            _(
                "Waarschijnlijk een klein positief effect: %(low)s tot %(high)s procentpunt meer "
                "%(who)s, minder dan het kleinste relevante verschil van %(mid)s procentpunt."
            )
            % values
        )
    if v == Verdict.NO_IMPORTANT_EFFECT:
        return (
            _(
                "Waarschijnlijk geen belangrijk effect: het verschil in %(share)s ligt tussen "
                "%(slow)s en %(shigh)s procentpunt, binnen het kleinste relevante verschil van "
                "%(mid)s procentpunt naar beide kanten."
            )
            % values
        )
    if v == Verdict.NO_IMPORTANT_BENEFIT:
        return (
            _(
                "Waarschijnlijk geen belangrijk positief effect: hoogstens %(high)s procentpunt "
                "meer %(who)s (het kleinste relevante verschil is %(mid)s procentpunt), en een "
                "nadelig effect tot %(low)s procentpunt minder is niet uitgesloten."
            )
            % values
        )
    if v == Verdict.INCONCLUSIVE:
        return _(
            "Nog geen conclusie: het verschil in %(share)s ligt tussen %(slow)s en %(shigh)s "
            "procentpunt, dus zowel geen effect als een effect van %(mid)s procentpunt (het "
            "kleinste relevante verschil) past bij de gegevens%(needed)s."
        ) % (values | {"needed": _needed(primary)})
    if v == Verdict.NEGATIVE_SMALL:
        return (
            _(
                "Waarschijnlijk een klein nadelig effect: %(high)s tot %(low)s procentpunt minder "
                "%(who)s, minder dan het kleinste relevante verschil van %(mid)s procentpunt."
            )
            % values
        )
    return (
        _("Waarschijnlijk een nadelig effect: %(high)s tot %(low)s procentpunt minder %(who)s.")
        % values
    )


def primary_design_sentence(primary) -> str:
    """What the primary analysis compares, as fixed in the pilot design."""
    return _(
        "Primaire analyse, vooraf vastgelegd in het ontwerp van de pilot: %(comparison)s; "
        "uitkomst: %(outcome)s; kleinste relevante verschil: %(mid)s procentpunt."
    ) % {
        "comparison": COMPARISON_LABELS.get(primary.comparison, primary.comparison),
        "outcome": outcome_label(primary.outcome, primary.horizon_days),
        "mid": _mid(primary.mid),
    }


def _share(x: int, n: int) -> str:
    return _number(100 * x / n) + " %" if n else "–"


def primary_numbers_sentence(primary) -> str | None:
    """The numbers behind the verdict: the two groups and the difference with its interval."""
    interval = primary.interval
    if interval is not None:
        difference = _("%(est)s procentpunt (95 %%-BI %(low)s tot %(high)s)") % {
            "est": _signed(interval.estimate if primary.estimate is None else primary.estimate),
            "low": _signed(interval.low),
            "high": _signed(interval.high),
        }
    elif primary.estimate is not None:
        difference = _("%(est)s procentpunt, zonder betrouwbaar interval") % {
            "est": _signed(primary.estimate)
        }
    else:
        difference = None
    if primary.comparison != ITT_CONCURRENT:
        if difference is None:
            return None
        return _("Geschat effect in de regio's met de interventie: %(d)s.") % {"d": difference}
    if not (primary.n1 and primary.n0):
        return None
    groups = _(
        "Met de interventie %(x1)s van %(n1)s (%(p1)s), zonder %(x0)s van %(n0)s (%(p0)s)"
    ) % {
        "x1": _number(primary.x1, 0),
        "n1": _number(primary.n1, 0),
        "p1": _share(primary.x1, primary.n1),
        "x0": _number(primary.x0, 0),
        "n0": _number(primary.n0, 0),
        "p0": _share(primary.x0, primary.n0),
    }
    if difference is None:
        return groups + "."
    return _("%(groups)s; verschil %(d)s.") % {"groups": groups, "d": difference}


def primary_block(primary) -> dict:
    """Everything the page and the report show of the primary analysis."""
    if primary is None:
        return {"sentence": primary_sentence(None), "details": [], "verdict": "", "label": ""}
    details = [primary_design_sentence(primary)]
    numbers = primary_numbers_sentence(primary)
    if numbers:
        details.append(numbers)
    return {
        "sentence": primary_sentence(primary),
        "details": details,
        "verdict": str(primary.verdict),
        "label": str(VERDICT_LABELS.get(primary.verdict, "")),
        "outcome": outcome_label(primary.outcome, primary.horizon_days),
    }
