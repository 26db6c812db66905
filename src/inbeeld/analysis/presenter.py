"""Plain Dutch sentences for the evaluation's numbers: one sentence per number, for a reader who
is not a statistician. Formatting only; every number comes from the frozen stats results."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.analysis import presenter_primary
from inbeeld.stats.outcomes import STAGES
from inbeeld.stats.primary import COOPERATION_WITHIN, RETAINED_AFTER_COMPLAINT

STAGE_LABELS = {
    "contact_complaint": gettext_lazy("eerste politiecontact → aangifte"),
    "complaint_prosecution": gettext_lazy("aangifte → beslissing OM"),
    "prosecution_trial": gettext_lazy("beslissing OM → zitting"),
    "trial_verdict": gettext_lazy("zitting → uitspraak"),
    "contact_verdict": gettext_lazy("eerste politiecontact → uitspraak (totaal)"),
}


def number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{number(100 * value, digits)} %"


def pp(value: float | None) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number(abs(100 * value))} procentpunt"


def interval_pct(interval) -> str:
    if interval is None:
        return "–"
    return _("%(est)s (95 %%-BI %(low)s tot %(high)s)") % {
        "est": pct(interval.estimate),
        "low": pct(interval.low),
        "high": pct(interval.high),
    }


def interval_pp(interval) -> str:
    if interval is None:
        return "–"
    return _("%(est)s (95 %%-BI %(low)s tot %(high)s)") % {
        "est": pp(interval.estimate),
        "low": pp(interval.low),
        "high": pp(interval.high),
    }


def _finite_number(value: float) -> str:
    if value == float("inf"):
        return "∞"
    if value != value:  # NaN: not estimable (e.g. no events in either group)
        return "–"
    return number(value, 2)


def interval_pp_short(interval) -> str:
    """Compact, for narrow tables: "+9,1 pp (−7,9 tot +24,3)"."""
    if interval is None:
        return "–"

    def short(value: float) -> str:
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return f"{sign}{number(abs(100 * value))}"

    return f"{short(interval.estimate)} pp ({short(interval.low)} tot {short(interval.high)})"


def ratio(interval) -> str:
    if interval is None or interval.estimate != interval.estimate:
        return "–"
    return _("%(est)s (95 %%-BI %(low)s tot %(high)s)") % {
        "est": _finite_number(interval.estimate),
        "low": _finite_number(interval.low),
        "high": _finite_number(interval.high),
    }


def p_value(p: float | None) -> str:
    """The p-value as it is read: "p < 0,001" or "p = 0,042" ("p = –" when unknown); never the
    clumsy "p = < 0,001"."""
    if p is None:
        return "p = –"
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"


def days(value: float | None) -> str:
    return _("nog niet bereikt") if value is None else _("%(d)s dagen") % {"d": number(value, 0)}


def overall_sentences(result) -> list[str]:
    sentences = [
        _(
            "De evaluatie gebruikt %(n)s casussen (alleen met toestemming voor onderzoek); de "
            "gegevens lopen tot %(cutoff)s."
        )
        % {"n": number(result.n_cases, 0), "cutoff": result.cutoff.strftime("%d-%m-%Y")},
    ]
    if result.complaint_within is not None:
        sentences.append(
            _(
                "Van de %(n)s casussen die %(h)s dagen gevolgd konden worden, deed %(share)s "
                "binnen %(h)s dagen na de indexdatum aangifte."
            )
            % {
                "n": number(result.n_complete_followup, 0),
                "h": result.horizon_days,
                "share": interval_pct(result.complaint_within),
            }
        )
    if result.cooperation_within is not None:
        sentences.append(
            _(
                "Werkte op een andere manier mee (aangifte, melding of verklaring, of een verhoor "
                "bij de rechter-commissaris): %(share)s."
            )
            % {"share": interval_pct(result.cooperation_within)}
        )
    if result.dropout_after_complaint is not None:
        sentences.append(
            _("Van wie aangifte deed, trok %(share)s zich later terug uit het strafproces.")
            % {"share": interval_pct(result.dropout_after_complaint)}
        )
    return sentences


def overview_row(item, horizon: int | None = None) -> dict:
    """One intervention in the overview: its primary analysis first (``primary``: the sentence
    and the verdict), then the sensitivity analyses at the horizon asked for, on the
    intervention's own outcome (an intervention acting after the complaint is compared on staying
    in the process, never on the complaint)."""
    itt, delivered = item.itt, item.delivered
    precision = itt.precision
    h = horizon if horizon is not None else getattr(item.survival_itt, "horizon_days", 180)
    return {
        "code": item.spec.code,
        "label": item.spec.label,
        "primary": presenter_primary.primary_block(getattr(item, "primary", None)),
        "outcome": presenter_primary.outcome_label(itt.outcome, h),
        "window": (item.window_start, item.window_end),
        "itt_n": f"{number(itt.n1, 0)} / {number(itt.n0, 0)}",
        "itt_p1": pct(itt.p1.estimate if itt.p1 else None),
        "itt_p0": pct(itt.p0.estimate if itt.p0 else None),
        "itt_rd": interval_pp(itt.risk_difference),
        "delivered_rd": interval_pp(delivered.risk_difference),
        "itt_rd_short": interval_pp_short(itt.risk_difference),
        "delivered_rd_short": interval_pp_short(delivered.risk_difference),
        "delivered_n": f"{number(delivered.n1, 0)} / {number(delivered.n0, 0)}",
        "posterior": pct(itt.posterior_positive, 0) if itt.posterior_positive is not None else "–",
        "indicative": itt.indicative,
        "still_needed": _needed_range(itt.planning) if itt.planning else _needed(precision),
    }


def _needed_range(planning) -> str:
    """Cases per group for the pilot's MID with 80 % assurance, as a range (stats.assurance)."""
    if planning.settled:
        return _("bereikt")
    return f"{number(planning.low, 0)}–{number(planning.high, 0)}"


def _needed(precision) -> str:
    if precision is None:
        return "–"
    extra = getattr(precision, "additional_cases", None)
    if extra is None:
        return "–"
    return _("bereikt") if extra == 0 else number(extra, 0)


# Per outcome: what the cases with the outcome did (for counts) and the outcome as a noun.
OUTCOME_DID = {
    "complaint_within": gettext_lazy("deden binnen %(h)s dagen aangifte"),
    COOPERATION_WITHIN: gettext_lazy("werkten binnen %(h)s dagen mee"),
    RETAINED_AFTER_COMPLAINT: gettext_lazy(
        "bleven in de %(h)s dagen na hun aangifte in het strafproces"
    ),
}
OUTCOME_NOUN = {
    "complaint_within": gettext_lazy("aangifte"),
    COOPERATION_WITHIN: gettext_lazy("medewerking"),
    RETAINED_AFTER_COMPLAINT: gettext_lazy("in het strafproces blijven na de aangifte"),
}


def _comparison_sentences(comparison, *, exposed: str, unexposed: str, horizon: int) -> list[str]:
    c = comparison
    if not (c.n1 and c.n0):
        return [_("Er zijn (nog) geen twee groepen om te vergelijken.")]
    did = str(OUTCOME_DID.get(c.outcome, OUTCOME_DID["complaint_within"])) % {"h": horizon}
    noun = str(OUTCOME_NOUN.get(c.outcome, OUTCOME_NOUN["complaint_within"]))
    out = [
        _("%(exposed)s: %(x1)s van %(n1)s casussen %(did)s, %(p1)s.")
        % {
            "did": did,
            "exposed": exposed,
            "x1": number(c.x1, 0),
            "n1": number(c.n1, 0),
            "h": horizon,
            "p1": interval_pct(c.p1),
        },
        _("%(unexposed)s: %(x0)s van %(n0)s, %(p0)s.")
        % {
            "unexposed": unexposed,
            "x0": number(c.x0, 0),
            "n0": number(c.n0, 0),
            "p0": interval_pct(c.p0),
        },
    ]
    if c.risk_difference is not None:
        out.append(
            _(
                "Het verschil is %(rd)s: zo veel procentpunt meer (of minder) slachtoffers met "
                "de uitkomst (%(noun)s) met de interventie; het interval geeft aan tussen welke "
                "waarden het werkelijke verschil waarschijnlijk ligt."
            )
            % {"rd": interval_pp(c.risk_difference), "noun": noun}
        )
    if c.risk_ratio is not None:
        out.append(
            _("De kans op %(noun)s is %(rr)s keer zo groot (relatief risico).")
            % {"rr": ratio(c.risk_ratio), "noun": noun}
        )
    if c.fisher is not None:
        out.append(
            _(
                "Fishers exacte toets: %(p)s. Dat is de kans op een verschil van minstens deze "
                "omvang als de interventie in werkelijkheid niets uitmaakt."
            )
            % {"p": p_value(c.fisher.p_value)}
        )
    if c.adjusted_odds_ratio is not None:
        out.append(
            _(
                "Rekening houdend met uitbuitingsvorm, minderjarigheid en eenheid (logistische "
                "regressie met Firth-correctie, geschikt voor kleine aantallen; interval uit de "
                "profiel-likelihood) is de oddsverhouding "
                "%(or)s; boven 1 betekent vaker %(noun)s met de interventie."
            )
            % {"or": ratio(c.adjusted_odds_ratio), "noun": noun}
        )
    if c.posterior_positive is not None:
        out.append(
            _(
                "De kans dat de interventie %(noun)s vaker maakt, gegeven deze gegevens "
                "(Bayesiaans, zonder voorkennis): %(p)s."
            )
            % {"p": pct(c.posterior_positive, 0), "noun": noun}
        )
    if c.indicative:
        out.append(
            _(
                "Indicatief: de groepen zijn klein (minder dan 30 casussen of minder dan 5 "
                "casussen met de uitkomst in een groep); trek hier nog geen conclusies uit."
            )
        )
    return out


def _precision_sentences(comparison, target) -> list[str]:
    p = comparison.precision
    if p is None:
        return []
    out = []
    width = p.interval_width
    if width is not None:
        out.append(
            _("Het 95 %%-interval van het verschil is nu %(w)s procentpunt breed.")
            % {"w": number(100 * width)}
        )
    extra = p.additional_cases
    difference = p.p1 - p.p0
    if comparison.planning is not None:
        out.append(_planning_sentence(comparison.planning))
    elif extra is not None:
        if extra == 0:
            out.append(
                _(
                    "Er zijn genoeg casussen om een verschil van %(d)s met 80 %% zekerheid te "
                    "vinden."
                )
                % {"d": pp(difference)}
            )
        else:
            out.append(
                _(
                    "Om een verschil van %(d)s met 80 %% onderscheidend vermogen aan te tonen zijn "
                    "nog ongeveer %(n)s casussen nodig%(target)s."
                )
                % {
                    "d": pp(difference),
                    "n": number(extra, 0),
                    "target": (
                        _(" (het doel van de huidige fase is %(t)s slachtoffers)") % {"t": target}
                        if target
                        else ""
                    ),
                }
            )
    return out


def _planning_sentence(plan) -> str:
    """Planned for the pilot's minimal important difference around the control group's rate with
    its uncertainty (stats.assurance), not for the observed difference."""
    values = {
        "d": number(100 * plan.mid, 0),
        "low": number(plan.low, 0),
        "high": number(plan.high, 0),
        "n": number(plan.n_per_group, 0),
        "n1": number(plan.n1, 0),
        "n0": number(plan.n0, 0),
    }
    if plan.settled:
        return (
            _(
                "Er zijn genoeg casussen om een verschil van %(d)s procentpunten met 80 %% "
                "zekerheid te kunnen aantonen (%(n)s per groep nodig; nu %(n1)s en %(n0)s)."
            )
            % values
        )
    return (
        _(
            "Om een verschil van %(d)s procentpunten met 80 %% zekerheid te kunnen aantonen zijn "
            "naar verwachting %(low)s tot %(high)s casussen per groep nodig (middenwaarde "
            "%(n)s); nu %(n1)s en %(n0)s. Dat verschil is het doel van de pilot; de onzekerheid "
            "zit in het aandeel aangiften zonder de interventie."
        )
        % values
    )


def _half(median: float | None, group: str) -> str:
    if median is None:
        return _("%(group)s deed tot nu toe minder dan de helft aangifte") % {"group": group}
    return _("%(group)s deed de helft aangifte binnen %(d)s") % {"group": group, "d": days(median)}


def _survival_sentences(comparison, name: str, horizon: int) -> list[str]:
    """Time to complaint: the share with a complaint by the horizon (cumulative incidence with
    competing events) first; the log-rank test and Cox model are cause-specific and say so."""
    h = getattr(comparison, "horizon_days", horizon)
    if comparison.cif_exposed is None or comparison.cif_unexposed is None:
        share = _(
            "%(name)s: het aandeel met aangifte binnen %(h)s dagen is nog niet te schatten "
            "(niet lang genoeg gevolgd)."
        ) % {"name": name.capitalize(), "h": h}
    else:
        share = _(
            "%(name)s: aangifte binnen %(h)s dagen %(exposed)s met de interventie en "
            "%(unexposed)s zonder; verschil %(rd)s."
        ) % {
            "name": name.capitalize(),
            "h": h,
            "exposed": interval_pct(comparison.cif_exposed),
            "unexposed": interval_pct(comparison.cif_unexposed),
            "rd": interval_pp(comparison.cif_difference),
        }
    out = [
        share,
        _("%(exposed)s; %(unexposed)s.")
        % {
            "exposed": _half(comparison.median_exposed, _("Met de interventie")),
            "unexposed": _half(comparison.median_unexposed, _("zonder")),
        },
    ]
    if comparison.logrank is not None:
        out.append(
            _(
                "Log-ranktoets, oorzaakspecifiek (verschilt het tempo van aangifte onder wie nog "
                "in het proces is?): %(p)s."
            )
            % {"p": p_value(comparison.logrank.p_value)}
        )
    if comparison.hazard_ratio is not None:
        out.append(
            _(
                "Cox-regressie, oorzaakspecifiek: onder wie nog in het proces is, volgt aangifte "
                "%(hr)s keer zo snel (hazardratio; geen verhouding van aandelen)."
            )
            % {"hr": ratio(comparison.hazard_ratio)}
        )
    return out


def intervention_sections(item, horizon: int) -> list[dict]:
    """The sensitivity analyses of one intervention, each a section with a ``key`` (itt,
    delivered, survival, staggered) and a title; the page and the report put them under the
    heading "Gevoeligheidsanalyses", after the primary analysis (presenter_primary.primary_block). An intervention that
    acts after the complaint is compared on staying in the process after the complaint only: no
    time-to-complaint and no staggered comparison (both are about the complaint)."""
    after = item.spec.after_complaint
    itt_note = (
        [
            _(
                "Deze interventie grijpt pas na de aangifte aan (bijvoorbeeld bij het verhoor door "
                "de rechter-commissaris): alleen wie al aangifte deed kan haar krijgen. Zij wordt "
                "daarom nooit op aangifte beoordeeld, maar op in het strafproces blijven na de "
                "aangifte; de regio telt op de datum van de aangifte."
            )
        ]
        if after
        else []
    )
    sections = [
        {
            "key": "itt",
            "title": _("Naar toewijzing: regio's met en zonder de interventie"),
            "sentences": itt_note
            + _comparison_sentences(
                item.itt,
                exposed=_("In regio's waar de interventie liep"),
                unexposed=_("In de andere regio's in dezelfde periode"),
                horizon=horizon,
            )
            + _precision_sentences(item.itt, item.spec.phase_target),
        },
        {
            "key": "delivered",
            "title": _("Zoals uitgevoerd: bereikt of niet bereikt"),
            "sentences": _comparison_sentences(
                item.delivered,
                exposed=_("Slachtoffers die de interventie kregen"),
                unexposed=_("Slachtoffers in dezelfde regio's die haar niet kregen"),
                horizon=horizon,
            )
            + [
                _(
                    "Let op: wie de interventie krijgt kan verschillen van wie haar niet krijgt; "
                    "de vergelijking per regio (naar toewijzing) is daar niet gevoelig voor."
                )
            ],
        },
    ]
    if after:
        return sections
    survival = []
    for comparison, name in (
        (item.survival_itt, _("naar toewijzing")),
        (item.survival_delivered, _("zoals uitgevoerd")),
    ):
        if comparison is None or comparison.exposed is None:
            continue
        survival += _survival_sentences(comparison, name, horizon)
    if survival:
        survival.append(
            _(
                "Aandeel met aangifte in de tijd: cumulatieve incidentie; terugtrekken uit het "
                "proces en sluiten zonder aangifte tellen als concurrerende uitkomst (niet als "
                "'nog niet gevolgd'), zodat het aandeel niet wordt overschat."
            )
        )
    sections.append({"key": "survival", "title": _("Tijd tot aangifte"), "sentences": survival})
    sections.append(
        {
            "key": "staggered",
            "title": _("Gespreide invoering (verschil-in-verschillen)"),
            "sentences": _staggered_sentences(item),
        }
    )
    return sections


def _staggered_sentences(item) -> list[str]:
    """The staggered comparison: the group-time estimate with the few-cluster interval stats.did
    publishes (or the reason there is none), then the analytic interval and two-way fixed effects,
    each labelled as a sensitivity analysis, never as an equal alternative."""
    did = item.staggered
    if did is None:
        if not item.staggered_note:
            return []
        # The engine's notes are English (stats is pure); the page says it in Dutch.
        why = STAGGERED_NOTES.get(item.staggered_note, STAGGERED_NOTE_OTHER)
        return [_("Niet te schatten: %(why)s.") % {"why": why}]
    out = []
    label = _("Vergelijking per cohort (groep-tijd, Callaway–Sant'Anna)")
    cs = getattr(did, "cs", None)
    estimate = getattr(did, "cs_estimate", None)
    if cs is not None and cs.width > 0:
        out.append(_("%(label)s: %(rd)s.") % {"label": label, "rd": interval_pp(cs)})
        if cs.low <= -1 + 1e-9 and cs.high >= 1 - 1e-9:
            out.append(
                _(
                    "Dit interval beslaat het hele mogelijke bereik: met deze gegevens is over het "
                    "effect in deze vergelijking nog niets te zeggen."
                )
            )
        elif cs.low <= -1 + 1e-9 or cs.high >= 1 - 1e-9:
            out.append(
                _(
                    "Dit interval loopt tot de grens van wat mogelijk is: de gegevens begrenzen "
                    "het effect maar aan één kant."
                )
            )
    else:
        reason = getattr(did, "no_interval_reason", None)
        why = presenter_primary.REASONS.get(reason, presenter_primary.REASON_OTHER)
        out.append(
            _("%(label)s: %(est)s, zonder 95 %%-interval, want %(why)s.")
            % {"label": label, "est": pp(estimate), "why": why}
        )
    analytic = getattr(did, "cs_analytic", None)
    if analytic is not None:
        out.append(
            _(
                "Analytisch interval van dezelfde schatting (robuust voor samenhang binnen regio's): "
                "%(rd)s; bij weinig "
                "regio's is dit interval te smal, daarom alleen ter vergelijking."
            )
            % {"rd": interval_pp(analytic)}
        )
    twfe = getattr(did, "twfe", None)
    if twfe is not None:
        out.append(
            _(
                "Twee-weg vaste effecten: %(rd)s. Alleen ter vergelijking: deze schatting is "
                "vertekend als het effect na de start groeit, en is geen gelijkwaardig alternatief."
            )
            % {"rd": interval_pp(twfe)}
        )
    out.append(
        _(
            "Deze vergelijking gebruikt dat regio's op verschillende momenten begonnen: de "
            "verandering in regio's die startten, vergeleken met de verandering in regio's "
            "die (nog) niet startten, per halfjaar."
        )
    )
    return out


STAGGERED_NOTES = {
    "no deployments": gettext_lazy("de interventie heeft (nog) geen inzet per regio"),
    "after complaint": gettext_lazy(
        "de interventie grijpt pas na de aangifte aan; deze vergelijking gaat over aangifte"
    ),
    "no treated cases with complete follow-up": gettext_lazy(
        "er zijn (nog) geen casussen uit regio's met de interventie die lang genoeg gevolgd zijn"
    ),
}
STAGGERED_NOTE_OTHER = gettext_lazy("te weinig gegevens voor deze vergelijking")


STAGE_COLUMNS = [STAGE_LABELS[s.code] for s in STAGES]
