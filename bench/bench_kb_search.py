"""Benchmark: knowledge-base search and incident-form suggestions over 10,000 articles.

Runs on PostgreSQL (the full-text search path): creates a throwaway database
`portal_bench_kb` on BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
migrates it, inserts 10,000 published articles (trigger-maintained weighted tsvector, GIN
index), then times the real selectors end to end (SQL, pagination count, ts_headline
snippets, model instances): search p50/p95 with and without filters, a German search, and
suggestions p95. Drops the database at the end. Target: search p95 under 50 ms.

    DEBUG=true .venv/bin/python bench/bench_kb_search.py [--articles 10000] [--runs 300] [--database NAME]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "portal_bench_kb"

WORDS_EN = [
    "warehouse",
    "shipment",
    "pick",
    "put-away",
    "bin",
    "zone",
    "receipt",
    "count",
    "cycle",
    "lot",
    "serial",
    "item",
    "label",
    "printer",
    "scanner",
    "replenishment",
    "wave",
    "route",
    "carrier",
    "posting",
    "error",
    "quantity",
    "unit",
    "measure",
    "location",
    "transfer",
    "journal",
    "report",
    "layout",
    "upgrade",
    "extension",
    "permission",
    "user",
    "job",
    "queue",
    "entry",
    "codeunit",
    "table",
    "field",
    "setup",
    "template",
    "worksheet",
    "inventory",
    "adjustment",
    "reservation",
    "tracking",
    "expiry",
    "quarantine",
    "dock",
    "cross-dock",
    "pallet",
    "container",
    "barcode",
    "zebra",
    "mobile",
    "app",
    "sync",
    "offline",
    "license",
    "subscription",
    "sandbox",
    "environment",
    "tenant",
    "partner",
    "customisation",
    "object",
    "import",
    "export",
    "edi",
    "notice",
    "invoice",
    "sales",
    "order",
    "purchase",
    "return",
    "variance",
    "reconcile",
    "period",
    "close",
    "year",
]
WORDS_DE = [
    "lager",
    "lagerplatz",
    "kommissionierung",
    "warenausgang",
    "wareneingang",
    "inventur",
    "charge",
    "seriennummer",
    "artikel",
    "etikett",
    "drucker",
    "scanner",
    "nachschub",
    "welle",
    "route",
    "spediteur",
    "buchung",
    "fehler",
    "menge",
    "einheit",
    "lagerort",
    "umlagerung",
    "bericht",
    "aktualisierung",
    "erweiterung",
    "berechtigung",
    "benutzer",
    "aufgabenwarteschlange",
    "einrichtung",
    "vorlage",
    "arbeitsblatt",
]
WORDS_DA = [
    "lager",
    "lagerplads",
    "pluk",
    "forsendelse",
    "modtagelse",
    "optælling",
    "vare",
    "etiket",
    "printer",
    "scanner",
    "fejl",
    "mængde",
]
PRODUCTS = ("Business Central", "NAV", "GP")

SEARCHES = [
    "blank bin codes",
    "warehouse shipment posting error",
    "label printer",
    "zebra scanner",
    "replenishment job queue",
    "cycle count variance lot",
    "upgrade extension",
    "permission",
    "wave route carrier",
    "quarantine expiry",
    "cross-dock pallet",
    "edi notice",
    "sandbox license",
    "inventory year close",
    "transfer journal",
    '"job queue" -license',
    "barcode",
    "offline sync mobile app",
    "object import customisation",
    "reservation tracking serial",
]
SUGGESTION_INPUTS = [
    (
        "Warehouse shipments cannot be posted",
        "Since this morning posting a warehouse shipment fails with an error "
        "about the quantity to ship. We use waves and the BOX unit of measure.",
    ),
    (
        "Pick list prints blank bin codes after upgrade",
        "After the upgrade the report prints empty bin and zone columns; on screen the bins are fine.",
    ),
    ("Labels print at half size", "Our new zebra printer prints the carrier label at half size."),
    ("Replenishment stopped", "The job queue entry for replenishment stays in process and bins run empty."),
    ("Cannot import objects", "When importing the fob file we get a permission error for the object range."),
]


STOPWORDS = ["the", "and", "to", "of", "a", "in", "is", "for", "on", "with", "when", "you", "it", "this", "that"]
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "bri", "del", "fen", "gu", "hal", "jor", "nes", "pil", "sto", "u"]


def filler_vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    """Invented general words: article text is mostly not about the searched topic."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Corpus:
    """Realistic-ish text: each article is about 2–3 topic words of the domain vocabulary,
    which recur in it; the rest is stop words and Zipf-distributed general words."""

    def __init__(self, rng: random.Random, topic_words: list[str]) -> None:
        self.rng = rng
        self.topic_words = topic_words
        self.filler = filler_vocabulary(rng)
        self.cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(self.filler))))

    def article(self) -> tuple[str, str, str]:
        topics = self.rng.sample(self.topic_words, self.rng.randint(2, 3))

        def words(n: int, topic_share: float) -> str:
            out = []
            fillers = self.rng.choices(self.filler, cum_weights=self.cum_weights, k=n)
            for i in range(n):
                roll = self.rng.random()
                if roll < topic_share:
                    out.append(self.rng.choice(topics))
                elif roll < topic_share + 0.3:
                    out.append(self.rng.choice(STOPWORDS))
                else:
                    out.append(fillers[i])
            return " ".join(out)

        title = " ".join([*topics, words(self.rng.randint(2, 5), 0.0)]).capitalize()
        summary = words(self.rng.randint(15, 30), 0.15).capitalize() + "."
        body = "\n\n".join(
            words(self.rng.randint(30, 70), 0.08).capitalize() + "." for _ in range(self.rng.randint(3, 6))
        )
        return title, summary, body


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def database_urls(name: str) -> tuple[str, str]:
    admin = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(admin)
    return admin, urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=150, help="timed calls per scenario")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to EXPLAIN queries)")
    parser.add_argument("--database", default=DB_NAME, help=f"the throwaway database's name ({DB_NAME})")
    args = parser.parse_args()

    import psycopg

    admin_url, bench_url = database_urls(args.database)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {args.database}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def run(args: argparse.Namespace) -> None:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection

    from knowledgebase.models import Article, ArticleKind, ArticleVisibility, Category
    from knowledgebase.selectors import SearchFilters, article_search, article_suggestions
    from lifecycle.models import Product

    started = time.perf_counter()
    # Every app's migrations: those knowledgebase depends on alone leave auth's permission names at
    # 50 characters, too short for the permissions that post_migrate then creates.
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started

    rng = random.Random(20261122)
    categories = [Category.objects.create(name=f"Category {n}", slug=f"category-{n}", order=n) for n in range(8)]
    products = [
        Product.objects.create(code=f"caw-{n}", name=f"Contoso Advanced Warehousing for {name}")
        for n, name in enumerate(PRODUCTS)
    ]
    kinds = [k.value for k in ArticleKind]
    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    english, german, danish = Corpus(rng, WORDS_EN), Corpus(rng, WORDS_DE), Corpus(rng, WORDS_DA)
    started = time.perf_counter()
    batch: list[Article] = []
    for n in range(args.articles):
        roll = rng.random()
        language, corpus = ("de", german) if roll < 0.07 else ("da", danish) if roll < 0.10 else ("en", english)
        title, summary, body = corpus.article()
        batch.append(
            Article(
                title=title,
                slug=f"article-{n}",
                summary=summary,
                body=body,
                category=rng.choice(categories),
                kind=rng.choice(kinds),
                language=language,
                status="published",
                visibility=ArticleVisibility.PUBLIC if rng.random() < 0.8 else ArticleVisibility.CUSTOMERS,
                published_at=now - dt.timedelta(hours=n),
            )
        )
        if len(batch) == 1000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    through = Article.products.through
    through.objects.bulk_create(
        [
            through(article_id=pk, product_id=rng.choice(products).pk)
            for pk in Article.objects.values_list("pk", flat=True)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    inserted = time.perf_counter() - started

    visitor = AnonymousUser()

    def timed(call, runs: int) -> list[float]:
        for _ in range(10):  # warm up: connection, plans, caches
            call(0)
        samples = []
        for i in range(runs):
            t0 = time.perf_counter()
            call(i)
            samples.append((time.perf_counter() - t0) * 1000)
        return samples

    hits: list[int] = []

    def search(i: int) -> None:
        results = article_search(user=visitor, query=SEARCHES[i % len(SEARCHES)], language="en", page=1 + i % 2)
        hits.append(results.total)

    def search_filtered(i: int) -> None:
        filters = SearchFilters(
            category=categories[i % len(categories)], kind=kinds[i % len(kinds)], product=products[i % len(products)]
        )
        article_search(user=visitor, query=SEARCHES[i % len(SEARCHES)], language="en", filters=filters)

    def search_german(i: int) -> None:
        article_search(user=visitor, query=rng.choice(WORDS_DE) + " " + rng.choice(WORDS_DE), language="de")

    def absurd(i: int) -> None:
        article_search(user=visitor, query=("warehouse " * 1000) if i % 2 else "!?*&^%$#@", language="en")

    def suggest(i: int) -> None:
        title, description = SUGGESTION_INPUTS[i % len(SUGGESTION_INPUTS)]
        article_suggestions(user=visitor, title=title, description=description, language="en")

    scenarios = {
        "search (1–4 words, pages 1–2)": timed(search, args.runs),
        "search with category+kind+product filters": timed(search_filtered, args.runs),
        "search in German (de + untranslated en)": timed(search_german, args.runs),
        "absurd query (10,000 chars / punctuation)": timed(absurd, args.runs),
        "suggestions (title + description, top 5)": timed(suggest, args.runs),
    }

    print(f"articles: {Article.objects.count()}, migrate {migrated:.1f} s, insert + index {inserted:.1f} s")
    print(f"median hits per search: {statistics.median(hits):.0f}")
    print()
    print("| Scenario | p50 (ms) | p95 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: |")
    for name, samples in scenarios.items():
        print(f"| {name} | {percentile(samples, 50):.1f} | {percentile(samples, 95):.1f} | {max(samples):.1f} |")
    print()
    pg_version = connection.cursor().connection.info.server_version
    print(
        f"machine: {os.cpu_count()} cores ({subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} "
        f"usable), Python {platform.python_version()}, PostgreSQL {pg_version // 10000}.{pg_version % 10000}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}"
    )
    p95 = percentile(scenarios["search (1–4 words, pages 1–2)"], 95)
    print(f"target search p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
