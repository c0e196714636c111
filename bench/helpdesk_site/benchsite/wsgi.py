"""The WSGI application; like portal/wsgi.py it imports the URLconf and views before gunicorn forks."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module (no database access)
