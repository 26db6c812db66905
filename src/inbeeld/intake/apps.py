from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "inbeeld.intake"
    label = "intake"
    verbose_name = "Signalen (vroegsignalering)"

    def ready(self) -> None:
        from inbeeld.accounts.home_panels import register
        from inbeeld.intake.feedback_views import home_news_panel
        from inbeeld.intake.home_counts import home_counts_panel

        # The signaller's news on the start page: accounts does not import intake (ADR 0012).
        register("signaller_news", home_news_panel)
        # Counts of what needs doing per role, each linking to its filtered list (issue 14 item 9).
        register("work_counts", home_counts_panel)
