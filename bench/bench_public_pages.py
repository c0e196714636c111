"""The public pages: cold render CPU, and cached requests/s through gunicorn, in one run.

For each public page (SLA, lifecycle, contacts, roadmap, CfMD compliance, the help centre's
index, a category and an article, the feed and the sitemap):

- **cold render**: CPU per request of rendering it in-process with the public cache's
  content version bumped before each request (what the first visitor after a change pays);
- **cached**: requests/s and gunicorn CPU per request (from /proc) under Debian's `wrk` (a C
  load generator: a Python client saturates before the bare view does) with `--clients`
  keep-alive connections (anonymous, no cookies: a crawler or a first-time visitor), through
  the portal's gunicorn (the project's gunicorn.conf.py) on the demo data, with the shared
  cache on Redis (`--cache-url`, default redis://127.0.0.1:6379/7) or, without Redis, a
  file cache. `--baseline PATH` serves a second checkout (e.g. a clone at main) on the same
  database and cache too, measured page by page beside this one: before and after, one run.

Side by side in the same run: a bare "hello" view in a minimal Django project, and
django-helpdesk 2.6.1's knowledge-base index (`/kb/`, its own virtualenv, the same
gunicorn shape), both from bench/bench_helpdesk.py's set-up. Prints a table and the ratios
asked for in issue 16 (cached page / hello, our help centre / helpdesk's).

    DEBUG=true .venv/bin/python bench/bench_public_pages.py [--clients 16] [--seconds 8] [--baseline ../main-clone]

`--cold-only` measures the cold renders alone (no gunicorn, no django-helpdesk: a few
seconds after the seeding); `--database NAME` names the throwaway database (dropped and
created again; default portal_bench_public), so that several checkouts can run it at once.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import redis
from bench_helpdesk import BASE_DIR, SITE, helpdesk_site, helpdesk_venv, serve
from bench_submissions import cpu_seconds, database_url, free_port, processes, server_environment

WRK = "/usr/bin/wrk"

VAR = BASE_DIR / "var" / "bench-public"
OURS_DB = "portal_bench_public"
HELPDESK_DB = "helpdesk_bench_public"

HELPDESK_KB_SEED = """
from helpdesk.models import KBCategory, KBItem
for c in range(6):
    category = KBCategory.objects.create(name=f"Category {c}", title=f"Category {c}", slug=f"category-{c}",
                                         description="Articles about setting up and running the add-on.")
    for i in range(8):
        KBItem.objects.create(category=category, title=f"Article {c}.{i}", question="How do I post?",
                              answer="Open the journal and post it.", votes=0, recommendations=0)
"""

COLD_RENDER = """
import json, sys, time
from django.test import Client
from core.public_version import public_version_bump
urls, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
client = Client(HTTP_HOST="127.0.0.1")
out = {}
for url in urls:
    client.get(url)  # imports, template loading, calendars: what a running process has
    cpu = []
    for _ in range(repeat):
        public_version_bump()
        began = time.process_time()
        response = client.get(url)
        cpu.append(time.process_time() - began)
        assert response.status_code == 200, (url, response.status_code)
    out[url] = sorted(cpu)[len(cpu) // 2]
print(json.dumps(out))
"""

URLS_CODE = """
import json
from django.urls import reverse
from knowledgebase.models import Article, ArticleStatus, Category
article = Article.objects.filter(status=ArticleStatus.PUBLISHED, visibility="public").order_by("pk").first()
category = Category.objects.order_by("pk").first()
print(json.dumps({
    "SLA": reverse("sla:page"),
    "lifecycle": reverse("cfmd:lifecycle"),
    "contacts": reverse("cfmd:contacts"),
    "roadmap": reverse("cfmd:roadmap"),
    "CfMD compliance": reverse("cfmd:cfmd"),
    "help centre index": reverse("kb:index"),
    "category": reverse("kb:category", kwargs={"slug": category.slug}),
    "article": reverse("kb:article", kwargs={"slug": article.slug}),
    "feed": reverse("kb:feed"),
    "sitemap": reverse("sitemap"),
}))
"""


def load(port: int, server_pid: int, path: str, clients: int, seconds: float) -> tuple[float, float, float]:
    """(requests/s, p50 s, gunicorn CPU s per request) of `wrk` GETs of `path` for `seconds`."""
    pids = processes(parent=server_pid)
    cpu = cpu_seconds(pids)
    command = [WRK, "-t2", f"-c{clients}", f"-d{seconds:g}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pids) - cpu
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"{path}: answers that were not 200:\n{out}")
    done = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0}[p50.group(2)]
    return rate, float(p50.group(1)) * scale, cpu / max(done, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of load per page (8)")
    parser.add_argument("--cold-repeat", type=int, default=15, help="cold renders per page (15)")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--database", default=OURS_DB, help=f"throwaway database, dropped first ({OURS_DB})")
    parser.add_argument("--cold-only", action="store_true", help="only the cold renders (no gunicorn, no helpdesk)")
    parser.add_argument("--baseline", type=Path, help="another checkout to serve beside this one (before/after)")
    args = parser.parse_args()

    VAR.mkdir(parents=True, exist_ok=True)
    ours_url, description = database_url(args.database, VAR)
    env = server_environment(ours_url, VAR / "ours") | {"CACHE_URL": args.cache_url}
    try:
        redis.Redis.from_url(args.cache_url, socket_connect_timeout=1).ping()
    except Exception:
        env["CACHE_URL"] = f"filecache://{VAR / 'cache'}"
    print(f"database: {description}; cache: {env['CACHE_URL']}", flush=True)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["seed_demo", "--force-without-debug"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
        )
    urls = eval_json(env, URLS_CODE)
    cold = eval_json(env, COLD_RENDER, [json.dumps(list(urls.values())), str(args.cold_repeat)])
    if args.cold_only:
        print(f"\ncold render CPU, median of {args.cold_repeat}\n\n| page | cold render CPU |\n|---|---:|")
        for name, path in urls.items():
            print(f"| {name} | {cold[path] * 1000:.1f} ms |")
        return 0

    python = helpdesk_venv()
    helpdesk_db = HELPDESK_DB if args.database == OURS_DB else f"{args.database}_helpdesk"
    helpdesk_url, _ = database_url(helpdesk_db, VAR)
    helpdesk_env = helpdesk_site(python, helpdesk_url)
    subprocess.run([python, "manage.py", "shell", "-c", HELPDESK_KB_SEED], cwd=SITE, env=helpdesk_env, check=True)

    def bind(port: int) -> list[str]:
        return ["--config", str(BASE_DIR / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "--no-control-socket"]

    ours_port, helpdesk_port, base_port = free_port(), free_port(), free_port()
    servers = []
    results: dict[str, tuple[float, float, float]] = {}
    before: dict[str, tuple[float, float, float]] = {}
    try:
        servers.append(
            serve(
                [Path(sys.executable).parent / "gunicorn", "portal.wsgi", *bind(ours_port)],
                BASE_DIR,
                env,
                VAR / "ours-gunicorn.log",
                ours_port,
            )
        )
        servers.append(
            serve(
                [python.parent / "gunicorn", "benchsite.wsgi", *bind(helpdesk_port)],
                SITE,
                helpdesk_env,
                VAR / "helpdesk-gunicorn.log",
                helpdesk_port,
            )
        )
        if args.baseline:
            base_gunicorn = [Path(sys.executable).parent / "gunicorn", "portal.wsgi", *bind(base_port)]
            servers.append(serve(base_gunicorn, args.baseline, env, VAR / "baseline-gunicorn.log", base_port))
        ours_pid, helpdesk_pid = servers[0].pid, servers[1].pid
        results["hello (bare Django)"] = load(helpdesk_port, helpdesk_pid, "/hello/", args.clients, args.seconds)
        for name, path in urls.items():
            load(ours_port, ours_pid, path, 2, 1)  # warm: each worker renders and stores it
            results[name] = load(ours_port, ours_pid, path, args.clients, args.seconds)
            if args.baseline:
                load(base_port, servers[2].pid, path, 2, 1)
                before[name] = load(base_port, servers[2].pid, path, args.clients, args.seconds)
        results["django-helpdesk /kb/"] = load(helpdesk_port, helpdesk_pid, "/kb/", args.clients, args.seconds)
        results["hello again"] = load(helpdesk_port, helpdesk_pid, "/hello/", args.clients, args.seconds)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)

    hello = (results["hello (bare Django)"][0] + results["hello again"][0]) / 2
    hello_cpu = (results["hello (bare Django)"][2] + results["hello again"][2]) / 2
    print(f"\nwrk -t2 -c{args.clients} -d{args.seconds:g}s per page, keep-alive, anonymous\n")
    print("| page | cold render CPU | cached req/s | p50 | gunicorn CPU per request | share of hello | CPU / hello's |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (rate, p50, cpu) in results.items():
        path = urls.get(name)
        cold_ms = f"{cold[path] * 1000:.1f} ms" if path in cold else ""
        row = f"{rate:,.0f} | {p50 * 1000:.1f} ms | {cpu * 1000:.2f} ms | {rate / hello:.0%} | {cpu / hello_cpu:.2f}x"
        print(f"| {name} | {cold_ms} | {row} |")
        if name in before:
            rate, p50, cpu = before[name]
            row = (
                f"{rate:,.0f} | {p50 * 1000:.1f} ms | {cpu * 1000:.2f} ms | {rate / hello:.0%} | {cpu / hello_cpu:.2f}x"
            )
            print(f"| {name}, baseline | | {row} |")
    ratio = results["help centre index"][0] / results["django-helpdesk /kb/"][0]
    print(f"\nhelp centre index / django-helpdesk's /kb/: {ratio:.1f}x")
    return 0


def eval_json(env: dict[str, str], code: str, argv: list[str] | None = None) -> dict:
    script = (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script + code, *(argv or [])],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
