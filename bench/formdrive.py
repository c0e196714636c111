"""The client side of bench/bench_helpdesk.py: drive a form over HTTP, the same way for any site.

Each client GETs the form, posts its hidden fields with the side's visible ones and checks the
answer is the redirect of an accepted submission; a round measures submissions/s, latencies and
the CPU of the server's processes (and PostgreSQL's) while it runs.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench_submissions import PASSWORD, Client, cpu_seconds, processes

FORM_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w+)=["\']([^"\']*)["\']')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a form page, as a browser would post them."""
    fields = {}
    for tag in FORM_INPUT.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type", "").lower() == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def select_options(page: str, name: str) -> list[str]:
    """The non-empty option values of the <select name=...> on a form page."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
    return re.findall(r'<option value="([^"]+)"', match.group(1)) if match else []


@dataclass
class Side:
    """One application under test: where its form is and how a valid submission looks."""

    name: str
    port: int
    form_path: str
    db_url: str
    fields: Callable[[str, int, str], dict[str, str]]  # (form page, n, client name) -> visible fields
    accepted: re.Pattern[str]  # the redirect of an accepted submission; group 1 identifies it
    stored_sql: str  # the identifiers of every stored submission
    usernames: list[str] = field(default_factory=list)  # sign in first (the portal)
    server_pid: int = 0


@dataclass
class Round:
    side: str
    elapsed: float = 0.0
    posts: list[float] = field(default_factory=list)
    gets: list[float] = field(default_factory=list)
    cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)  # gunicorn, PostgreSQL, bench clients (s)
    load: tuple[float, float] = (0.0, 0.0)
    errors: list[str] = field(default_factory=list)


def form_page(client: Client, side: Side) -> str:
    status, _, page = client.request("GET", side.form_path)
    if status != 200:
        raise RuntimeError(f"GET {side.form_path}: HTTP {status}")
    return page


def submit(client: Client, side: Side, n: int, who: str, out: Round | None, accepted: list[str], page: str) -> None:
    """GET the form (unless `page` is given: --post-only), POST it filled in; record the
    submission if the answer accepted it."""
    began = time.perf_counter()
    page = page or form_page(client, side)
    fetched = time.perf_counter()
    form = hidden_fields(page) | side.fields(page, n, who)
    status, headers, _ = client.request("POST", side.form_path, form)
    done = time.perf_counter()
    match = side.accepted.search(headers.get("location", "")) if status == 302 else None
    if not match:
        raise RuntimeError(f"POST {side.form_path}: HTTP {status} {headers.get('location', '')}")
    accepted.append(match.group(1))
    if out is not None:
        out.gets.append(fetched - began)
        out.posts.append(done - fetched)


def drive(side: Side, args: argparse.Namespace, warmup: int, accepted: list[str]) -> Round:
    """`args.clients` concurrent clients, each `warmup` untimed then `args.per_client` timed submissions."""
    clients, per_client, limit = args.clients, args.per_client, args.round_seconds
    out = Round(side.name)
    start = threading.Barrier(clients + 1)
    deadline = time.monotonic() + limit

    def run(k: int) -> None:
        client = Client(side.port)
        who, page = f"client {k}", ""
        try:
            if side.usernames:
                who = side.usernames[k]
                token = client.csrf("/accounts/login/")
                credentials = {"csrfmiddlewaretoken": token, "username": who, "password": PASSWORD}
                status, _, _ = client.request("POST", "/accounts/login/", credentials)
                assert status == 302, f"login failed: HTTP {status}"
            for n in range(warmup):
                submit(client, side, n, who, None, accepted, "")
            page = form_page(client, side) if args.post_only else ""
        except Exception as exc:
            out.errors.append(f"{who}: setup {exc!r}")
        start.wait()
        for n in range(per_client):
            if time.monotonic() > deadline:
                out.errors.append(f"{who}: stopped after {n} submissions, the round's {limit:.0f} s were up")
                return
            try:
                submit(client, side, warmup + n, who, out, accepted, page)
            except Exception as exc:
                out.errors.append(f"{who}: {exc!r}")
                client = Client(side.port)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    server = processes(parent=side.server_pid)  # the master and its workers, forked by now
    database = processes(name="postgres") if side.db_url.startswith("postgres") else []
    before = (cpu_seconds(server), cpu_seconds(database), time.process_time())
    load = os.getloadavg()[0]
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    out.elapsed = time.perf_counter() - began
    after = (cpu_seconds(server), cpu_seconds(database), time.process_time())
    out.cpu = tuple(b - a for a, b in zip(before, after, strict=True))  # type: ignore[assignment]
    out.load = (load, os.getloadavg()[0])
    return out


def hello_round(port: int, server_pid: int, clients: int, requests: int) -> tuple[float, float, float]:
    """(requests/s, p50 s, gunicorn CPU s per request) of GET /hello/ on the helpdesk project."""
    latencies: list[float] = []
    start = threading.Barrier(clients + 1)

    def run() -> None:
        client = Client(port)
        start.wait()
        for _ in range(requests):
            began = time.perf_counter()
            status, _, _ = client.request("GET", "/hello/")
            if status == 200:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    pids = processes(parent=server_pid)
    cpu, began = cpu_seconds(pids), time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(pids) - cpu
    done = max(len(latencies), 1)
    return len(latencies) / elapsed, statistics.median(latencies or [0.0]), cpu / done


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(rounds: list[Round], postgres: bool, post_only: bool) -> dict[str, float]:
    """Prints one line per side (all its rounds together); returns submissions/s per side."""
    rates = {}
    for name in dict.fromkeys(r.side for r in rounds):
        mine = [r for r in rounds if r.side == name]
        done = sum(len(r.posts) for r in mine)
        elapsed = sum(r.elapsed for r in mine)
        posts = [x * 1000 for r in mine for x in r.posts]
        gets = [x * 1000 for r in mine for x in r.gets]
        cycles = [(g + p) * 1000 for r in mine for g, p in zip(r.gets, r.posts, strict=True)]
        per = max(done, 1) / 1000
        server, database, clients = (sum(r.cpu[i] for r in mine) / per for i in range(3))
        rates[name] = done / elapsed if elapsed else 0.0
        print(
            f"{name:>8}: {done} submissions in {elapsed:.2f} s -> {rates[name]:.1f}/s "
            f"(rounds: {', '.join(f'{len(r.posts) / r.elapsed:.1f}' for r in mine if r.elapsed)}); "
            f"POST p50 {percentile(posts, 50):.1f} ms, p95 {percentile(posts, 95):.1f} ms"
            + (
                ""
                if post_only
                else f"; GET p50 {percentile(gets, 50):.1f} ms; "
                f"GET+POST p50 {percentile(cycles, 50):.1f} ms, p95 {percentile(cycles, 95):.1f} ms"
            )
        )
        print(
            f"{'':>8}  CPU per submission ({'POST' if post_only else 'GET + POST'}): gunicorn {server:.1f} ms"
            + (f", PostgreSQL (every server process) {database:.1f} ms" if postgres else "")
            + f", bench clients {clients:.1f} ms; load average "
            + ", ".join(f"{r.load[0]:.2f} -> {r.load[1]:.2f}" for r in mine)
        )
    return rates
