"""gunicorn's settings for every way the portal is served: `make demo` (Procfile), the
Dockerfile and docker-compose.yml, and `bench/bench_submissions.py`. gunicorn reads this
file from the working directory; the command line adds the address and the access log.

    WEB_CONCURRENCY   worker processes (default: 2 per core)
    WEB_THREADS       threads per worker (default 2)
    WEB_KEEPALIVE     seconds an idle keep-alive connection is held (default 2)

A request is mostly Python on the CPU and a few database round trips, so a worker per
core is not enough to keep the cores busy while others wait on PostgreSQL, and many
threads in one process only contend for its interpreter lock: two processes per core
with two threads each did best on the benchmark (docs/BENCHMARKS.md). More machines:
run more of these behind the load balancer; nothing is kept in a worker between requests.
"""

import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
threads = int(os.environ.get("WEB_THREADS") or 2)
worker_class = "gthread" if threads > 1 else "sync"
keepalive = int(os.environ.get("WEB_KEEPALIVE") or 2)

# Load Django and import every view in the master, then fork (portal/wsgi.py warms up
# without touching the database). A code change therefore needs a restart, not a HUP.
preload_app = True

# A worker that hangs past this is killed and replaced; requests are short.
timeout = 60
graceful_timeout = 30


def when_ready(server):
    # The preloaded application's objects live as long as the workers: the cyclic garbage
    # collector need not scan them in every worker (which also keeps their memory pages
    # shared after the fork). Python's documentation recommends this before forking.
    gc.freeze()


def post_fork(server, worker):
    # A request allocates tens of thousands of objects that reference counting frees; at
    # the default threshold (700) the young generation is scanned dozens of times per
    # request for nothing. Measured: about 10 % of a submission's CPU (docs/BENCHMARKS.md).
    gc.set_threshold(10_000, 20, 20)
