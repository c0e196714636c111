"""The WSGI application that gunicorn serves (`gunicorn.conf.py` loads it in the master)."""

import datetime as dt
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Make the imports of a first request now: gunicorn preloads this module before it
    forks its workers (`preload_app`), so every worker starts warm and shares these pages
    of memory instead of importing them on its first requests. No database access here:
    a worker must not inherit a connection."""
    import holidays
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    holidays.country_holidays("US", years=dt.datetime.now(tz=dt.UTC).year)  # the holiday tables' registry


_warm_up()
