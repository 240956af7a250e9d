"""WSGI entry point for `saferleeds serve` and any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferleeds.settings")
application = get_wsgi_application()
