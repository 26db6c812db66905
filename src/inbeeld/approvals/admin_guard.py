"""The admin's write path: every change audited with old and new values, and every change that
widens someone's reach held for a second person (ADR 0008).

AuditedAdminMixin goes on every ModelAdmin that can change data. Django's admin runs save_model,
save_related (many-to-many fields and inlines) and the logging in one transaction; the audit rows,
and a change request for what must wait, are written inside it. After the admin has saved, fields
that widen scope (policy.SCOPE_WIDENING_FIELDS) are set back to their old values and stored as a
pending request instead. Memberships go through membership_admin_save: a guarded grant or change
is not saved at all but requested; a revocation is saved at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from inbeeld import policy
from inbeeld.accounts.models import Membership
from inbeeld.approvals import services
from inbeeld.audit.models import AuditAction
from inbeeld.audit.services import audit_record

MEMBERSHIP_FIELDS = [
    "user",
    "organisation",
    "role",
    "police_unit",
    "om_district",
    "court",
    "is_active",
]

# Never copied into an audit row or a request (helper modules handle credentials).
_NEVER_SNAPSHOT = {"password", "last_login", "session_generation"}


def editable_fields(model) -> list[str]:
    """The fields of ``model`` an admin can change (concrete and many-to-many, no primary key)."""
    names = []
    for field in model._meta.get_fields():
        if field.auto_created or not getattr(field, "editable", False):
            continue
        if getattr(field, "primary_key", False) or field.name in _NEVER_SNAPSHOT:
            continue
        if field.concrete or field.many_to_many:
            names.append(field.name)
    return names


def _approvals_link():
    return format_html(
        '<a href="{}">{}</a>', reverse("approvals:list"), _("Bekijk de goedkeuringen")
    )


def _tell_held(request, change_request) -> None:
    messages.warning(
        request,
        format_html(
            "{} {}",
            _(
                "Deze wijziging geeft toegang en wacht op goedkeuring door een tweede persoon "
                "(functionaris gegevensbescherming of een andere beheerder); tot dan verandert er "
                "niets (verzoek %(pk)s: %(summary)s)."
            )
            % {"pk": change_request.pk, "summary": change_request.summary},
            _approvals_link(),
        ),
    )


def refuse_self_grant(actor, grantee_id, state: dict) -> None:
    """An administrator never gives themselves a guarded role, not even for approval."""
    if (
        grantee_id is not None
        and grantee_id == actor.pk
        and policy.membership_state_is_guarded(state)
    ):
        raise ValidationError(
            _(
                "U kunt uzelf geen rol geven die toegang geeft tot casussen of tot goedkeuringen. "
                "Vraag een andere beheerder om dit lidmaatschap aan te vragen."
            )
        )


def membership_admin_save(request, membership: Membership):
    """Save ``membership`` from the admin, or hold it as a change request: a guarded grant, move
    or re-activation waits for a second person; anything else (a revocation) applies at once and
    is audited. Returns the ChangeRequest when held, else None."""
    stored = Membership.objects.filter(pk=membership.pk).first() if membership.pk else None
    old = services.values_of(stored, MEMBERSHIP_FIELDS) if stored is not None else None
    new = services.values_of(membership, MEMBERSHIP_FIELDS)
    if old == new:
        return None
    refuse_self_grant(request.user, membership.user_id, new)
    if policy.membership_change_needs_approval(old, new):
        changes = new if old is None else {k: v for k, v in new.items() if old[k] != v}
        held = services.change_request_create(
            actor=request.user,
            model=Membership,
            obj=stored,
            before={k: old[k] for k in changes} if old else {},
            changes=changes,
            subject_user=membership.user,
        )
        _tell_held(request, held)
        return held
    membership.save()
    audit_record(
        actor=request.user,
        action=AuditAction.MEMBERSHIP_CHANGED,
        subject_type="membership",
        subject_ref=str(membership.pk),
        extra={"old": old or {}, "new": new},
    )
    return None


def membership_admin_delete(request, membership: Membership) -> None:
    """Deleting revokes at once (least privilege), audited."""
    old, pk = services.values_of(membership, MEMBERSHIP_FIELDS), membership.pk
    membership.delete()
    audit_record(
        actor=request.user,
        action=AuditAction.MEMBERSHIP_CHANGED,
        subject_type="membership",
        subject_ref=str(pk),
        extra={"old": old, "new": {}},
    )


def _cascade(obj) -> dict[str, list[str]]:
    """What deleting ``obj`` deletes with it (model label → primary keys)."""
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    return {
        model._meta.label_lower: sorted(str(o.pk) for o in objs)
        for model, objs in collector.data.items()
        if model is not type(obj)
    }


class AuditedAdminMixin:
    """Audit every add, change and delete (bulk "delete selected" and inlines included) with old
    and new values; hold scope-widening changes for approval. Defaults: REFERENCE_CHANGED on the
    model's label; set audit_action, audit_subject or audit_fields to differ."""

    audit_action: str = AuditAction.REFERENCE_CHANGED
    audit_subject: str = ""
    audit_fields: list[str] | None = None

    # --- hooks ---
    def get_audit_fields(self) -> list[str]:
        return self.audit_fields or editable_fields(self.model)

    def audit_subject_for(self, obj) -> tuple[str, str]:
        return self.audit_subject or self.model._meta.label_lower, services.subject_ref(obj)

    def widening_applies(self, obj) -> bool:
        return True

    def audit_extra(self, request, form) -> dict:
        return {}

    # --- saving ---
    def _write_audit(self, request, obj, old, new, **extra) -> None:
        subject_type, ref = self.audit_subject_for(obj)
        audit_record(
            actor=request.user,
            action=self.audit_action,
            subject_type=subject_type,
            subject_ref=ref,
            extra={"old": old, "new": new, **extra},
        )

    def save_model(self, request, obj, form, change):
        stored = type(obj).objects.filter(pk=obj.pk).first() if change else None
        request._inbeeld_admin_old = (
            services.values_of(stored, self.get_audit_fields()) if stored is not None else {}
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        old = getattr(request, "_inbeeld_admin_old", {})
        new = services.values_of(obj, self.get_audit_fields())
        held = self._hold_widening(request, obj, old, new) if change else None
        if held is not None:
            new = services.values_of(obj, self.get_audit_fields())
        if old != new or not change:
            extra = self.audit_extra(request, form)
            if held is not None:
                extra["pending_approval"] = held.pk
            self._write_audit(request, obj, old, new, **extra)

    def _hold_widening(self, request, obj, old, new):
        label = obj._meta.label_lower
        widened = policy.widening_fields(label, old, new)
        if not widened or not self.widening_applies(obj):
            return None
        changes = {name: new[name] for name in widened}
        plain = []
        for name in widened:
            field = obj._meta.get_field(name)
            if field.many_to_many:
                getattr(obj, name).set(old.get(name) or [])
            else:
                setattr(obj, field.attname, old.get(name))
                plain.append(field.name)
        if plain:
            obj.save(update_fields=plain)
        held = services.change_request_create(
            actor=request.user,
            model=type(obj),
            obj=obj,
            before={name: old.get(name) for name in widened},
            changes=changes,
            subject_user=obj if label == services.USER else None,
        )
        _tell_held(request, held)
        return held

    def save_formset(self, request, form, formset, change):
        """Inline rows: audited one by one (memberships through membership_admin_save)."""
        formset.save(commit=False)
        model = formset.model
        fields = MEMBERSHIP_FIELDS if model is Membership else editable_fields(model)
        action, subject_type = services.audit_target(model._meta.label_lower)
        for obj in formset.deleted_objects:
            if model is Membership:
                membership_admin_delete(request, obj)
                continue
            old, pk = services.values_of(obj, fields), obj.pk
            obj.delete()
            audit_record(
                actor=request.user,
                action=action,
                subject_type=subject_type,
                subject_ref=str(pk),
                extra={"old": old, "new": {}},
            )
        # Stored rows before new ones (Django's own order): a code moved from a stored row to a
        # new row in one save is free by the time the new row is inserted.
        for obj in [*(o for o, _fields in formset.changed_objects), *formset.new_objects]:
            if model is Membership:
                membership_admin_save(request, obj)
                continue
            stored = model.objects.filter(pk=obj.pk).first() if obj.pk else None
            old = services.values_of(stored, fields) if stored is not None else {}
            obj.save()
            audit_record(
                actor=request.user,
                action=action,
                subject_type=subject_type,
                subject_ref=str(obj.pk),
                extra={"old": old, "new": services.values_of(obj, fields)},
            )
        formset.save_m2m()

    # --- deleting ---
    def delete_model(self, request, obj):
        old = services.values_of(obj, self.get_audit_fields())
        cascade = _cascade(obj)
        subject_type, ref = self.audit_subject_for(obj)
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action=self.audit_action,
            subject_type=subject_type,
            subject_ref=ref,
            extra={"old": old, "new": {}, "deleted_with_it": cascade},
        )

    def delete_queryset(self, request, queryset):
        """The bulk "delete selected" action: one audited delete per row, all or nothing."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.delete_model(request, obj)


class HeldAddMixin:
    """For a ModelAdmin whose save may be held (nothing saved): answer with the changelist and the
    message instead of the new object's page, and log nothing for an object that does not exist."""

    def _held(self, request) -> bool:
        return getattr(request, "_inbeeld_held", None) is not None

    def save_related(self, request, form, formsets, change):
        if not self._held(request):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        if not self._held(request):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not self._held(request):
            return super().log_change(request, obj, message)
        return None

    def _changelist(self):
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def response_add(self, request, obj, post_url_continue=None):
        if self._held(request):
            return self._changelist()
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self._held(request):
            return self._changelist()
        return super().response_change(request, obj)
