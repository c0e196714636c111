"""The watcher is watched where people look: the admin's red banner and the leads' e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from incidents.models import Incident
from portal.models import SchedulerHeartbeat, WatchOutage, WorkerHeartbeat
from portal.watch_alarm import leads_tell, watch_alarm
from tests.conftest import NOW
from tests.incidents.test_admin_queue import file_incident

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:incidents_incident_changelist")
BANNER = 'class="watch-alarm"'


@pytest.fixture(autouse=True)
def _alarm_on(settings):
    settings.WATCHER_ALARM = True
    settings.WATCHER_ALARM_AFTER_SECONDS = 6
    with time_machine.travel(NOW, tick=False):
        WorkerHeartbeat.objects.create(worker="celery@a", seen_at=NOW)
        SchedulerHeartbeat.objects.create(seen_at=NOW)
        yield


@pytest.fixture
def incident(organization, customer):
    return file_incident(organization, customer, title="Posting stopped", sev="A", at=NOW)


def sweep_last_seen(incident, seconds_ago: int) -> None:
    """The incident's next check was due this long ago and no sweep has taken it."""
    Incident.objects.filter(pk=incident.pk).update(next_check_at=NOW - dt.timedelta(seconds=seconds_ago))


def test_no_banner_while_the_watcher_keeps_up(client, engineer, incident):
    sweep_last_seen(incident, 4)  # within three sweeps
    client.force_login(engineer)
    assert BANNER not in client.get(QUEUE).content.decode()


def test_the_banner_appears_when_the_sweep_is_older_than_the_limit_and_goes_when_fresh(
    client, engineer, lead, incident
):
    sweep_last_seen(incident, 7)
    client.force_login(engineer)
    content = client.get(QUEUE).content.decode()
    assert BANNER in content
    assert "The background work has stopped since Mon 15:00." in content  # the engineer's zone (London: UTC)
    assert "The escalation sweep is behind: escalations do not fire." in content
    # Every admin page shows it, not only the queue.
    assert BANNER in client.get(reverse("admin:index")).content.decode()

    sweep_last_seen(incident, 1)
    assert BANNER not in client.get(QUEUE).content.decode()
    assert WatchOutage.objects.get().ended_at == NOW


def test_the_banner_says_when_no_worker_answers(client, engineer):
    WorkerHeartbeat.objects.update(seen_at=NOW - dt.timedelta(minutes=5))
    client.force_login(engineer)
    content = client.get(QUEUE).content.decode()
    assert "No worker answers: escalations, e-mails and webhooks are not sent." in content


def test_customers_pages_show_no_banner(client, customer, incident):
    sweep_last_seen(incident, 600)
    client.force_login(customer)
    assert BANNER not in client.get(reverse("incidents:list")).content.decode()
    assert not WatchOutage.objects.exists()


def test_the_leads_get_one_email_per_outage(client, engineer, other_engineer, lead, incident):
    sweep_last_seen(incident, 60)
    client.force_login(engineer)
    client.get(QUEUE)
    client.get(QUEUE)
    client.force_login(other_engineer)
    client.get(reverse("admin:index"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [lead.email]
    assert "escalations do not fire" in message.body

    # The sweep comes back: the outage ends; the next one is told again.
    sweep_last_seen(incident, 0)
    client.get(QUEUE)
    sweep_last_seen(incident, 60)
    client.get(QUEUE)
    assert len(mail.outbox) == 2
    assert WatchOutage.objects.count() == 2


def test_another_process_opened_the_outage_first_so_this_one_sends_nothing(lead, incident):
    sweep_last_seen(incident, 60)
    WatchOutage.objects.create(started_at=NOW - dt.timedelta(minutes=1), problems="watcher: behind")
    alarm = watch_alarm(now=NOW)
    assert alarm is not None
    assert alarm.since == NOW - dt.timedelta(minutes=1)
    assert mail.outbox == []


def test_the_leads_are_told_once_even_when_two_processes_try(lead):
    outage = WatchOutage.objects.create(started_at=NOW, problems="watcher: behind")
    problems = {"watcher": "escalation checks overdue by 60 s"}
    assert leads_tell(outage=outage, problems=problems, now=NOW) is True
    assert leads_tell(outage=outage, problems=problems, now=NOW) is False  # someone else got there first
    assert len(mail.outbox) == 1


def test_the_alarm_is_off_when_the_setting_says_so(settings, client, engineer, incident):
    settings.WATCHER_ALARM = False
    sweep_last_seen(incident, 600)
    client.force_login(engineer)
    assert BANNER not in client.get(QUEUE).content.decode()


def test_a_stopped_scheduler_is_named_as_such_not_blamed_on_the_workers(client, engineer):
    SchedulerHeartbeat.objects.update(seen_at=NOW - dt.timedelta(minutes=5))
    WorkerHeartbeat.objects.update(seen_at=NOW - dt.timedelta(minutes=5))
    client.force_login(engineer)
    content = client.get(QUEUE).content.decode()
    assert BANNER in content
    assert "The scheduler stopped" in content
    assert "No worker answers" not in content
