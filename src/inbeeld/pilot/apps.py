from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PilotConfig(AppConfig):
    name = "inbeeld.pilot"
    label = "pilot"
    verbose_name = "Proeftuin"

    def ready(self) -> None:
        from inbeeld.cases.selectors import case_list_extend
        from inbeeld.pilot.models import EFFECTIVE_DELIVERY, Delivery, Intervention
        from inbeeld.pilot.sync import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self)
        # The case list's "reached by an intervention" filter: cases does not import the pilot.
        case_list_extend(
            "reached_by",
            choices=Intervention.objects.all,
            apply=lambda cases, code: cases.filter(
                pk__in=Delivery.objects.filter(
                    EFFECTIVE_DELIVERY, intervention__code=code, delivered=True
                ).values("case_id")
            ),
        )
