"""The gunicorn settings every deployment uses, and the preloaded WSGI module."""

from __future__ import annotations

import gc
import importlib
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load(monkeypatch, **env: str) -> dict:
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_KEEPALIVE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_two_sync_processes_per_core_preloaded(monkeypatch):
    import multiprocessing

    conf = load(monkeypatch)
    assert conf["workers"] == 2 * multiprocessing.cpu_count()
    assert (conf["threads"], conf["worker_class"], conf["preload_app"]) == (1, "sync", True)


def test_the_environment_overrides_and_threads_mean_threaded_workers(monkeypatch):
    conf = load(monkeypatch, WEB_CONCURRENCY="5", WEB_THREADS="4", WEB_KEEPALIVE="0")
    assert (conf["workers"], conf["threads"], conf["worker_class"], conf["keepalive"]) == (5, 4, "gthread", 0)


def test_the_hooks_freeze_the_preloaded_objects_and_raise_the_young_threshold(monkeypatch):
    conf = load(monkeypatch)
    threshold = gc.get_threshold()
    try:
        conf["when_ready"](server=None)
        assert gc.get_freeze_count() > 0
        conf["post_fork"](server=None, worker=None)
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.django_db
def test_the_wsgi_module_warms_up_without_a_query(django_assert_num_queries):
    import portal.wsgi

    with django_assert_num_queries(0):
        module = importlib.reload(portal.wsgi)
    assert callable(module.application)
