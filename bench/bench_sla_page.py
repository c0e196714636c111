"""The SLA page's render, in-process: CPU per request when the public page cache misses.

Three cases, each the median (and the maximum) of `--repeat` requests of `/support/`:

- **cold**: the public content version is bumped before each request, so the page is
  rendered (the SLA's `{% cache %}` fragments stay as they are: what a visitor pays after any
  public edit elsewhere);
- **right after a target edit**: a response target's minutes change before each request
  (the SLA's version moves: the tables, the last change and the calculator re-render);
- **right after a calendar edit**: a closed day is added to a region before each request
  (that region's snapshot moves too, so its card re-renders).

Target (issue 24): ≤ 10 ms in each case. Runs with DEBUG off, as production does, on a
throwaway database seeded with the demo data once: a SQLite file under var/bench-sla-page/
(kept between runs), or `--database-url` (an empty database of its own).

    DEBUG=true .venv/bin/python bench/bench_sla_page.py [--repeat 31] [--database-url postgres://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var" / "bench-sla-page"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DEBUG="false",
        SECRET_KEY="bench-sla-page-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        PORTAL_VAR_DIR=str(VAR),
        LOG_LEVEL="WARNING",
        DATABASE_URL=args.database_url or f"sqlite:///{VAR / 'bench.sqlite3'}",
    )
    os.environ.pop("CACHE_URL", None)  # the file cache under var/: no server needed
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from core.public_version import public_version_bump
    from sla.models import DateException, ResponseTarget, SupportRegion

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off: the manifest names the files
    if not SupportRegion.objects.exists() or not ResponseTarget.objects.exists():
        call_command("seed_demo", "--force-without-debug", verbosity=0)

    client = Client(HTTP_HOST="127.0.0.1")
    url = "/support/"
    assert client.get(url).status_code == 200
    target = ResponseTarget.objects.order_by("pk").first()
    region = SupportRegion.objects.order_by("pk").first()
    assert target is not None
    assert region is not None

    def timed(prepare) -> tuple[float, float]:
        cpu = []
        for i in range(args.repeat):
            prepare(i)
            began = time.process_time()
            response = client.get(url)
            cpu.append(time.process_time() - began)
            assert response.status_code == 200
        return statistics.median(cpu) * 1000, max(cpu) * 1000

    def target_edit(i: int) -> None:
        target.minutes += 1 if i % 2 == 0 else -1
        target.save()

    def calendar_edit(i: int) -> None:
        DateException.objects.create(
            region=region, on=dt.date(2031, 6, 1) + dt.timedelta(days=i), kind="closed", note="bench"
        )

    cases = {
        "cold (public content version bumped)": timed(lambda i: public_version_bump()),
        "right after a target edit": timed(target_edit),
        "right after a calendar edit": timed(calendar_edit),
    }
    for exception in DateException.objects.filter(note="bench"):
        exception.delete()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} requests a case; CPU per request")
    print("| case | median | max |")
    print("|---|---:|---:|")
    for name, (median, most) in cases.items():
        print(f"| {name} | {median:.1f} ms | {most:.1f} ms |")


if __name__ == "__main__":
    main()
