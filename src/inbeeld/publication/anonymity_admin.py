"""The microdata threshold (k and l) in the admin, for the administrator.

A new row sets the threshold (*toevoegen*, through the audited services.microdata_policy_set:
MICRODATA_POLICY_CHANGED with the old and new values); rows are never changed or deleted, so the
history of thresholds stays. Registered from PublicationConfig.ready() (the rest of the
publication admin lives in admin.py).
"""

from django.contrib import admin

from inbeeld import policy
from inbeeld.publication import models, services
from inbeeld.publication.admin import ReadOnlyPolicyAdminMixin


@admin.register(models.MicrodataPolicy)
class MicrodataPolicyAdmin(ReadOnlyPolicyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "k", "l_diversity", "actor"]
    fields = ["k", "l_diversity"]

    def has_add_permission(self, request, *args):
        return policy.may_administer(request.user)

    def save_model(self, request, obj, form, change):
        # Only adding reaches here (no change permission); the service checks and audits.
        created = services.microdata_policy_set(
            actor=request.user, k=obj.k, l_diversity=obj.l_diversity
        )
        obj.pk, obj.created_at, obj.actor = created.pk, created.created_at, created.actor
        obj._state.adding = False
