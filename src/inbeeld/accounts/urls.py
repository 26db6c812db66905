from django.urls import path

from inbeeld.accounts import sso_views, views

app_name = "accounts"

urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("inloggen/sso/<int:pk>/", sso_views.sso_start, name="sso_start"),
    path("inloggen/sso/terug/", sso_views.sso_callback, name="sso_callback"),
    path("uitloggen/", views.LogoutView.as_view(), name="logout"),
    path("tweede-factor/", views.second_factor, name="second_factor"),
    path("tweede-factor/instellen/", views.second_factor_setup, name="second_factor_setup"),
    path(
        "tweede-factor/instellen/<str:token>/",
        views.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path("tweede-factor/qr.svg", views.second_factor_qr, name="second_factor_qr"),
    path("wachtwoord/", views.password_change, name="password_change"),
    path("wachtwoord/herstellen/<str:token>/", views.password_reset, name="password_reset"),
    path("overal-uitloggen/", views.logout_everywhere, name="logout_everywhere"),
    path("", views.account, name="account"),
]
