"""Suspect pages (issue 17): thin. Forms validate, selectors read (with the policy), services
write and audit. The case comes from cases.selectors.case_get_for with the page's action, so a
case out of scope (or a role without the action) answers 404 and is logged, as for cases."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.cases.selectors import case_get_for
from inbeeld.suspects import modus_operandi, selectors, services
from inbeeld.suspects.forms import (
    LinkCorrectForm,
    LinkForm,
    ModusOperandiForm,
    NonPunishmentForm,
    ProceedingForm,
    SafetyFactForm,
    WithdrawalForm,
)
from inbeeld.suspects.models import STORY_TOLD
from inbeeld.web import apply_service_errors

A = policy.Action
ERRORS = (ValidationError, PermissionDenied)


def _case_page(case) -> str:
    return reverse("cases:detail", args=[case.code]) + "#verdachten"


@require_http_methods(["GET", "POST"])
def link_create(request: HttpRequest, code: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": request.user,
            "case": case,
            "role": data["role"],
            "relationship": data["relationship"],
            "note": data["note"],
        }
        try:
            if data["suspect_code"].strip():
                suspect = selectors.suspect_for_linking(request.user, case, data["suspect_code"])
                if suspect is None:
                    raise ValidationError(
                        {
                            "suspect_code": _(
                                "Er is geen verdachte met deze code in een casus die u kunt zien."
                            )
                        }
                    )
                link = services.suspect_link(suspect=suspect, **common)
            else:
                link = services.suspect_register(
                    age_band=data["age_band"] or "unknown",
                    gender=data["gender"] or "unknown",
                    identifier_type=data["identifier_type"],
                    identifier=data["identifier"],
                    **common,
                )
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Verdachte %(suspect)s is aan de casus gekoppeld.")
                % {"suspect": link.suspect.code},
            )
            return redirect(_case_page(case))
    return render(request, "suspects/link_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def link_correct(request: HttpRequest, code: str, link_id: int) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    link = selectors.link_get_for(request.user, case, link_id)
    form = LinkCorrectForm(
        request.POST or None, initial={"role": link.role, "relationship": link.relationship}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.suspect_link_correct(actor=request.user, link=link, **form.cleaned_data)
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De koppeling is gecorrigeerd."))
            return redirect(_case_page(case))
    return render(request, "suspects/link_correct.html", {"case": case, "link": link, "form": form})


@require_http_methods(["GET", "POST"])
def link_withdraw(request: HttpRequest, code: str, link_id: int) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    link = selectors.link_get_for(request.user, case, link_id)
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suspect_link_withdraw(
                actor=request.user, link=link, reason=form.cleaned_data["reason"]
            )
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De koppeling is ingetrokken."))
            return redirect(_case_page(case))
    return render(
        request,
        "suspects/withdraw.html",
        {
            "case": case,
            "form": form,
            "title": _("Koppeling van verdachte %(suspect)s intrekken")
            % {"suspect": link.suspect.code},
            "back": _case_page(case),
        },
    )


@require_http_methods(["GET"])
def suspect_detail(request: HttpRequest, code: str, suspect: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.SUSPECT_VIEW)
    found = selectors.suspect_get_for(request.user, case, suspect)
    rows = selectors.case_suspects(request.user, case) or []
    row = next(r for r in rows if r.suspect.pk == found.pk)
    can_record = policy.can(request.user, A.PROCEEDING_RECORD, case)
    return render(
        request,
        "suspects/suspect_detail.html",
        {
            "case": case,
            "suspect": found,
            "row": row,
            "proceedings": selectors.suspect_proceedings(request.user, case, found),
            "lead_times": selectors.suspect_lead_times(case, found),
            "can_record": can_record
            and row.link.effective
            and bool(selectors.proceeding_kinds_allowed(case, found)),
            "can_change": can_record,
            "pseudonymised": not policy.can(request.user, A.NOTE_READ, case),
        },
    )


def _proceeding_page(request, case, found, *, entry=None) -> HttpResponse:
    kinds = selectors.proceeding_kinds_allowed(case, found) if entry is None else None
    initial = {}
    if entry is not None:
        initial = {
            f: getattr(entry, f)
            for f in (
                "kind",
                "date",
                "decision",
                "ground",
                "verdict",
                "sentence_type",
                "unconditional_months",
                "conditional_months",
                "community_service_hours",
                "measures",
            )
        }
    form = ProceedingForm(request.POST or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if entry is None:
                services.proceeding_record(actor=request.user, case=case, suspect=found, **data)
            else:
                services.proceeding_correct(actor=request.user, entry=entry, **data)
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("De vervolging van %(s)s is bijgewerkt.") % {"s": found.code}
            )
            return redirect("suspects:detail", code=case.code, suspect=found.code)
    return render(
        request,
        "suspects/proceeding_form.html",
        {"case": case, "suspect": found, "form": form, "entry": entry, "nothing": kinds == set()},
    )


@require_http_methods(["GET", "POST"])
def proceeding_create(request: HttpRequest, code: str, suspect: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.PROCEEDING_RECORD)
    found = selectors.suspect_get_for(request.user, case, suspect)
    return _proceeding_page(request, case, found)


@require_http_methods(["GET", "POST"])
def proceeding_correct(request: HttpRequest, code: str, suspect: str, step_id: int) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.PROCEEDING_RECORD)
    found = selectors.suspect_get_for(request.user, case, suspect)
    entry = selectors.proceeding_get_for(request.user, case, found, step_id)
    return _proceeding_page(request, case, found, entry=entry)


@require_http_methods(["GET", "POST"])
def proceeding_withdraw(
    request: HttpRequest, code: str, suspect: str, step_id: int
) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.PROCEEDING_RECORD)
    found = selectors.suspect_get_for(request.user, case, suspect)
    entry = selectors.proceeding_get_for(request.user, case, found, step_id)
    back = reverse("suspects:detail", args=[case.code, found.code])
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proceeding_withdraw(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De stap is ingetrokken."))
            return redirect(back)
    return render(
        request,
        "suspects/withdraw.html",
        {
            "case": case,
            "form": form,
            "title": _("%(step)s van %(date)s intrekken")
            % {"step": entry.get_kind_display(), "date": entry.date.strftime("%d-%m-%Y")},
            "back": back,
        },
    )


@require_http_methods(["GET", "POST"])
def non_punishment_create(request: HttpRequest, code: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.NON_PUNISHMENT_RECORD)
    form = NonPunishmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.non_punishment_record(actor=request.user, case=case, **form.cleaned_data)
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De non-punishmentgegevens zijn vastgelegd."))
            return redirect(reverse("cases:detail", args=[case.code]) + "#non-punishment")
    return render(request, "suspects/non_punishment_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def modus_operandi_create(request: HttpRequest, code: str) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    # The newest record is the current one, so a correction is a new record: the form starts
    # from the current values (ADR 0023 decision 13).
    current = selectors.case_modus_operandi(request.user, case)
    form = ModusOperandiForm(request.POST or None, initial=_mo_initial(current))
    if request.method == "POST" and form.is_valid():
        try:
            modus_operandi.modus_operandi_record(actor=request.user, case=case, **form.cleaned_data)
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De modus operandi is vastgelegd."))
            return redirect(reverse("cases:detail", args=[case.code]) + "#modus-operandi")
    return render(
        request,
        "suspects/modus_operandi_form.html",
        {"case": case, "form": form, "current": current},
    )


def _mo_initial(record) -> dict:
    if record is None:
        return {}
    initial = {
        name: getattr(getattr(record, name), "code", "")
        for name in ("location", "criminal_subform", "recruitment_channel", "platform_category")
    }
    for name in ("advertisement_found", "platform_notified", "taken_down"):
        initial[name] = {True: "ja", False: "nee"}.get(getattr(record, name), "")
    return initial


def _safety_page(case) -> str:
    return reverse("cases:detail", args=[case.code]) + "#veiligheid"


@require_http_methods(["GET", "POST"])
def safety_fact_create(request: HttpRequest, code: str) -> HttpResponse:
    """Record one safety fact or one telling of the story (the same roles as the modus operandi:
    the service asks SUSPECT_LINK). A mistake is corrected or withdrawn on the pages below."""
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    form = SafetyFactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            modus_operandi.safety_fact_record(actor=request.user, case=case, **form.cleaned_data)
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Het veiligheidsfeit is vastgelegd."))
            return redirect(_safety_page(case))
    return render(request, "suspects/safety_fact_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def safety_fact_correct(request: HttpRequest, code: str, fact_id: int) -> HttpResponse:
    """Correct a fact (what happened, its date): a new fact supersedes it."""
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    fact = selectors.safety_fact_get_for(request.user, case, fact_id)
    form = SafetyFactForm(request.POST or None, initial={"kind": fact.kind, "date": fact.date})
    if request.method == "POST" and form.is_valid():
        try:
            modus_operandi.safety_fact_correct(actor=request.user, fact=fact, **form.cleaned_data)
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Het veiligheidsfeit is gecorrigeerd."))
            return redirect(_safety_page(case))
    return render(
        request, "suspects/safety_fact_form.html", {"case": case, "form": form, "fact": fact}
    )


@require_http_methods(["GET", "POST"])
def safety_fact_withdraw(request: HttpRequest, code: str, fact_id: int) -> HttpResponse:
    """Withdraw a fact recorded by mistake, with a reason from the fixed list (ADR 0015)."""
    case = case_get_for(request.user, code, action=A.SUSPECT_LINK)
    fact = selectors.safety_fact_get_for(request.user, case, fact_id)
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            modus_operandi.safety_fact_withdraw(
                actor=request.user, fact=fact, reason=form.cleaned_data["reason"]
            )
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Het veiligheidsfeit is ingetrokken."))
            return redirect(_safety_page(case))
    return render(
        request,
        "suspects/withdraw.html",
        {
            "case": case,
            "form": form,
            "title": _("Veiligheidsfeit van %(date)s intrekken")
            % {"date": date_format(fact.date, "j F Y")},
            "subject": fact.get_kind_display(),
            "consequence": _(
                "Een ingetrokken keer dat het slachtoffer het verhaal vertelde, telt ook niet "
                "meer mee in het aantal keren."
            )
            if fact.kind in STORY_TOLD
            else "",
            "back": _safety_page(case),
        },
    )


@require_http_methods(["GET", "POST"])
def non_punishment_withdraw(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    case = case_get_for(request.user, code, action=A.NON_PUNISHMENT_RECORD)
    entry = selectors.non_punishment_get_for(request.user, case, entry_id)
    back = reverse("cases:detail", args=[case.code]) + "#non-punishment"
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.non_punishment_withdraw(
                actor=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Ingetrokken."))
            return redirect(back)
    return render(
        request,
        "suspects/withdraw.html",
        {
            "case": case,
            "form": form,
            "title": _("%(step)s van %(date)s intrekken")
            % {"step": entry.get_step_display(), "date": entry.date.strftime("%d-%m-%Y")},
            "back": back,
        },
    )
