"""gunicorn's settings for every way the portal is served: `make demo` (Procfile), the
Dockerfile and docker-compose.yml, and `bench/bench_submissions.py`. gunicorn reads this
file from the working directory; the command line adds the address and the access log.

    WEB_CONCURRENCY   worker processes (default: 2 per core)
    WEB_THREADS       threads per worker (default 1: sync workers)
    WEB_KEEPALIVE     seconds an idle keep-alive connection is held, threaded workers only (default 2)

A request is mostly Python on the CPU plus a few database round trips: one process per
core would leave the cores idle while requests wait on PostgreSQL, and threads in one
process contend for its interpreter lock. Threaded workers also keep each keep-alive
connection in the process that accepted it, so a few busy clients can load one process
while another idles. Sync workers take a connection only when free, which spreads the
load evenly: two per core did best on the benchmark (docs/BENCHMARKS.md). Sync workers
expect a buffering reverse proxy or load balancer in front for slow clients, as every
production deployment has; more machines: more of these behind it.
"""

import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
threads = int(os.environ.get("WEB_THREADS") or 1)
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
