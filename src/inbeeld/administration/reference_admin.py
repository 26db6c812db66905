"""Reference data in the admin: every change (inlines, many-to-many fields and bulk deletes
included) is audited as REFERENCE_CHANGED with old and new values; a change that widens someone's
scope (policy.SCOPE_WIDENING_FIELDS: a unit's OM district, a district's courts, a court's court of
appeal) waits for a second person."""

from django import forms
from django.contrib import admin

from inbeeld.administration.mixins import PolicyAdminMixin
from inbeeld.approvals.admin_guard import AuditedAdminMixin
from inbeeld.reference import models


class ReferenceAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    pass


class OutcomeInline(PolicyAdminMixin, admin.TabularInline):
    model = models.ChainEventOutcome
    extra = 0


@admin.register(models.ChainEventType)
class ChainEventTypeAdmin(ReferenceAdmin):
    list_display = ["order", "code", "label", "outcome_required"]
    list_display_links = ["code"]
    inlines = [OutcomeInline]


@admin.register(models.PoliceUnit)
class PoliceUnitAdmin(ReferenceAdmin):
    list_display = ["order", "code", "name", "kind", "om_district"]
    list_display_links = ["code"]


@admin.register(models.OMDistrict)
class OMDistrictAdmin(ReferenceAdmin):
    list_display = ["code", "name", "kind"]

    # Checkboxes, not filter_horizontal: Django's SelectFilter2 puts aria-label on a <span>
    # in a <label>, which axe refuses (aria-prohibited-attr; issue 14).
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(models.Court)
class CourtAdmin(ReferenceAdmin):
    list_display = ["code", "name", "court_of_appeal"]


@admin.register(models.CourtOfAppeal)
class CourtOfAppealAdmin(ReferenceAdmin):
    list_display = ["code", "name"]


@admin.register(models.ExploitationForm)
class ExploitationFormAdmin(ReferenceAdmin):
    list_display = ["order", "code", "label"]
    list_display_links = ["code"]
