from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inbeeld.accounts import services


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Deze combinatie van gebruikersnaam en wachtwoord is onbekend. Let op hoofdletters."
        ),
        "inactive": _("Dit account is niet actief. Neem contact op met de beheerder."),
        "locked": _(
            "Te veel mislukte inlogpogingen. Inloggen is tijdelijk geblokkeerd; probeer het over "
            "%(minutes)d minuten opnieuw of neem contact op met de beheerder."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        # Checked before the password, so a locked account gives no password oracle.
        if services.login_locked(username=username, ip=ip):
            services.login_blocked_record(username=username, request=self.request)
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.INBEELD_LOGIN_LOCKOUT_MINUTES},
            )
        return super().clean()


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code uit uw authenticator-app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
        error_messages={
            "min_length": _("De code heeft 6 cijfers."),
            "max_length": _("De code heeft 6 cijfers."),
            "required": _("Vul de code van 6 cijfers in."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise ValidationError(_("De code bestaat alleen uit cijfers."))
        return token
