"""Readiness checks for /readyz: each returns None when fine, else a short reason."""

from __future__ import annotations

from django.conf import settings


def database_check(connection) -> str | None:
    try:
        # Raw SQL on purpose: a round trip that reads no table, which no ORM query is.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"database unreachable: {exc.__class__.__name__}: {str(exc)[:200]}"
    return None


def broker_check(timeout: float = 2.0) -> str | None:
    """Open a connection to the Celery broker the worker uses, with a short timeout."""
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout, interval_start=0, interval_step=0)
            # A channel too: kombu's Redis channel pings the server when it opens.
            conn.default_channel  # noqa: B018
            if settings.CELERY_BROKER_URL.startswith("filesystem://"):
                from pathlib import Path

                folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
                if not folder.is_dir():
                    return f"broker folder {folder} is missing"
    except Exception as exc:
        return f"broker unreachable: {exc.__class__.__name__}: {str(exc)[:200]}"
    return None
