"""What every case service shares: the date rule, the lock with its lost-update error, the
limits."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbeeld.cases.models import (
    Case,
)
from inbeeld.web import ConcurrentChange

EARLIEST_DATE = dt.date(2000, 1, 1)
MAX_NOTE_LENGTH = 5000


# The one lost-update error (inbeeld.web.ConcurrentChange), in a case's words.
CASE_CHANGED = gettext_lazy(
    "Deze casus is intussen door iemand anders gewijzigd. Laad de pagina opnieuw en "
    "controleer de tijdlijn voordat u opnieuw opslaat."
)


def check_date(value: dt.date, field: str, today: dt.date | None = None) -> None:
    """Refuse (ValidationError on ``field``) a date in the future or before EARLIEST_DATE: the
    rule for every date recorded on a case, the pilot's deliveries and measures included.
    ``today``: the local date, when the caller (a bulk import) already read it."""
    if today is None:
        today = timezone.localdate()
    if value > today:
        raise ValidationError({field: _("Een datum in de toekomst is niet mogelijk.")})
    if value < EARLIEST_DATE:
        raise ValidationError({field: _("Een datum vóór 2000 is niet mogelijk.")})


def _lock_case(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(CASE_CHANGED)
    return locked
