"""The Celery app: configured from Django settings (`CELERY_*`), tasks discovered in each app."""

import os

from celery import Celery

# Production unless told otherwise, like the WSGI and ASGI entry points (every process that
# imports `hothour` runs this first).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hothour.settings.production")

app = Celery("hothour")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks outside the apps' tasks.py modules.
app.conf.imports = ("core.outbox",)
