"""Administrators maintain the pilot's reference data (phases, interventions, fidelity items,
questionnaires), audited as REFERENCE_CHANGED with old and new values (inlines and bulk deletes
included); deployments are managed by researchers on the pilot pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inbeeld.administration.mixins import PolicyAdminMixin
from inbeeld.approvals.admin_guard import AuditedAdminMixin
from inbeeld.pilot import models


class PilotReferenceAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    pass


class FidelityItemInline(PolicyAdminMixin, admin.TabularInline):
    model = models.FidelityItem
    extra = 0


@admin.register(models.Intervention)
class InterventionAdmin(PilotReferenceAdmin):
    list_display = [
        "order",
        "code",
        "label",
        "chain_stage",
        "primary_outcome",
        "primary_comparison",
        "primary_horizon_days",
        "min_important_difference",
    ]
    list_display_links = ["code"]
    inlines = [FidelityItemInline]
    fieldsets = [
        (
            None,
            {"fields": ["code", "label", "description", "chain_stage", "partner_type", "order"]},
        ),
        (
            _("Primaire analyse (vooraf vastgelegd)"),
            {
                "fields": [
                    "primary_outcome",
                    "primary_comparison",
                    "primary_horizon_days",
                    "min_important_difference",
                ],
                "description": _(
                    "De uitkomst, vergelijking, horizon en het kleinste relevante verschil waarop "
                    "de evaluatie haar oordeel over deze interventie baseert; de andere analyses "
                    "zijn gevoeligheidsanalyses."
                ),
            },
        ),
    ]


@admin.register(models.Phase)
class PhaseAdmin(PilotReferenceAdmin):
    list_display = ["code", "label", "start", "end", "target_victims"]


@admin.register(models.Instrument)
class InstrumentAdmin(PilotReferenceAdmin):
    list_display = ["code", "version", "label"]
