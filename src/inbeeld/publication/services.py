"""Writes of the privacy-budget ledger: budgets and differentially private releases.

One transaction each, with the audit row inside it (house rules). The noise itself comes from the
pure inbeeld.stats.dp (OpenDP, discrete Laplace); this module only decides who may release, how
much a release costs and whether the data set can still afford it.

Who does what (separation of duties):

* The **administrator** fixes a data set's total budget (``budget_create``, through the ADMINISTER
  action, e.g. from the admin's *Privacybudgetten → toevoegen*). A budget is never raised or
  removed afterwards: that would undo the guarantee it stands for.
* The **researcher** spends it (``dp_release``, Action.DP_RELEASE): the one who publishes cannot
  enlarge their own budget.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record
from inbeeld.publication.models import (
    EPSILON_QUANTUM,
    MAX_EPSILON,
    PrivacyBudget,
    PrivacyRelease,
)
from inbeeld.publication.release import ReleaseKind, release_record
from inbeeld.stats.dp import noisy_counts
from inbeeld.stats.exceptions import StatsInputError

MAX_QUERY_LENGTH = PrivacyRelease._meta.get_field("query").max_length
MAX_LABEL_LENGTH = PrivacyBudget._meta.get_field("label").max_length


def _epsilon(value, field: str, *, rounding=ROUND_CEILING) -> Decimal:
    """``value`` as a positive decimal epsilon at the ledger's precision (rounded up by default:
    a release is never charged less than it spends)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise ValidationError({field: _("Epsilon moet een getal zijn.")})
    try:
        exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Epsilon moet een getal zijn.")}) from exc
    if not exact.is_finite() or exact <= 0:
        raise ValidationError({field: _("Epsilon moet groter zijn dan 0.")})
    if exact > MAX_EPSILON:
        raise ValidationError(
            {field: _("Epsilon mag niet groter zijn dan %(max)s.") % {"max": MAX_EPSILON}}
        )
    return exact.quantize(EPSILON_QUANTUM, rounding=rounding)


def budget_create(*, actor, dataset: str, label: str, epsilon_total) -> PrivacyBudget:
    """Fix the total privacy budget of ``dataset`` (administrator only, audited).

    A data set has one budget, made once: it cannot be raised, lowered or removed afterwards.
    """
    policy.require(
        actor, policy.Action.ADMINISTER, _("Alleen de beheerder legt een privacybudget vast.")
    )
    dataset = (dataset or "").strip()
    label = (label or "").strip()
    errors = {}
    slug_field = PrivacyBudget._meta.get_field("dataset")
    try:
        slug_field.run_validators(dataset)
        if not dataset or len(dataset) > slug_field.max_length:
            raise ValidationError("")
    except ValidationError:
        errors["dataset"] = _(
            "Geef de dataset een korte code van letters, cijfers, - en _ (ten hoogste %(n)d "
            "tekens)."
        ) % {"n": slug_field.max_length}
    if not label or len(label) > MAX_LABEL_LENGTH:
        errors["label"] = _("Geef een naam van ten hoogste %(n)d tekens.") % {"n": MAX_LABEL_LENGTH}
    if errors:
        raise ValidationError(errors)
    # A total is taken as given, rounded down: the budget never allows more than was decided.
    total = _epsilon(epsilon_total, "epsilon_total", rounding=ROUND_FLOOR)
    if total <= 0:
        raise ValidationError({"epsilon_total": _("Epsilon moet groter zijn dan 0.")})
    with transaction.atomic():
        if PrivacyBudget.objects.filter(dataset=dataset).exists():
            raise ValidationError(
                {"dataset": _("Voor deze dataset is al een privacybudget vastgelegd.")}
            )
        budget = PrivacyBudget.objects.create(
            dataset=dataset, label=label, epsilon_total=total, created_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.DP_BUDGET_CREATED,
            subject_type="privacy_budget",
            subject_ref=dataset,
            extra={"label": label, "epsilon_total": str(total)},
        )
    return budget


def _budget(dataset: str, *, lock: bool = False) -> PrivacyBudget:
    budgets = PrivacyBudget.objects.select_for_update() if lock else PrivacyBudget.objects
    budget = budgets.filter(dataset=dataset).first()
    if budget is None:
        raise ValidationError({"dataset": _("Voor deze dataset is geen privacybudget vastgelegd.")})
    return budget


def budget_remaining(*, dataset: str) -> float:
    """The epsilon ``dataset`` may still spend (0.0 when its budget is used up)."""
    return float(_budget(dataset).epsilon_remaining())


def _check_table(counts, labels) -> tuple[list, list[str]]:
    counts = list(counts)
    labels = [str(label) for label in labels]
    if not counts:
        raise ValidationError({"counts": _("Er zijn geen aantallen om vrij te geven.")})
    if len(labels) != len(counts):
        raise ValidationError(
            {
                "labels": _("Geef precies één naam per aantal (%(n)d namen, %(m)d aantallen).")
                % {"n": len(labels), "m": len(counts)}
            }
        )
    if len(set(labels)) != len(labels):
        raise ValidationError({"labels": _("Elke cel heeft een eigen naam.")})
    for value in counts:
        whole = isinstance(value, numbers.Integral) or (
            isinstance(value, numbers.Real) and math.isfinite(value) and value == int(value)
        )
        if isinstance(value, bool) or not whole or value < 0:
            raise ValidationError({"counts": _("Aantallen zijn gehele getallen van 0 of meer.")})
    return [int(value) for value in counts], labels


def dp_release(
    *,
    actor,
    dataset: str,
    counts,
    labels,
    epsilon: float,
    query: str,
    sensitivity: int = 1,
) -> PrivacyRelease:
    """Release ``counts`` (one per label) of ``dataset`` with epsilon-differential privacy, and
    charge ``epsilon`` to the data set's budget.

    Researchers only (Action.DP_RELEASE). The budget row is locked (select_for_update) while the
    spent epsilon is summed and the release is written, so two releases at the same time cannot
    together overspend. A release that does not fit is refused with a ValidationError and leaves
    nothing behind: no release, no audit row, no noise drawn. ``epsilon`` is charged rounded up to
    the ledger's precision (6 decimals) and the noise is calibrated to that charged value;
    ``sensitivity`` is the L1 sensitivity of the table (1 when every person is in one cell). The
    stored release holds the noisy values only (negative ones set to 0), never the true counts.
    """
    policy.require(
        actor,
        policy.Action.DP_RELEASE,
        _("U mag geen cijfers met differentiële privacy vrijgeven."),
    )
    charge = _epsilon(epsilon, "epsilon")
    values, labels = _check_table(counts, labels)
    query = (query or "").strip()
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise ValidationError(
            {
                "query": _("Beschrijf de vraag in ten hoogste %(n)d tekens.")
                % {"n": MAX_QUERY_LENGTH}
            }
        )
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, int) or sensitivity < 1:
        raise ValidationError(
            {"sensitivity": _("De gevoeligheid is een geheel getal van 1 of meer.")}
        )
    with transaction.atomic():
        # The lock serialises releases of this data set (on SQLite the IMMEDIATE transaction
        # does the same): the spent sum below cannot change before this release is written.
        budget = _budget(dataset, lock=True)
        spent = budget.epsilon_spent()
        if spent + charge > budget.epsilon_total:
            remaining = max(budget.epsilon_total - spent, Decimal(0))
            raise ValidationError(
                _(
                    "Het privacybudget van deze dataset is op: er is nog epsilon %(remaining)s "
                    "over van %(total)s, deze vrijgave vraagt %(epsilon)s."
                )
                % {
                    "remaining": _decimal_text(remaining),
                    "total": _decimal_text(budget.epsilon_total),
                    "epsilon": _decimal_text(charge),
                },
                code="budget_exhausted",
            )
        try:
            result = noisy_counts(values, epsilon=float(charge), sensitivity=sensitivity)
        except StatsInputError as exc:  # pragma: no cover - the checks above come first
            raise ValidationError(str(exc)) from exc
        release = PrivacyRelease.objects.create(
            budget=budget,
            epsilon=charge,
            query=query,
            labels=labels,
            values=list(result.noisy),
            mechanism=result.mechanism,
            sensitivity=result.sensitivity,
            scale=result.scale,
            confidence_halfwidth_95=result.confidence_halfwidth_95,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=timezone.now(),
        )
        release_record(
            user=actor,
            kind=ReleaseKind.DP_RELEASE,
            subject_ref=str(release.pk),
            extra={
                "dataset": budget.dataset,
                "query": query,
                "epsilon": str(charge),
                "spent": str(spent + charge),
                "total": str(budget.epsilon_total),
                "mechanism": result.mechanism,
                "sensitivity": result.sensitivity,
                "cells": len(values),
            },
        )
    return release


def _decimal_text(value: Decimal) -> str:
    """A ledger epsilon without trailing zeros, with a decimal comma (Dutch)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


# --- microdata: the threshold (administrator) and the data-use agreement (researcher) ----------


def microdata_policy_current() -> tuple[int, int]:
    """The (k, l) every microdata export must reach now: the newest MicrodataPolicy row, or the
    defaults (5, 2) when the administrator has set none."""
    from inbeeld.publication.models import (
        DEFAULT_MICRODATA_K,
        DEFAULT_MICRODATA_L,
        MicrodataPolicy,
    )

    row = MicrodataPolicy.objects.order_by("-created_at", "-id").first()
    if row is None:
        return DEFAULT_MICRODATA_K, DEFAULT_MICRODATA_L
    return row.k, row.l_diversity


def microdata_policy_set(*, actor, k: int, l_diversity: int):
    """Set the k and l of microdata exports (administrator only), audited as
    MICRODATA_POLICY_CHANGED with the old and new values, in one transaction."""
    from inbeeld.publication.models import MicrodataPolicy

    policy.require(
        actor,
        policy.Action.ADMINISTER,
        _("Alleen de beheerder stelt de drempel voor microdata in."),
    )
    errors = {}
    for field, value in (("k", k), ("l_diversity", l_diversity)):
        if isinstance(value, bool) or not isinstance(value, int):
            errors[field] = _("Vul een geheel getal in.")
    if errors:
        raise ValidationError(errors)
    row = MicrodataPolicy(
        k=k,
        l_diversity=l_diversity,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )
    row.full_clean(exclude=["actor"])
    with transaction.atomic():
        old_k, old_l = microdata_policy_current()
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.MICRODATA_POLICY_CHANGED,
            subject_type="microdata_policy",
            subject_ref=str(row.pk),
            extra={"old": {"k": old_k, "l": old_l}, "new": {"k": row.k, "l": row.l_diversity}},
        )
    return row


def data_use_agreement_accepted(user, version: str | None = None) -> bool:
    """Has ``user`` accepted (this version of) the data-use agreement for microdata?"""
    from inbeeld.publication import agreement
    from inbeeld.publication.models import DataUseAgreementAcceptance

    if not getattr(user, "is_authenticated", False):
        return False
    return DataUseAgreementAcceptance.objects.filter(
        user=user, version=version or agreement.VERSION
    ).exists()


def data_use_agreement_accept(*, actor, version: str):
    """Record that ``actor`` (who may export microdata) accepts the agreement ``version`` (the
    current one), with the DATA_USE_AGREEMENT_ACCEPTED audit row in the same transaction.
    Accepting again is harmless: the first acceptance stands and nothing is written twice."""
    from inbeeld.publication import agreement
    from inbeeld.publication.models import DataUseAgreementAcceptance

    policy.require(
        actor, policy.Action.EXPORT_MICRODATA, _("Alleen onderzoekers mogen microdata downloaden.")
    )
    if version != agreement.VERSION:
        raise ValidationError(
            _("Deze versie van de gebruiksvoorwaarden geldt niet meer: lees de huidige versie.")
        )
    with transaction.atomic():
        existing = DataUseAgreementAcceptance.objects.filter(user=actor, version=version).first()
        if existing is not None:
            return existing
        row = DataUseAgreementAcceptance.objects.create(
            user=actor, version=version, accepted_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.DATA_USE_AGREEMENT_ACCEPTED,
            subject_type="data_use_agreement",
            subject_ref=version,
            extra={"version": version},
        )
    return row
