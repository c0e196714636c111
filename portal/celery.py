"""The Celery application: web, worker and beat all load settings from the environment."""

import os

from celery import Celery
from celery.app.amqp import AMQP
from kombu import Connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Seconds between a worker's attempts to reach a broker that went away (.env.example).
BROKER_RECONNECT_SECONDS = float(os.environ.get("BROKER_RECONNECT_SECONDS", "1"))


class BrokerConnection(Connection):
    """kombu's connection with a short, steady reconnect interval.

    A worker that lost the broker reconnects through `ensure_connection`, whose backoff
    (2, 4, 6 … up to 30 s apart, not a setting of Celery's) left steps that fell due during a
    Redis outage waiting up to 30 s after its return (docs/OPERATIONS.md). Retrying every
    second costs one refused connection per second while the broker is down.
    """

    def ensure_connection(self, *args, **kwargs):
        kwargs.setdefault("interval_start", BROKER_RECONNECT_SECONDS)
        kwargs.setdefault("interval_step", 0)
        kwargs.setdefault("interval_max", BROKER_RECONNECT_SECONDS)
        return super().ensure_connection(*args, **kwargs)


class PortalAMQP(AMQP):
    Connection = BrokerConnection


app = Celery("portal", amqp=PortalAMQP)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
