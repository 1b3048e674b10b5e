"""System checks that name what a deployment is missing before the first request trips over it."""

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import checks

MISSING_MANIFEST = "hothour.E001"


def static_manifest(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With manifest storage (production) every page that links a static file fails with a 500
    until `collectstatic` has written the manifest: say so at start-up instead."""
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    if manifest_name is None or staticfiles_storage.exists(manifest_name):
        return []
    return [
        checks.Error(
            f"The static files manifest {settings.STATIC_ROOT}/{manifest_name} is missing: "
            "every admin page would answer 500.",
            hint="Run `python manage.py collectstatic --noinput` (the image does it at build time), "
            "or point STATIC_ROOT at the collected files.",
            id=MISSING_MANIFEST,
        )
    ]


def register() -> None:
    # A deployment check (`check --deploy`, run by gunicorn's start-up): collectstatic itself runs
    # the ordinary checks, and must not be stopped by the manifest it is about to write.
    checks.register(static_manifest, checks.Tags.staticfiles, deploy=True)
