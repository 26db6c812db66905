from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

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


def _password_field(label, help_text, autocomplete):
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Vul dit veld in.")},
    )


class NewPasswordForm(SetPasswordForm):
    """A new password, twice, checked against the NIST rules (settings.AUTH_PASSWORD_VALIDATORS).
    Only validates: the services set the password."""

    error_messages = {"password_mismatch": _("De twee nieuwe wachtwoorden zijn niet gelijk.")}

    new_password1 = _password_field(
        _("Nieuw wachtwoord"),
        _(
            "Minstens 12 tekens. Een zin van een paar woorden werkt goed; hoofdletters, cijfers "
            "of leestekens zijn niet verplicht. Veelgebruikte of gelekte wachtwoorden en "
            "wachtwoorden die op uw naam lijken worden geweigerd."
        ),
        "new-password",
    )
    new_password2 = _password_field(_("Herhaal het nieuwe wachtwoord"), "", "new-password")

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(user, *args, **kwargs)

    @sensitive_variables("password")
    def validate_password_for_user(self, user, password_field_name="new_password2"):  # noqa: S107
        # Errors on the first field, where the password is typed (the second only repeats it).
        password = self.cleaned_data.get("new_password1")
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.add_error("new_password1", error)


class PasswordChangeForm(NewPasswordForm):
    """Change one's own password: the current one first (failures count towards the lockout)."""

    current_password = _password_field(_("Huidig wachtwoord"), "", "current-password")
    field_order = ["current_password", "new_password1", "new_password2"]

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    @sensitive_variables("current")
    def clean_current_password(self):
        current = self.cleaned_data["current_password"]
        username = self.user.get_username()
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if services.login_locked(username=username, ip=ip):
            services.login_blocked_record(username=username, request=self.request)
            raise ValidationError(
                LoginForm.error_messages["locked"],
                code="locked",
                params={"minutes": settings.INBEELD_LOGIN_LOCKOUT_MINUTES},
            )
        if not self.user.check_password(current):
            services.login_failed_record(
                username=username, request=self.request, stage="password_change"
            )
            raise ValidationError(
                _("Dit is niet uw huidige wachtwoord."), code="password_incorrect"
            )
        return current


class NotificationsForm(forms.Form):
    email_notifications = forms.BooleanField(
        label=_("Stuur mij een e-mail als er nieuws is"),
        required=False,
        help_text=_(
            "Bijvoorbeeld een nieuwe status of vraag bij een signaal dat u meldde, of (voor "
            "veiligheidscoördinatoren) een nieuw acuut signaal of een signaal over de termijn. "
            "De e-mail zegt alleen dát er nieuws is en bevat nooit gegevens over een signaal of "
            "casus."
        ),
    )
