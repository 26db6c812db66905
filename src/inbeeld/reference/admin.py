from django.contrib import admin

from inbeeld.accounts.admin import PolicyAdminMixin
from inbeeld.reference import models


class OutcomeInline(PolicyAdminMixin, admin.TabularInline):
    model = models.ChainEventOutcome
    extra = 0


@admin.register(models.ChainEventType)
class ChainEventTypeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "code", "label", "outcome_required"]
    list_display_links = ["code"]
    inlines = [OutcomeInline]


@admin.register(models.PoliceUnit)
class PoliceUnitAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "code", "name", "kind", "om_district"]
    list_display_links = ["code"]


@admin.register(models.OMDistrict)
class OMDistrictAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    filter_horizontal = ["courts"]


@admin.register(models.Court)
class CourtAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "court_of_appeal"]


@admin.register(models.CourtOfAppeal)
class CourtOfAppealAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(models.ExploitationForm)
class ExploitationFormAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "code", "label"]
    list_display_links = ["code"]
