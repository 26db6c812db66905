"""The privacy officer's screens moved from audit/ to oversight/ (issue 13) under the same paths."""

from django.urls import resolve, reverse

from inbeeld.oversight import views


def test_the_privacy_pages_keep_their_paths_and_names():
    assert reverse("privacy:overview") == "/privacy/"
    assert reverse("privacy:log") == "/privacy/auditlog/"
    assert reverse("privacy:case_access", args=["AB12"]) == "/privacy/casus/AB12/"
    assert reverse("privacy:break_glass") == "/privacy/noodtoegang/"
    assert reverse("privacy:break_glass_review", args=[3]) == "/privacy/noodtoegang/3/beoordelen/"
    assert resolve("/privacy/auditlog/").func is views.audit_log
