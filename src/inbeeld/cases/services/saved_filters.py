"""Saved filters on the case list (issue 14 item 7): a user keeps a named query string."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbeeld.cases.models import SavedFilter

MAX_FILTER_NAME = 80


def clean_querystring(params, allowed: set[str]) -> str:
    """Only the list's own filter fields survive (no page number, nothing foreign)."""
    pairs = [(k, v) for k in sorted(allowed) for v in params.getlist(k) if v]
    return urlencode(pairs)[:500]


def saved_filter_save(*, user, name: str, querystring: str) -> SavedFilter:
    """Keep ``querystring`` under ``name`` for ``user`` (the same name replaces the old one)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": _("Geef het filter een naam, bijvoorbeeld 'Mijn acute casussen'.")}
        )
    if len(name) > MAX_FILTER_NAME:
        raise ValidationError({"name": _("De naam mag hoogstens 80 tekens lang zijn.")})
    with transaction.atomic():
        saved, _created = SavedFilter.objects.update_or_create(
            user=user, name=name, defaults={"querystring": querystring}
        )
    return saved


def saved_filter_delete(*, user, pk: int) -> bool:
    """Delete ``user``'s own saved filter ``pk``; False when they have none by that id (someone
    else's filter is as unknown as a missing one)."""
    deleted, _ = SavedFilter.objects.filter(user=user, pk=pk).delete()
    return deleted > 0
