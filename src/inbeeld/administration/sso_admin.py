"""The admin page for organisations' identity providers (single sign-on, ADR 0017).

An administrator registers a provider switched off; switching it on and every change of whom it
trusts (policy.SCOPE_WIDENING_FIELDS["accounts.identityprovider"]) waits for a second person.
The client secret is typed into a password field, stored encrypted and never shown again; the
audit row says only whether it changed."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inbeeld.accounts.models import IdentityProvider
from inbeeld.administration.mixins import PolicyAdminMixin
from inbeeld.approvals.admin_guard import AuditedAdminMixin
from inbeeld.approvals.services import values_of
from inbeeld.audit.models import AuditAction


class IdentityProviderForm(forms.ModelForm):
    issuer = forms.URLField(
        label=IdentityProvider._meta.get_field("issuer").verbose_name,
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
        max_length=300,
        assume_scheme="https",
    )
    client_secret = forms.CharField(
        label=_("clientgeheim"),
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Wordt versleuteld bewaard en nooit meer getoond. Laat leeg om het huidige te houden."
        ),
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "organisation",
            "issuer",
            "client_id",
            "scopes",
            "subject_claim",
            "email_claim",
            "mfa_claim",
            "mfa_values",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        if not data.get("client_secret") and not self.instance.client_secret_ciphertext:
            self.add_error("client_secret", _("Vul het clientgeheim in."))
        return data

    def save(self, commit=True):
        secret = self.cleaned_data.get("client_secret")
        self.secret_changed = bool(secret)
        if secret:
            self.instance.set_client_secret(secret)
        return super().save(commit=commit)


@admin.register(IdentityProvider)
class IdentityProviderAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = IdentityProviderForm
    list_display = ["organisation", "issuer", "client_id", "mfa_claim", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["organisation__name", "issuer", "client_id"]

    audit_action = AuditAction.IDENTITY_PROVIDER_CHANGED
    audit_subject = "identity_provider"

    def get_fields(self, request, obj=None):
        fields = [
            "organisation",
            "issuer",
            "client_id",
            "client_secret",
            "scopes",
            "subject_claim",
            "email_claim",
            "mfa_claim",
            "mfa_values",
        ]
        # A new provider starts switched off; switching it on is a change a second person approves.
        return fields if obj is None else [*fields, "is_active"]

    def save_related(self, request, form, formsets, change):
        # A new secret alone changes no audited field, so the mixin writes no row: write one.
        old = getattr(request, "_inbeeld_admin_old", {})
        secret_only = change and old == values_of(form.instance, self.get_audit_fields())
        super().save_related(request, form, formsets, change)
        if secret_only and getattr(form, "secret_changed", False):
            self._write_audit(request, form.instance, old, old, **{"client_secret": "changed"})

    def audit_extra(self, request, form) -> dict:
        return {
            "client_secret": "changed" if getattr(form, "secret_changed", False) else "unchanged"
        }
