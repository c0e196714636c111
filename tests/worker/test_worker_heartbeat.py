import time

import pytest

from portal.models import WorkerHeartbeat
from portal.tasks import worker_heartbeat

pytestmark = [pytest.mark.worker]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_from_the_broker(celery_worker_process):
    celery_worker_process("hb")
    worker_heartbeat.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        time.sleep(0.2)
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker.startswith("hb@")
