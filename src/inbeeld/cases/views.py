"""Case views: thin. Forms validate, selectors read (with the policy), services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_query_params, audit_record
from inbeeld.cases import selectors, services
from inbeeld.cases.forms import (
    BreakGlassForm,
    CaseFilterForm,
    CaseForm,
    ConsentForm,
    EventForm,
    LinkageKeyForm,
    WithdrawalForm,
)
from inbeeld.cases.summary import case_lead_times
from inbeeld.cases.workflow import allowed_event_codes
from inbeeld.reference.models import PoliceUnit
from inbeeld.web import (
    ConcurrentChange,
    KeysFirstPaginator,
    TransitionNotAllowed,
    apply_service_errors,
)


def _require(user, action: policy.Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied(_("U heeft geen toegang tot deze functie."))


@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.CASE_LIST)
    filter_form = CaseFilterForm(request.GET or None, user=request.user)
    filters = filter_form.filters() if request.GET else CaseFilterForm().filters()
    cases = selectors.case_list(request.user, filters)
    page = KeysFirstPaginator(cases, 25).get_page(request.GET.get("pagina"))
    audit_record(
        actor=request.user,
        action=AuditAction.CASE_LIST_READ,
        subject_type="case_list",
        extra={
            "filters": audit_query_params(request.GET, CaseFilterForm.base_fields),
            "page": page.number,
            "shown": [c.code for c in page.object_list],
        },
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "can_create": policy.can(request.user, policy.Action.CASE_CREATE),
            "saved_filters": selectors.saved_filters_for(request.user),
        },
    )


def _creatable_units(user):
    units = [
        m.police_unit_id
        for m in policy.memberships_for(user, policy.Action.CASE_CREATE)
        if m.police_unit_id
    ]
    return PoliceUnit.objects.filter(pk__in=units)


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    _require(request.user, policy.Action.CASE_CREATE)
    units = _creatable_units(request.user)
    form = CaseForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_register(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Casus %(code)s is geregistreerd.") % {"code": case.code})
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/case_form.html", {"form": form})


def _case_view_context(user, case) -> dict:
    """What the case page and its printable summary both show, as this user may see it."""
    reads_notes = policy.can(user, policy.Action.NOTE_READ, case)
    return {
        "case": case,
        "timeline": selectors.case_timeline(user, case),
        "show_people": reads_notes,
        "pseudonymised": not reads_notes,
        "break_glass": case.break_glass_grant,
    }


@require_http_methods(["GET"])
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, code)
    recordable_codes = policy.recordable_event_codes(request.user, case)
    can_record = bool(recordable_codes)
    return render(
        request,
        "cases/case_detail.html",
        {
            **_case_view_context(request.user, case),
            "can_record": can_record,
            "can_correct": can_record
            and policy.can(request.user, policy.Action.EVENT_CORRECT, case),
            # Correct and withdraw are offered on the events this user may record.
            "recordable_codes": recordable_codes,
            "privacy": selectors.case_privacy_summary(request.user, case),
            "can_link": policy.can(request.user, policy.Action.LINKAGE_ADD, case),
            "can_consent": policy.can(request.user, policy.Action.CONSENT_RECORD, case),
        },
    )


@require_http_methods(["GET"])
def case_summary(request: HttpRequest, code: str) -> HttpResponse:
    """The printable summary of a case for a case meeting: the case page's facts, owner,
    effective timeline (without notes), deliveries and the case's lead times."""
    case = selectors.case_summary_get_for(request.user, code)
    context = _case_view_context(request.user, case)
    context["lead_times"] = case_lead_times(context["timeline"], today=timezone.localdate())
    return render(request, "cases/case_summary.html", context)


def _event_form(request, case, *, initial=None, workflow_filter=True):
    codes = policy.recordable_event_codes(request.user, case)
    if workflow_filter:
        # Offer what the workflow allows now; a posted code outside that set still reaches the
        # service, which answers with the workflow's Dutch message (or a version conflict).
        codes &= allowed_event_codes(case.status) | {request.POST.get("event_type", "")}
    allow_note = policy.note_family_for_writer(request.user, case) is not None
    return EventForm(
        request.POST or None,
        event_codes=codes,
        allow_note=allow_note,
        initial={"version": case.version, **(initial or {})},
    )


@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, code, action=policy.Action.EVENT_RECORD)
    if not policy.recordable_event_codes(request.user, case):
        raise PermissionDenied(_("U mag bij deze casus geen gebeurtenissen vastleggen."))
    form = _event_form(request, case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.event_record(
                actor=request.user,
                case=case,
                event_type=data["event_type"],
                event_date=data["event_date"],
                outcome=data.get("outcome") or "",
                date_precision=data["date_precision"],
                note=data.get("note") or "",
                expected_version=data["version"],
            )
        except (
            ValidationError,
            PermissionDenied,
            TransitionNotAllowed,
            ConcurrentChange,
        ) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("'%(event)s' is vastgelegd.") % {"event": data["event_type"].label}
            )
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/event_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def event_correct(request: HttpRequest, code: str, event_id: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, code, action=policy.Action.EVENT_CORRECT)
    original = selectors.event_get_for(request.user, case, event_id)
    initial = {
        "event_type": original.event_type.code,
        "outcome": original.outcome,
        "event_date": original.event_date,
        "date_precision": original.date_precision,
    }
    form = _event_form(request, case, initial=initial, workflow_filter=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.event_correct(
                actor=request.user,
                event=original,
                event_type=data["event_type"],
                event_date=data["event_date"],
                outcome=data.get("outcome") or "",
                date_precision=data["date_precision"],
                note=data.get("note") or "",
                expected_version=data["version"],
            )
        except (
            ValidationError,
            PermissionDenied,
            TransitionNotAllowed,
            ConcurrentChange,
        ) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("De correctie is vastgelegd; het origineel blijft zichtbaar.")
            )
            return redirect("cases:detail", code=case.code)
    return render(
        request,
        "cases/event_form.html",
        {"case": case, "form": form, "original": original},
    )


@require_http_methods(["GET", "POST"])
def event_withdraw(request: HttpRequest, code: str, event_id: int) -> HttpResponse:
    """Withdraw an event entered by mistake (with a reason); it stays visible, struck through."""
    case = selectors.case_get_for(request.user, code, action=policy.Action.EVENT_CORRECT)
    event = selectors.event_get_for(request.user, case, event_id)
    form = WithdrawalForm(
        request.POST if request.method == "POST" else None, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_withdraw(
                actor=request.user,
                event=event,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except (
            ValidationError,
            PermissionDenied,
            TransitionNotAllowed,
            ConcurrentChange,
        ) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("'%(event)s' is ingetrokken; de gebeurtenis blijft doorgestreept zichtbaar.")
                % {"event": event.event_type.label},
            )
            return redirect("cases:detail", code=case.code)
    return render(
        request, "cases/event_withdraw.html", {"case": case, "form": form, "event": event}
    )


@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    """Open a case outside one's scope, for a stated reason, for a limited time."""
    _require(request.user, policy.Action.BREAK_GLASS)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case, grant = services.break_glass_open(
                actor=request.user,
                code=form.cleaned_data["code"],
                reason=form.cleaned_data["reason"],
            )
        except services.CaseNotFound as exc:
            form.add_error("code", str(exc.message))
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            if grant is None:
                messages.info(
                    request, _("Deze casus valt binnen uw werkgebied; noodtoegang is niet nodig.")
                )
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/break_glass.html", {"form": form})


@require_http_methods(["GET", "POST"])
def linkage_add(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, code, action=policy.Action.LINKAGE_ADD)
    form = LinkageKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.linkage_key_add(actor=request.user, case=case, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("De koppelsleutel is vastgelegd; het kenmerk zelf is niet bewaard.")
            )
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/linkage_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, code, action=policy.Action.CONSENT_RECORD)
    form = ConsentForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                actor=request.user,
                case=case,
                kind=data["kind"],
                scope=data["scope"],
                date=data["date"],
                expected_version=data["version"],
            )
        except (ValidationError, PermissionDenied, ConcurrentChange) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("De toestemming voor onderzoek is vastgelegd."))
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/consent_form.html", {"case": case, "form": form})
