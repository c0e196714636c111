"""Beat's schedule as django-celery-beat's DatabaseScheduler stores it: every tick expires
before the next one, so that an outage's held-up ticks are not replayed afterwards."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from portal.celery import app

pytestmark = pytest.mark.django_db(transaction=True)  # the scheduler closes old connections


def test_each_scheduled_task_is_stored_with_an_expiry_shorter_than_its_interval(settings):
    scheduler = DatabaseScheduler(app=app, lazy=True)
    scheduler.setup_schedule()

    stored = {task.name: task for task in PeriodicTask.objects.all()}
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(stored)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = stored[name]
        assert task.expire_seconds is not None, name
        assert 0 < task.expire_seconds < entry["schedule"], name
        # ... and beat sends it with that expiry.
        assert scheduler.schedule[name].options["expires"] == task.expire_seconds


def test_the_sweep_deliveries_and_bulk_jobs_have_queues_of_their_own(settings):
    routes = settings.CELERY_TASK_ROUTES
    sweep = routes["escalation.sweep"]["queue"]
    deliveries = routes["notify.deliver"]["queue"]
    bulk = routes["escalation.policy_refresh"]["queue"]
    assert routes["notify.resend"]["queue"] == deliveries
    assert len({sweep, deliveries, bulk, settings.CELERY_TASK_DEFAULT_QUEUE}) == 4
    # A worker started as the Procfile, docker-compose.yml and the tests start it consumes them all.
    assert settings.WORKER_QUEUES[0] == sweep
    assert set(settings.WORKER_QUEUES) == {sweep, deliveries, bulk, settings.CELERY_TASK_DEFAULT_QUEUE}
    assert app.amqp.router.route({}, "escalation.sweep")["queue"].name == sweep
