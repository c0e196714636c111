"""Fixtures for the fault tests: a Redis server of the test's own, that the test can stall,
stop and start again."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from tests.conftest import skip_or_fail


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, binary: str, port: int) -> None:
        self.binary, self.port = binary, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stall(self) -> None:
        """Frozen, as a host that stopped answering: connections open, nothing is read."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Gone, as a crashed server: connections are refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("redis-server not found (apt-get install redis-server)")
    server = RedisServer(binary, _spare_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cache_on(settings):
    """Point the cache, and with it sessions and the API throttles, at `url`."""

    def point(url: str) -> None:
        options = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25}  # as portal/settings.py
        default = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "OPTIONS": options}
        settings.CACHES = {
            "default": {**default, "OPTIONS": {**options, "IGNORE_EXCEPTIONS": True}},
            "limits": default,
            "sla_fragments": settings.CACHES["sla_fragments"],
        }

    return point


class WebProcess:
    """gunicorn serving the portal with the project's gunicorn.conf.py, as in production."""

    def __init__(self, port: int, process: subprocess.Popen, log) -> None:
        self.port, self.process, self.log = port, process, log
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
def web_process(transactional_db):
    """Start gunicorn against the test database with `env` added to its environment."""
    import sys
    from pathlib import Path

    import requests
    from django.conf import settings

    from tests.conftest import worker_environment

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        skip_or_fail("gunicorn executable not found")
    started: list[WebProcess] = []

    def start(env: dict[str, str]) -> WebProcess:
        port = _spare_port()
        log = Path(settings.VAR_DIR) / f"test-web-{os.getpid()}-{port}.log"
        args = [gunicorn, "portal.wsgi", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--timeout", "60"]
        environment = {**worker_environment(), "WEB_CONCURRENCY": "2", **env}
        process = subprocess.Popen(
            args, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )
        web = WebProcess(port, process, log)
        started.append(web)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:
                if requests.get(f"{web.url}/readyz", timeout=2).status_code == 200:
                    return web
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")

    yield start
    for web in started:
        if web.process.poll() is None:
            web.process.terminate()
            try:
                web.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                web.process.kill()


def pytest_ignore_collect(collection_path, config):
    """The stalled-server and the concurrent-submission tests need a server with row locks:
    they run in the PostgreSQL configuration (CI's second run). SQLite has neither; a locked
    file is waited for `timeout` seconds."""
    if collection_path.name in ("test_database_stall.py", "test_concurrent_submissions.py"):
        return not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    return None
