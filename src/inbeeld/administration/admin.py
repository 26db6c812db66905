"""The admin for administrators: users, organisations, memberships and reference data.

The registrations for accounts and reference models live in this app, not in theirs: the admin
writes through approvals (four eyes), which sits above accounts and reference (ADR 0012).

Only users whose policy allows ADMINISTER (and who are staff) reach it; case content is not
registered here, so administrators never see it. Every change is audited with old and new values
in the admin's transaction; a grant of a role that reaches cases (or approvals), its re-activation
or move, and every change that widens scope wait for a second person (inbeeld.approvals, ADR 0008).
An administrator never grants such a role to themselves.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from inbeeld.accounts import services as account_services
from inbeeld.accounts.models import AuthenticatorDevice, Membership, Organisation, User
from inbeeld.administration import (
    reference_admin,  # noqa: F401 (registers reference data)
    sso_admin,  # noqa: F401 (registers identity providers)
)
from inbeeld.administration.mixins import PolicyAdminMixin, admin_has_permission
from inbeeld.administration.recovery_admin import RecoveryUserAdminMixin
from inbeeld.approvals.admin_guard import (
    AuditedAdminMixin,
    HeldAddMixin,
    membership_admin_delete,
    membership_admin_save,
    refuse_self_grant,
)
from inbeeld.approvals.services import user_is_guarded
from inbeeld.audit.models import AuditAction

admin.site.site_header = "InBeeld – beheer"
admin.site.site_title = "InBeeld beheer"
admin.site.index_title = "Beheer"


admin.site.has_permission = admin_has_permission


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


def _membership_state(cleaned_data) -> dict:
    return {"role": cleaned_data.get("role"), "is_active": cleaned_data.get("is_active")}


class MembershipInlineFormSet(BaseInlineFormSet):
    actor = None

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or not form.has_changed() or self._should_delete_form(form):
                continue
            refuse_self_grant(self.actor, self.instance.pk, _membership_state(data))


class MembershipInline(PolicyAdminMixin, admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    fields = ["organisation", "role", "police_unit", "om_district", "court", "is_active"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": request.user})


USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
]


@admin.register(User)
class UserAdmin(RecoveryUserAdminMixin, PolicyAdminMixin, AuditedAdminMixin, DjangoUserAdmin):
    """Users: no password is ever set here (RecoveryUserAdminMixin sends one-time links instead);
    memberships inline, held for approval like MembershipAdmin's."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    # Rights come from policy.py and memberships (inline), never from Django's groups or model
    # permissions: nothing reads them, so they are not offered here (no password either, see
    # RecoveryUserAdminMixin).
    fieldsets = (
        (None, {"fields": ["username"]}),
        ("Persoonlijke gegevens", {"fields": ["first_name", "last_name", "email"]}),
        ("Status", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Belangrijke datums", {"fields": ["last_login", "date_joined"]}),
    )

    audit_action = AuditAction.USER_CHANGED
    audit_subject = "user"
    audit_fields = USER_FIELDS

    def widening_applies(self, obj) -> bool:
        # E-mail (where reset links go), re-activation and staff status matter for an account that
        # holds or awaits a role reaching cases or approvals.
        return user_is_guarded(obj)

    def audit_extra(self, request, form) -> dict:
        return {"password_changed": "password" in form.changed_data}

    def delete_model(self, request, obj):
        # The user's memberships go with the account: each revocation is audited.
        for membership in obj.memberships.all():
            membership_admin_delete(request, membership)
        super().delete_model(request, obj)


class MembershipAdmin(PolicyAdminMixin, HeldAddMixin, admin.ModelAdmin):
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class RefusingSelfGrants(base):
            def clean(self):
                data = super().clean()
                if self.has_changed():
                    user = data.get("user")
                    try:
                        refuse_self_grant(actor, getattr(user, "pk", None), _membership_state(data))
                    except ValidationError as exc:
                        self.add_error(None, exc)
                return data

        return RefusingSelfGrants

    def save_model(self, request, obj, form, change):
        request._inbeeld_held = membership_admin_save(request, obj)

    def delete_model(self, request, obj):
        membership_admin_delete(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(Membership)):
            for membership in queryset:
                membership_admin_delete(request, membership)


admin.site.register(Membership, MembershipAdmin)

ORGANISATION_FIELDS = ["name", "type", "police_unit", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(PolicyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "type", "police_unit", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name"]

    audit_action = AuditAction.ORGANISATION_CHANGED
    audit_subject = "organisation"
    audit_fields = ORGANISATION_FIELDS


# Second-factor devices: an administrator can remove a device (lost phone); the user then needs
# an enrolment link (accounts/links.py): the password alone never enrols a new one. Secrets and QR
# codes are never shown, a device is never added or changed here, and every removal (also the
# bulk "delete selected") is audited as SECOND_FACTOR_REMOVED with the device's old values.


class DeviceReadyFilter(admin.SimpleListFilter):
    title = _("in gebruik")
    parameter_name = "in_gebruik"

    def lookups(self, request, model_admin):
        return [("ja", _("Ja")), ("nee", _("Nee"))]

    def queryset(self, request, queryset):
        if self.value() in ("ja", "nee"):
            return queryset.filter(confirmed=self.value() == "ja")
        return queryset


@admin.register(AuthenticatorDevice)
class AuthenticatorDeviceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    # django-otp's fields carry English names and help texts: shown through Dutch columns.
    list_display = ["account", "device_name", "ready", "enrolled_at", "last_used"]
    list_filter = [DeviceReadyFilter]
    search_fields = ["user__username", "user__last_name"]
    fields = ["account", "device_name", "ready", "enrolled_at", "last_used"]
    readonly_fields = fields

    @admin.display(description=_("gebruiker"), ordering="user__username")
    def account(self, obj):
        return obj.user

    @admin.display(description=_("naam van het apparaat"), ordering="name")
    def device_name(self, obj):
        return obj.name

    @admin.display(description=_("in gebruik"), boolean=True, ordering="confirmed")
    def ready(self, obj):
        return obj.confirmed

    @admin.display(description=_("ingesteld op"), ordering="created_at")
    def enrolled_at(self, obj):
        return obj.created_at

    @admin.display(description=_("laatst gebruikt"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request, *args):
        return False  # users enrol themselves; an administrator never holds someone's secret

    def has_change_permission(self, request, obj=None):
        return False  # moving a device to another account would hand over its second factor

    def delete_model(self, request, obj):
        account_services.second_factor_remove(actor=request.user, device=obj, request=request)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for device in queryset.select_related("user"):
                account_services.second_factor_remove(
                    actor=request.user, device=device, request=request
                )


def _own_password_change(request, extra_context=None):
    """The admin's own "change password" is the account page's (NIST rules, audited)."""
    return redirect("accounts:password_change")


admin.site.password_change = _own_password_change
admin.site.password_change_done = _own_password_change
