"""Re-posts of a submission, other submissions of the same organisation and the escalation
sweep, all at once on PostgreSQL: no deadlock (the server's own counter does not move), and
every re-post answered with the incident its key filed (issue 26.1)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections, transaction

from accounts.models import Contract
from escalation.watcher import escalation_sweep
from incidents.models import Incident
from incidents.services import NewIncident
from incidents.services.customer import incident_submit
from tests.conftest import NOW, skip_or_fail
from tests.factories import severity

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROUNDS = 12


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _in_thread(work, errors: list[BaseException]):
    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def test_re_posts_the_sweep_and_other_submissions_never_deadlock(organization, customer, colleague):
    if connection.vendor != "postgresql":
        skip_or_fail("row locks and deadlocks are PostgreSQL's (run with DATABASE_URL=postgres://...)")
    Contract.objects.filter(organization=organization).update(incidents_allotted=10_000)
    data = NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3")
    before = _deadlocks()
    errors: list[BaseException] = []
    answers: list[tuple[uuid.UUID, int, bool]] = []
    lock = threading.Lock()

    def submit(token: uuid.UUID, by) -> None:
        incident, created = incident_submit(
            organization=organization, submitted_by=by, data=data, submission_token=token, now=NOW
        )
        with lock:
            answers.append((token, incident.pk, created))

    def sweep() -> None:
        for _ in range(ROUNDS * 3):
            escalation_sweep(now=NOW)

    for _ in range(ROUNDS):
        tokens = [uuid.uuid4() for _ in range(3)]
        threads = [_in_thread(sweep, errors)]
        for token in tokens:
            # The first post and two re-posts of the same key, racing; a colleague's own
            # submission of the same organisation queues for the same contract.
            threads += [_in_thread(lambda t=token: submit(t, customer), errors) for _ in range(3)]
            threads.append(_in_thread(lambda: submit(uuid.uuid4(), colleague), errors))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # Re-posts after success, with the sweep and new submissions again.
        threads = [_in_thread(sweep, errors)]
        threads += [_in_thread(lambda t=token: submit(t, customer), errors) for token in tokens]
        threads += [_in_thread(lambda: submit(uuid.uuid4(), colleague), errors) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert _deadlocks() == before
    by_token: dict[uuid.UUID, set[int]] = {}
    created: dict[uuid.UUID, int] = {}
    for token, pk, was_created in answers:
        by_token.setdefault(token, set()).add(pk)
        created[token] = created.get(token, 0) + was_created
    assert all(len(pks) == 1 for pks in by_token.values())  # every re-post got its incident
    assert all(count == 1 for count in created.values())  # and only the first one created it
    assert Incident.objects.filter(organization=organization).count() == len(by_token)


def test_a_re_post_answers_while_another_submission_holds_the_contract(organization, customer):
    """The re-post finds its incident by its key before it locks anything: it does not
    queue behind the organisation's other submissions."""
    if connection.vendor != "postgresql":
        skip_or_fail("row locks are PostgreSQL's (run with DATABASE_URL=postgres://...)")
    token = uuid.uuid4()
    data = NewIncident(title="Bin codes", description="x", severity=severity("B"), product_text="CAW 24.3")
    first, _ = incident_submit(
        organization=organization, submitted_by=customer, data=data, submission_token=token, now=NOW
    )
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_the_contract() -> None:
        with transaction.atomic():
            list(Contract.objects.filter(organization=organization).select_for_update())
            locked.set()
            release.wait(timeout=30)

    holder = _in_thread(hold_the_contract, errors)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting would fail, not hang
        again, created = incident_submit(
            organization=organization, submitted_by=customer, data=data, submission_token=token, now=NOW
        )
    finally:
        release.set()
        holder.join(timeout=30)
    assert (again.pk, created) == (first.pk, False)
    assert errors == []
