from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Deze combinatie van gebruikersnaam en wachtwoord is onbekend. Let op hoofdletters."
        ),
        "inactive": _("Dit account is niet actief. Neem contact op met de beheerder."),
    }

    def __init__(self, request=None, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
