"""Account recovery in the admin: an administrator never knows or sets a user's password.

RecoveryUserAdminMixin goes in front of the user admin's bases. It

* removes Django's "set password" page for other users (/beheer/accounts/user/<id>/password/)
  and the password field from the change form;
* makes new accounts with an unusable password (the add form asks no password);
* adds two actions (also as buttons on a user's change page): "Herstellink sturen" (a one-time
  password-reset link to the user's own e-mail address) and "Inschrijflink sturen" (a one-time
  link to enrol a second factor, for a new account or after a device was removed).

The links are made and sent by accounts.links (audited there, the token never stored in clear).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from inbeeld.accounts import links
from inbeeld.accounts.models import User

PASSWORD_URL_NAME = "auth_user_password_change"  # noqa: S105 (a URL name, as Django names it)


class NewUserForm(forms.ModelForm):
    """A new account without a password: the user sets one through a reset link."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _(
            "Hierheen gaan de eenmalige links om een wachtwoord en de tweede factor in te stellen."
        )

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


def _send(modeladmin, request, queryset, send, done_message) -> None:
    sent = 0
    for user in queryset.order_by("username"):
        try:
            send(actor=request.user, user=user, request=request)
        except links.LinkNotSent as exc:
            modeladmin.message_user(request, f"{user.get_username()}: {exc}", messages.ERROR)
        except PermissionDenied:
            modeladmin.message_user(request, _("U mag geen links sturen."), messages.ERROR)
            return
        else:
            sent += 1
    if sent:
        modeladmin.message_user(request, done_message(sent), messages.SUCCESS)


@admin.action(description=_("Herstellink sturen (nieuw wachtwoord, per e-mail)"))
def send_password_reset_link(modeladmin, request, queryset):
    _send(
        modeladmin,
        request,
        queryset,
        links.password_reset_link_send,
        lambda n: (
            ngettext(
                "Herstellink verstuurd naar %(n)d gebruiker.",
                "Herstellinks verstuurd naar %(n)d gebruikers.",
                n,
            )
            % {"n": n}
        ),
    )


@admin.action(description=_("Inschrijflink sturen (tweede factor, per e-mail)"))
def send_enrolment_link(modeladmin, request, queryset):
    _send(
        modeladmin,
        request,
        queryset,
        links.enrolment_link_send,
        lambda n: (
            ngettext(
                "Inschrijflink verstuurd naar %(n)d gebruiker.",
                "Inschrijflinks verstuurd naar %(n)d gebruikers.",
                n,
            )
            % {"n": n}
        ),
    )


RECOVERY_ACTIONS = (send_password_reset_link, send_enrolment_link)
# The same actions as buttons on a user's change page (action name, button label).
RECOVERY_BUTTONS = (
    ("send_password_reset_link", _("Herstellink sturen")),
    ("send_enrolment_link", _("Inschrijflink sturen")),
)


class RecoveryUserAdminMixin:
    add_form = NewUserForm
    add_form_template = None  # Django's user add template speaks of passwords
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email")}),)

    def get_urls(self):
        return [url for url in super().get_urls() if url.name != PASSWORD_URL_NAME]

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied  # never reachable through a URL; refuse if called anyway

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "password" in form.base_fields:
            form = type(form.__name__, (form,), {})
            del form.base_fields["password"]
        return form

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            for func in RECOVERY_ACTIONS:
                actions[func.__name__] = self.get_action(func)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "recovery_buttons": RECOVERY_BUTTONS}
        return super().change_view(request, object_id, form_url, extra_context)


def with_account_recovery(user_admin_class: type) -> type:
    """``user_admin_class`` with RecoveryUserAdminMixin in front (for code that cannot change the
    class's bases itself)."""
    if issubclass(user_admin_class, RecoveryUserAdminMixin):
        return user_admin_class
    return type(user_admin_class.__name__, (RecoveryUserAdminMixin, user_admin_class), {})
