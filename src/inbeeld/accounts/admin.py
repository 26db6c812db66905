"""The admin for administrators: users, organisations, memberships and reference data.

Only users whose policy allows ADMINISTER (and who are staff) reach it; case content is not
registered here, so administrators never see it. Changes to users and memberships are audited.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OTPTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from inbeeld import policy
from inbeeld.accounts.models import Membership, Organisation, User
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record

admin.site.site_header = "InBeeld – beheer"
admin.site.site_title = "InBeeld beheer"
admin.site.index_title = "Beheer"


def _admin_has_permission(request) -> bool:
    return policy.may_administer(request.user)


class PolicyAdminMixin:
    """Admin permissions come from policy.py (the ADMINISTER action), not Django model perms."""

    def has_module_permission(self, request):
        return policy.may_administer(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.may_administer(request.user)

    def has_add_permission(self, request, *args):
        return policy.may_administer(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_administer(request.user)

    def has_delete_permission(self, request, obj=None):
        return policy.may_administer(request.user)


admin.site.has_permission = _admin_has_permission


@login_not_required
def _admin_login(request, extra_context=None):
    """One login for everything: the admin's login page sends people to ours (with 2FA).

    A logged-in user without the right to administer gets the Dutch 403 instead (sending them to
    the login page would bounce straight back here)."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        raise PermissionDenied(_("U heeft geen toegang tot het beheer."))
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("accounts:login") + (f"?{query}" if query else ""))


admin.site.login = _admin_login
# Permissions come from policy.py and memberships, not from Django groups.
admin.site.unregister(Group)


def _snapshot(obj, fields) -> dict:
    if obj is None or obj.pk is None:
        return {}
    return {k: (str(v) if v is not None else None) for k, v in model_to_dict(obj, fields).items()}


class AuditedAdminMixin:
    """Every save and delete through this admin writes an audit row with old and new values, in
    the admin's transaction. Subclasses set audit_action, audit_subject and audit_fields."""

    audit_action: str
    audit_subject: str
    audit_fields: list[str]

    def _audit(self, request, pk, old, new) -> None:
        audit_record(
            actor=request.user,
            action=self.audit_action,
            subject_type=self.audit_subject,
            subject_ref=str(pk),
            extra={"old": old, "new": new},
        )

    def save_model(self, request, obj, form, change):
        old = _snapshot(type(obj).objects.filter(pk=obj.pk).first(), self.audit_fields)
        super().save_model(request, obj, form, change)
        self._audit(request, obj.pk, old, _snapshot(obj, self.audit_fields))

    def delete_model(self, request, obj):
        old, pk = _snapshot(obj, self.audit_fields), obj.pk
        super().delete_model(request, obj)
        self._audit(request, pk, old, {})


class MembershipInline(PolicyAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "police_unit", "om_district", "court", "is_active"]


@admin.register(User)
class UserAdmin(PolicyAdminMixin, DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]

    def save_model(self, request, obj, form, change):
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
        ]
        old = _snapshot(type(obj).objects.filter(pk=obj.pk).first(), fields) if change else {}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.USER_CHANGED,
            subject_type="user",
            subject_ref=obj.get_username(),
            extra={
                "old": old,
                "new": _snapshot(obj, fields),
                "password_changed": "password" in form.changed_data,
            },
        )

    def save_formset(self, request, form, formset, change):
        _audit_membership_formset(request, formset)
        super().save_formset(request, form, formset, change)


MEMBERSHIP_FIELDS = [
    "user",
    "organisation",
    "role",
    "police_unit",
    "om_district",
    "court",
    "is_active",
]


def _audit_membership_formset(request, formset) -> None:
    for inline_form in formset.forms:
        if not inline_form.has_changed() and not inline_form.cleaned_data.get("DELETE"):
            continue
        instance = inline_form.instance
        old = _snapshot(Membership.objects.filter(pk=instance.pk).first(), MEMBERSHIP_FIELDS)
        new = (
            {}
            if inline_form.cleaned_data.get("DELETE")
            else {
                k: str(v) if v is not None else None
                for k, v in inline_form.cleaned_data.items()
                if k in MEMBERSHIP_FIELDS
            }
        )
        audit_record(
            actor=request.user,
            action=AuditAction.MEMBERSHIP_CHANGED,
            subject_type="membership",
            subject_ref=str(instance.pk or ""),
            extra={"old": old, "new": new},
        )


@admin.register(Membership)
class MembershipAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "user",
        "role",
        "organisation",
        "police_unit",
        "om_district",
        "court",
        "is_active",
    ]
    list_filter = ["role", "is_active"]

    audit_action = AuditAction.MEMBERSHIP_CHANGED
    audit_subject = "membership"
    audit_fields = MEMBERSHIP_FIELDS


ORGANISATION_FIELDS = ["name", "type", "police_unit", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "type", "police_unit", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name"]

    audit_action = AuditAction.ORGANISATION_CHANGED
    audit_subject = "organisation"
    audit_fields = ORGANISATION_FIELDS


# Second-factor devices: an administrator can remove a device (lost phone) so the user enrols
# again at the next login; secrets and QR codes are never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA).
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(PolicyAdminMixin, OTPTOTPDeviceAdmin):
    def has_add_permission(self, request, *args):
        return False  # users enrol themselves; an administrator never holds someone's secret

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.USER_CHANGED,
            subject_type="user",
            subject_ref=obj.user.get_username(),
            extra={"second_factor": "changed", "device": obj.pk, "confirmed": obj.confirmed},
        )

    def delete_model(self, request, obj):
        username, pk = obj.user.get_username(), obj.pk
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action=AuditAction.USER_CHANGED,
            subject_type="user",
            subject_ref=username,
            extra={"second_factor": "removed", "device": pk},
        )

    def delete_queryset(self, request, queryset):
        for device in queryset:
            self.delete_model(request, device)
