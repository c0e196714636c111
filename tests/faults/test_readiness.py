"""/readyz/workers while things are down: always JSON, the failing part named (issue 26.3),
and beat's own heartbeat written by the beat process's scheduler (issue 26.2)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django_celery_beat.schedulers import DatabaseScheduler

from portal.beat import BEAT_HEARTBEAT_SECONDS, HeartbeatScheduler, scheduler_heartbeat_record
from portal.celery import app
from portal.models import SchedulerHeartbeat

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

TOKEN = "a-monitor-token-of-thirty-two-chars!"


def _database_down(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def test_readyz_workers_answers_json_naming_the_database_when_it_is_down(settings):
    settings.READINESS_TOKEN = TOKEN
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_down):
        public = client.get("/readyz/workers")
        monitor = client.get("/readyz/workers", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert public.status_code == monitor.status_code == 503
    assert public["Content-Type"] == monitor["Content-Type"] == "application/json"
    assert public.json() == {"status": "unavailable"}
    body = monitor.json()
    assert body["failed"][0] == "database"
    assert body["checks"]["scheduler"] == "not known: the database is unreachable"


def test_the_beat_scheduler_records_its_own_heartbeat(monkeypatch):
    # django-celery-beat's own tick (which sends the due tasks and closes old connections) is
    # not what this test is about.
    monkeypatch.setattr(DatabaseScheduler, "tick", lambda self, *args, **kwargs: 60.0)
    scheduler = HeartbeatScheduler(app=app, lazy=True)
    assert not SchedulerHeartbeat.objects.exists()
    assert scheduler.tick() == BEAT_HEARTBEAT_SECONDS  # it ticks again in time to record the next
    assert SchedulerHeartbeat.objects.count() == 1


def test_beat_keeps_ticking_when_it_cannot_record_its_heartbeat(caplog):
    with connection.execute_wrapper(_database_down):
        scheduler_heartbeat_record()  # logged, not raised
    assert "could not record its heartbeat" in caplog.text
