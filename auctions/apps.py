from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Auctions")

    def ready(self) -> None:
        from core import metrics as core_metrics
        from core.api import health

        from . import metrics, ticker

        health.reports.connect(ticker.health_report)
        core_metrics.at_scrape.connect(metrics.read_at_scrape)
