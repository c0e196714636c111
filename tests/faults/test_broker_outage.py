"""Redis, broker and cache at once, stopped under load and started again.

The worst case of a deployment: the cache on the broker's Redis (docker-compose.yml gives the
cache one of its own, docs/OPERATIONS.md says why). gunicorn with the project's settings, a
worker with beat, both on a Redis of the test's own; customers keep filing incidents through
the API and reading pages while Redis is down. Required: no 5xx, nothing lost or doubled,
every new-incident email sent within 30 s of Redis's return (the outbox's re-send, with the
production periods) and the escalation steps that fell due during the outage fired within
5 s of it (the worker's reconnect, portal/celery.py, and the 2 s sweep).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.api.services import api_token_create
from accounts.models import Contract
from escalation.models import EscalationEvent
from escalation.watcher import escalation_sweep
from incidents.models import Incident
from incidents.services import NewIncident, incident_create
from notify.models import Delivery, DeliveryStatus
from notify.sending import message_id
from sla.models import ResponseTarget
from tests.escalation.test_worker import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# How long Redis stays down: 25 s keeps the suite fast; issue 26.4's 45 s outage is run with
# PORTAL_BROKER_OUTAGE_SECONDS=45 (the bounds asserted below stay the same).
OUTAGE_SECONDS = int(os.environ.get("PORTAL_BROKER_OUTAGE_SECONDS", "25"))


def signed_in(web, user) -> requests.Session:
    """A browser session of `user` on `web` (signed in here: the test settings' password
    hasher is not the production one gunicorn runs with)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert session.get(f"{web.url}/incidents/", timeout=10, allow_redirects=False).status_code == 200
    return session


def test_redis_stopped_under_load_costs_no_error_loses_nothing_and_everything_catches_up(
    redis_server, celery_worker_process, web_process, tmp_path, sla, organization, customer
):
    mail = tmp_path / "mail"
    env = {
        "CELERY_BROKER_URL": redis_server.url,
        "CACHE_URL": redis_server.url.removesuffix("/0") + "/1",
        "EMAIL_URL": f"filemail:///{mail}",
        "API_THROTTLE_TOKEN_RATE": "1000/min",  # the load below is one customer's
    }
    web = web_process(env)
    celery_worker_process("outage", beat=True, env=env)
    # Severity A with a one-minute target: filed 37 s ago, its warning (75 %, 45 s) and its
    # breach (60 s) fall due while Redis is down.
    Contract.objects.filter(organization=organization).update(incidents_allotted=1000)
    ResponseTarget.objects.filter(plan__code="professional-direct", severity__code="A").update(minutes=1)
    escalated = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Shipments cannot be posted", description="x", severity=sla["severities"]["A"]),
        now=timezone.now() - dt.timedelta(seconds=37),
    ).incident
    escalation_sweep(now=timezone.now())  # planned, as the worker's sweep would
    Delivery.objects.all().delete()  # its emails went to this process's broker, not the test's
    _, raw_key = api_token_create(user=customer, name="Integration", now=timezone.now())
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {raw_key}"
    browser = signed_in(web, customer)

    statuses: Counter[tuple[str, int]] = Counter()
    keys: list[str] = []

    def load() -> None:
        key = str(uuid.uuid4())
        payload = {
            "title": "Bin codes are blank",
            "description": "Since the upgrade.",
            "severity": "C",
            "product_text": "CAW 24.3",
        }
        answer = api.post(f"{web.url}/api/v1/incidents/", json=payload, headers={"Idempotency-Key": key}, timeout=15)
        statuses["api submit", answer.status_code] += 1
        assert answer.status_code in (201, 500, 502, 503), answer.text  # 5xx: counted below
        if answer.status_code == 201:
            keys.append(key)
        for label, session, path in [
            ("incident list", browser, "/incidents/"),
            ("api list", api, "/api/v1/incidents/"),
            ("SLA page", requests, "/support/"),
            ("readyz", requests, "/readyz"),
        ]:
            statuses[label, session.get(f"{web.url}{path}", timeout=15).status_code] += 1

    load()
    redis_server.stop()
    stopped = time.monotonic()
    while time.monotonic() - stopped < OUTAGE_SECONDS:
        began = time.monotonic()
        load()
        time.sleep(max(0.0, 0.5 - (time.monotonic() - began)))
    assert not EscalationEvent.objects.filter(incident=escalated).exists()  # nothing could run
    redis_server.start()
    back = time.monotonic()
    load()

    # Pages and the API answered throughout: no 5xx, every submission accepted.
    assert all(code < 500 for (_, code) in statuses), statuses
    assert statuses["api submit", 201] == len(keys) >= 3, statuses
    # The steps due during the outage fired within 5 s of Redis's return.
    wait_for(
        lambda: EscalationEvent.objects.filter(incident=escalated).count() == 2,
        timeout=15,
        message="the warning and the breach",
    )
    assert time.monotonic() - back <= 5 + 1  # one second of polling slack
    # Every new-incident email went out within 30 s of the return, each once.
    numbers = [incident.number for incident in Incident.objects.exclude(pk=escalated.pk)]
    assert len(numbers) == len(keys)

    def outbox_empty() -> bool:
        return not Delivery.objects.filter(reference__in=numbers, status=DeliveryStatus.PENDING).exists()

    wait_for(outbox_empty, timeout=40, message="every new-incident email sent")
    assert time.monotonic() - back <= 30
    assert Delivery.objects.filter(reference__in=numbers, channel="email").count() == 2 * len(numbers)
    sent = Counter(
        line.split(":", 1)[1].strip()
        for path in Path(mail).glob("*.log")
        for line in path.read_text().splitlines()
        if line.startswith("Message-ID:")
    )
    emails = Delivery.objects.filter(reference__in=numbers, channel="email")
    assert {message_id(row) for row in emails} <= set(sent)
    assert max(sent.values()) == 1, sent
    # A client retrying a submission with its Idempotency-Key gets the same incident.
    again = api.post(
        f"{web.url}/api/v1/incidents/",
        json={
            "title": "Bin codes are blank",
            "description": "Since the upgrade.",
            "severity": "C",
            "product_text": "CAW 24.3",
        },
        headers={"Idempotency-Key": keys[0]},
        timeout=15,
    )
    assert again.status_code in (200, 201)
    assert Incident.objects.count() == len(keys) + 1


def test_a_stalled_broker_costs_one_request_its_socket_timeout_and_the_next_ones_nothing(
    redis_server, web_process, customer
):
    """A broker that stops answering (not refusing): a request that enqueues a task waits at
    most the broker's socket timeout once (one publish attempt), and the same process then
    leaves the broker alone for BROKER_RETRY_SECONDS (core/broker_guard.py). The password
    reset is such a request: its page answers the same either way."""
    web = web_process(
        {
            "CELERY_BROKER_URL": redis_server.url,
            "BROKER_SOCKET_TIMEOUT_SECONDS": "2",
            "BROKER_RETRY_SECONDS": "3",
            "CACHE_URL": "locmemcache://",  # this test's rate-limit counts only
            "PASSWORD_RESET_EMAIL_RATE": "100/hour",
            "WEB_CONCURRENCY": "1",  # one process: the pause is per process
        }
    )
    queue = redis.Redis.from_url(redis_server.url)
    browser = requests.Session()
    page = browser.get(f"{web.url}/accounts/password-reset/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def reset_requested() -> float:
        began = time.monotonic()
        answer = browser.post(
            f"{web.url}/accounts/password-reset/",
            data={"email": customer.email, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{web.url}/accounts/password-reset/"},
            timeout=30,
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:300]
        return time.monotonic() - began

    def queued() -> int:
        return sum(queue.llen(name) for name in queue.keys("portal-test-*") if queue.type(name) == b"list")

    reset_requested()
    assert queued() == 1
    redis_server.stall()
    try:
        waited = reset_requested()
        assert 1.5 <= waited <= 2 + 1.5  # one attempt, cut by the socket timeout
        assert reset_requested() <= 1.0  # left alone: no wait at all
    finally:
        redis_server.resume()
    time.sleep(3.1)  # BROKER_RETRY_SECONDS
    assert reset_requested() <= 1.0
    assert queued() >= 2  # enqueued again (the stalled attempt may have landed too)
