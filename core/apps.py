from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from celery.signals import before_task_publish, task_postrun, task_prerun

        from . import checks, logs, outbox
        from .api import health

        # The request id travels with the tasks a request queues (core.logs).
        before_task_publish.connect(logs.carry_to_task, weak=False)
        task_prerun.connect(logs.adopt_in_task, weak=False)
        task_postrun.connect(logs.leave_task, weak=False)
        health.reports.connect(outbox.health_report)
        checks.register()
