"""WSGI entry point for serving HTTP with several worker processes (gunicorn); see the README.

WebSockets still need the ASGI app (daphne); a reverse proxy routes /ws/ there.
"""

import os

from django.core.wsgi import get_wsgi_application

# Production unless told otherwise: a server started without it must not run the development
# settings (console email, demo secret key). The run and test commands set their own.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hothour.settings.production")

application = get_wsgi_application()
