"""No English reaches the administrator (issue 14 item 13): every admin index, list, add and change
page the administrator opens shows Dutch text only — Django's own admin strings come from its Dutch
locale, the model and field names from the apps' Dutch verbose names."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from inbeeld.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# English words that Django's admin or an untranslated verbose name would show; matched as whole
# words in the visible text (tags, scripts and attribute values stripped).
ENGLISH = re.compile(
    r"\b(Add|Save|Delete|Change|History|Home|Search|Log out|View site|Action|Go|"
    r"Select|Clear|Yes|No|Unknown|All|Today|Now|Name|Description|Date|Created|Updated|Version|"
    r"Active|Order|Label|Users?|Fidelity|Model|link|Groups?|Permissions?|password|object|field|"
    r"entries|results?|total|selected|first name|last name|email address|staff status)\b",
)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def administrator(db):
    return make_user(Role.ADMINISTRATOR, username="beheer.nl", is_staff=True)


def _admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        try:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        except NoReverseMatch:
            pass
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


def test_every_admin_page_is_dutch(login, administrator):
    client = login(administrator)
    checked, found = 0, {}
    for url in _admin_urls():
        response = client.get(url)
        if response.status_code != 200:  # an add page the administrator may not open
            assert response.status_code in (302, 403), (url, response.status_code)
            continue
        checked += 1
        hits = sorted(set(ENGLISH.findall(visible_text(response.content.decode()))))
        if hits:
            found[url] = hits
    assert checked >= 10
    assert found == {}
