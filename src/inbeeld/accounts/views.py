from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator

from inbeeld import policy
from inbeeld.accounts.forms import LoginForm


def home(request: HttpRequest) -> HttpResponse:
    """Start page: who you are, in which roles, and what you can do here."""
    memberships = policy.active_memberships(request.user)
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": memberships,
            "can_list_cases": policy.can(request.user, policy.Action.CASE_LIST),
            "can_create_case": policy.can(request.user, policy.Action.CASE_CREATE),
            "can_administer": policy.may_administer(request.user),
        },
    )


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
