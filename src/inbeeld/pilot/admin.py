"""Administrators maintain the pilot's reference data (phases, interventions, fidelity items,
questionnaires); deployments are managed by researchers on the pilot pages."""

from django.contrib import admin

from inbeeld.accounts.admin import PolicyAdminMixin
from inbeeld.pilot import models


class FidelityItemInline(PolicyAdminMixin, admin.TabularInline):
    model = models.FidelityItem
    extra = 0


@admin.register(models.Intervention)
class InterventionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "code", "label", "chain_stage", "partner_type"]
    list_display_links = ["code"]
    inlines = [FidelityItemInline]


@admin.register(models.Phase)
class PhaseAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "label", "start", "end", "target_victims"]


@admin.register(models.Instrument)
class InstrumentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "version", "label"]
