"""The privacy-budget ledger in the admin, for the administrator.

The administrator fixes a data set's budget (*toevoegen*, through the audited
services.budget_create) and reads the ledger: per budget what is spent and what remains, with its
releases (read-only). A budget is never changed or deleted, and releases are append-only, so
nothing here can be edited; researchers spend the budget through services.dp_release.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inbeeld import policy
from inbeeld.administration.mixins import PolicyAdminMixin
from inbeeld.publication import models, services


class ReadOnlyPolicyAdminMixin(PolicyAdminMixin):
    """Viewable by whoever may administer; never changed or deleted."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PrivacyReleaseInline(ReadOnlyPolicyAdminMixin, admin.TabularInline):
    model = models.PrivacyRelease
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "epsilon", "query", "labels", "values", "mechanism"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.PrivacyBudget)
class PrivacyBudgetAdmin(ReadOnlyPolicyAdminMixin, admin.ModelAdmin):
    list_display = ["dataset", "label", "epsilon_total", "spent", "remaining", "created_at"]
    fields = ["dataset", "label", "epsilon_total"]
    inlines = [PrivacyReleaseInline]

    def has_add_permission(self, request, *args):
        return policy.may_administer(request.user)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new budget has no releases

    @admin.display(description=_("besteed"))
    def spent(self, obj):
        return obj.epsilon_spent()

    @admin.display(description=_("over"))
    def remaining(self, obj):
        return obj.epsilon_remaining()

    def save_model(self, request, obj, form, change):
        # Only adding reaches here (no change permission); the service checks and audits.
        created = services.budget_create(
            actor=request.user,
            dataset=obj.dataset,
            label=obj.label,
            epsilon_total=obj.epsilon_total,
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False
