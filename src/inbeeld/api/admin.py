"""The admin pages for API clients and their keys (issue 16). An administrator makes a client
(organisation, name, the user it acts for, its rights) and, with the action "Nieuwe API-sleutel
maken", a key that is shown ONCE in the page's message; keys are revoked with an action, never
edited. Every change goes through inbeeld.api.services (checked and audited there)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inbeeld import policy
from inbeeld.administration.mixins import PolicyAdminMixin
from inbeeld.api.models import ApiClient, ApiKey
from inbeeld.api.services import (
    api_key_create,
    api_key_revoke,
    check_acting_user,
    clean_scopes,
)
from inbeeld.approvals.admin_guard import AuditedAdminMixin
from inbeeld.audit.models import AuditAction

SCOPE_LABELS = {
    policy.Action.CASE_LIST: _("Casuslijst lezen"),
    policy.Action.CASE_VIEW: _("Casus lezen"),
    policy.Action.CASE_CREATE: _("Casus registreren"),
    policy.Action.EVENT_RECORD: _("Gebeurtenis vastleggen"),
    policy.Action.EVENT_CORRECT: _("Gebeurtenis corrigeren of intrekken"),
    policy.Action.NOTE_READ: _("Notities lezen"),
    policy.Action.NOTE_WRITE: _("Notities schrijven"),
    policy.Action.SIGNAL_SUBMIT: _("Signaal indienen"),
    policy.Action.SIGNAL_OWN_READ: _("Eigen signalen volgen"),
    policy.Action.DELIVERY_RECORD: _("Uitvoering interventie vastleggen"),
    policy.Action.MEASURE_RECORD: _("Meting vastleggen"),
    policy.Action.EVALUATION_READ: _("Evaluatie lezen"),
    policy.Action.MONITOR_READ: _("Monitor lezen"),
}


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("rechten"),
        choices=[(str(a), SCOPE_LABELS[a]) for a in SCOPE_LABELS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Alleen binnen wat de rol van de gebruiker al mag."),
        error_messages={"required": _("Kies ten minste één recht voor de koppeling.")},
    )

    class Meta:
        model = ApiClient
        fields = ["organisation", "name", "acting_user", "scopes", "is_active"]

    def clean(self):
        data = super().clean()
        try:
            if "scopes" in data:
                data["scopes"] = clean_scopes(data["scopes"])
            if data.get("organisation") and data.get("acting_user"):
                check_acting_user(
                    organisation=data["organisation"], acting_user=data["acting_user"]
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    verbose_name = _("API-sleutel")
    verbose_name_plural = _("API-sleutels (alleen het kenmerk; de sleutel zelf is niet bewaard)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return policy.may_administer(request.user)


@admin.register(ApiClient)
class ApiClientAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Saved by the admin with the form's checks (the same as api.services.api_client_save:
    grantable scopes, an acting user the client may act for) and audited with old and new
    values (API_CLIENT_CHANGED). A client only narrows what its user may do, so no four eyes."""

    form = ApiClientForm
    audit_action = AuditAction.API_CLIENT_CHANGED
    audit_subject = "api_client"
    list_display = ["name", "organisation", "acting_user", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "organisation__name"]
    inlines = [ApiKeyInline]
    actions = ["make_key"]

    def has_delete_permission(self, request, obj=None):
        return False  # a client is switched off, never deleted: the audit log refers to it

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.scopes = form.cleaned_data["scopes"]
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Nieuwe API-sleutel maken (wordt één keer getoond)"))
    def make_key(self, request, queryset):
        for client in queryset:
            try:
                _row, key = api_key_create(actor=request.user, client=client)
            except ValidationError as exc:
                messages.error(request, f"{client.name}: {' '.join(exc.messages)}")
                continue
            messages.warning(
                request,
                _(
                    "API-sleutel voor %(name)s (bewaar hem nu, hij wordt niet opgeslagen en "
                    "niet nog eens getoond): %(key)s"
                )
                % {"name": client.name, "key": key},
            )


@admin.register(ApiKey)
class ApiKeyAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "client", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["client__organisation"]
    fields = ["client", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False  # a key is made with the action on its client

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Geselecteerde API-sleutels intrekken"))
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(actor=request.user, key=key)
        messages.success(request, _("De sleutels zijn ingetrokken."))
