"""What every app's services and views share about refusing a write: one error for a move a
lifecycle table does not allow, one for a lost update, and one way to show a service's refusal on
a form; and a paginator for long lists. It imports only Django, so every app may use it (the bottom
layer, ADR 0012)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
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
