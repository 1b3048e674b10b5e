"""WSGI entry point for serving HTTP with several worker processes (gunicorn); see the README.

WebSockets still need the ASGI app (daphne); a reverse proxy routes /ws/ there.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hothour.settings.base")

application = get_wsgi_application()
