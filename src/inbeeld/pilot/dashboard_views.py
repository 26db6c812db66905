"""The researchers' pilot dashboard and deployment management. Thin: the reads are in
pilot.dashboard (they take the user and check the policy), the writes in pilot.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbeeld import policy
from inbeeld.jobs.views import results_pending
from inbeeld.pilot import dashboard, services
from inbeeld.pilot.dashboard_forms import DeploymentForm
from inbeeld.pilot.models import Deployment
from inbeeld.web import ConcurrentChange, apply_service_errors


@require_http_methods(["GET"])
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The dashboard as the worker stored it for the user's data scope (jobs.results)."""
    served = dashboard.stored_dashboard(request.user)
    if not served.ready:
        return results_pending(request, served, title=_("Proeftuin"), back_url=reverse("home"))
    return render(
        request,
        "pilot/dashboard.html",
        {
            "dash": served.value,
            "served": served,
            "can_manage": policy.can(request.user, policy.Action.PILOT_MANAGE),
        },
    )


@require_http_methods(["GET"])
def deployment_list(request: HttpRequest) -> HttpResponse:
    deployments = dashboard.deployment_list(request.user)
    return render(request, "pilot/deployment_list.html", {"deployments": deployments})


def _save(request: HttpRequest, form: DeploymentForm, deployment: Deployment) -> bool:
    """Save through the service; False with the service's messages on the form. A lost version
    race raises ConcurrentChange for the caller (nothing was stored)."""
    data = form.cleaned_data
    if not deployment.pk:
        deployment.intervention = data["intervention"]
        deployment.phase = data["phase"]
    try:
        services.deployment_save(
            actor=request.user,
            deployment=deployment,
            police_units=list(data["police_units"]),
            start=data["start"],
            end=data["end"],
            partners=data["partners"].strip(),
            regions_assumed=data["regions_assumed"],
            note=data["note"].strip(),
            expected_version=data.get("version") if deployment.pk else None,
        )
    except (ValidationError, PermissionDenied) as exc:
        apply_service_errors(form, exc)
        return False
    return True


@require_http_methods(["GET", "POST"])
def deployment_create(request: HttpRequest) -> HttpResponse:
    dashboard.require_manage(request.user)
    deployment = Deployment()
    form = DeploymentForm(request.POST or None, deployment=deployment)
    if request.method == "POST" and form.is_valid() and _save(request, form, deployment):
        messages.success(request, _("De nieuwe inzet is opgeslagen."))
        return redirect("pilot:deployment_list")
    return render(request, "pilot/deployment_form.html", {"form": form, "deployment": None})


@require_http_methods(["GET", "POST"])
def deployment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = dashboard.deployment_get_for(request.user, pk)
    form = DeploymentForm(request.POST or None, deployment=deployment)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, deployment)
        except ConcurrentChange as exc:
            # Nothing was stored. Show the stored deployment in a fresh form (at its current
            # version) next to what this writer asked, so they can redo their change on top.
            current = dashboard.deployment_get_for(request.user, exc.current.pk)
            context = {
                "form": DeploymentForm(deployment=current),
                "deployment": current,
                "conflict": form.conflict_rows(current),
            }
            return render(request, "pilot/deployment_form.html", context, status=409)
        if saved:
            messages.success(request, _("De inzet is gewijzigd."))
            return redirect("pilot:deployment_list")
    return render(request, "pilot/deployment_form.html", {"form": form, "deployment": deployment})
