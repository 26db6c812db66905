"""What every app's services and views share about refusing a write: one error for a move a
lifecycle table does not allow, one for a lost update, and one way to show a service's refusal on
a form; a paginator for long lists, and two helpers for the rows of long lists (a moment as the
lists show it, a link to each row's page). It imports only Django, so every app may use it (the bottom
layer, ADR 0012)."""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext_lazy


class TransitionNotAllowed(Exception):
    """A move that a lifecycle table (cases.workflow, intake.workflow) does not allow.

    ``current`` is the state the object is in, ``target`` what was asked (an event code for a
    case, a status for a signal), ``message`` the Dutch sentence for the user."""

    def __init__(self, current: str, target: str, message: str | None = None):
        self.current, self.target = current, target
        self.message = message if message is not None else f"{current} -> {target}"
        super().__init__(self.message)


class ConcurrentChange(Exception):
    """The object changed since the writer loaded it (its version moved on); nothing was written.

    ``message`` is the Dutch sentence for the writer; ``current`` optionally the object as it is
    stored now, to show what changed."""

    message = gettext_lazy(
        "Dit is intussen door iemand anders gewijzigd. Laad de pagina opnieuw en controleer de "
        "gegevens voordat u opnieuw opslaat."
    )

    def __init__(self, message: str | None = None, *, current=None):
        if message is not None:
            self.message = message
        self.current = current
        super().__init__(str(self.message))


def apply_service_errors(form, exc: Exception, *, item_prefix: str = "") -> None:
    """Show a service's refusal on ``form``: on the field it names when the form has it (or
    ``item_prefix`` + the name, for forms whose fields are named after items), else above the
    form. A refusal without fields shows its ``message`` (Dutch) or its text."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = next((n for n in (field, item_prefix + field) if n in form.fields), None)
            form.add_error(name, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))


def owner_change(request, *, choices, assign, back, cleared: str, assigned: str):
    """The owner box's POST, for cases and signals alike (templates/_owner_box.html): "me", ""
    (nobody) or the id of a colleague from ``choices``. ``assign(assignee, version)`` calls the
    object's service; its refusals become messages. ``cleared`` and ``assigned`` (with
    %(name)s) are the Dutch confirmations. Returns ``back``, the object's page."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    choice = request.POST.get("assignee", "")
    if choice == "me":
        assignee = request.user
    elif choice == "":
        assignee = None
    else:
        assignee = next((u for u in choices() if str(u.pk) == choice), None)
        if assignee is None:
            messages.error(request, _("Kies een collega uit de lijst."))
            return back
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        assign(assignee, version)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return back
    except ConcurrentChange as exc:
        messages.error(request, str(exc))
        return back
    if assignee is None:
        messages.success(request, cleared)
    else:
        name = assignee.get_full_name() or assignee.username
        messages.success(request, assigned % {"name": name})
    return back


def mark_background_poll(request) -> None:
    """This request is a page's own script asking for news (a job's progress), not the user
    doing something: it does not extend the idle timeout and writes no session row
    (conf.middleware.SessionMiddleware)."""
    request.inbeeld_background_poll = True


def is_background_poll(request) -> bool:
    return getattr(request, "inbeeld_background_poll", False)


class KeysFirstPaginator(Paginator):
    """A paginator for long lists of model rows: a page beyond the first few reads the page's
    primary keys first (in the list's order, from an index where one covers the filter and the
    order), then only those rows with everything the list selects with them.

    A page deep in the list otherwise makes the database fetch and skip every row before it: the
    police's 31,695 cases at page 1,268 took 53 ms that way and 4 ms keys first (BENCHMARKS "Page
    latency"). The first pages keep the single query (skipping a few rows costs nothing)."""

    keys_first_from = 500  # rows to skip before the keys are read first

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.keys_first_from or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


def loaded_one(obj, name: str):
    """A reverse one-to-one of ``obj`` already loaded by select_related (e.g. an event's
    withdrawal): the related row, or None when there is none."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


# --- the rows of long lists ------------------------------------------------------------------------
# The signal lists show 50–100 rows with a moment or two and a link in each: Django's date format
# parser (~30 µs a call) and URL reversing (~45 µs a call in a template) were a third of the
# overdue view's CPU time (issue 15 item 5). Both helpers give what Django gives (tested against
# it, tests/test_web_rows.py).


@functools.cache
def _month_table(language: str, short: bool) -> tuple[str, ...]:
    with translation.override(language):
        if short:  # Django's "M": the three-letter name, capitalised
            return ("",) + tuple(str(MONTHS_3[month]).title() for month in range(1, 13))
        return ("",) + tuple(str(MONTHS[month]) for month in range(1, 13))


def _months(*, short: bool) -> tuple[str, ...]:
    """The month names ("M" when ``short``, else "F") of the current language, index 1–12."""
    return _month_table(translation.get_language() or settings.LANGUAGE_CODE, short)


def _local(value):
    """``value`` in the current time zone, as Django's date filter shows an aware moment."""
    if settings.USE_TZ and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def short_moment(value, *, year: bool = False) -> str:
    """``value`` (a datetime) as Django's date filter shows it with "j M H:i" ("5 Dec 14:00"), or
    with "j M Y H:i" when ``year``: in the current time zone and language."""
    value = _local(value)
    month = _months(short=True)
    if year:
        return (
            f"{value.day} {month[value.month]} {value.year:04d} {value.hour:02d}:{value.minute:02d}"
        )
    return f"{value.day} {month[value.month]} {value.hour:02d}:{value.minute:02d}"


def long_date(value, *, day: bool = True) -> str:
    """``value`` (a date or a datetime, as it is) as Django's date filter shows it with "j F Y"
    ("5 december 2026"), or with "F Y" without ``day``."""
    month = _months(short=False)[value.month]
    if day:
        return f"{value.day} {month} {value.year:04d}"
    return f"{month} {value.year:04d}"


def long_moment(value) -> str:
    """``value`` (a datetime) as Django's date filter shows it with "j F Y H:i", in the current
    time zone."""
    value = _local(value)
    return f"{long_date(value)} {value.hour:02d}:{value.minute:02d}"


def short_date(value) -> str:
    """``value`` (a date) as Django's date filter shows it with "j M Y" ("5 Dec 2026")."""
    month = _months(short=True)
    return f"{value.day} {month[value.month]} {value.year:04d}"


def _sentinel(position: int, number: bool) -> str | int:
    # Stand-ins no real argument equals: a string of letters, or a number of 18 digits for an
    # integer converter.
    return 987_650_000_000_000_000 + position if number else f"0inbeeld0sentinel{position}0"


@functools.cache
def _url_pattern(viewname: str, numbers: tuple[bool, ...], prefix: str, language: str):
    """The URL of ``viewname`` cut at its arguments: the literal pieces around them."""
    url = reverse(viewname, args=[_sentinel(i, n) for i, n in enumerate(numbers)])
    pieces = []
    for position, number in enumerate(numbers):
        before, found, url = url.partition(str(_sentinel(position, number)))
        if not found:  # pragma: no cover (a converter that changes its argument)
            raise ValueError(viewname)
        pieces.append(before)
    pieces.append(url)
    return tuple(pieces)


def row_url(viewname: str, *args: str | int) -> str:
    """``reverse(viewname, args=args)`` for a URL whose arguments are strings and integers (a
    signal's reference, a case's code and an event's id), reversed once and filled in per row."""
    pieces = _url_pattern(
        viewname,
        tuple(isinstance(arg, int) for arg in args),
        get_script_prefix(),
        translation.get_language() or settings.LANGUAGE_CODE,
    )
    url = [pieces[0]]
    for arg, piece in zip(args, pieces[1:], strict=True):
        url += [quote(str(arg), safe="!$&'()*+,;=/~:@"), piece]
    return "".join(url)
