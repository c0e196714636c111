"""The SLA clock's speed: business-hours deadlines per second on one core.

Random submission instants over two years (2026–2027) in the North America region
(America/Los_Angeles, Monday–Friday 06:00–18:00, US public holidays), for a 4 h target
(Subscription, Severity B) and an 8 h target (Subscription, Severity C), measured

1. in the pure engine: `businesshours.add_business_time` on the region's calendar;
2. in-process through the SLA clock: `sla.policy.SlaRows().deadline(plan=..., ...)`, from codes
   and ISO strings as `sla_deadline --jsonl` gets them;
3. through `manage.py sla_deadline --jsonl` as a subprocess (JSON in, JSON out), with its
   start-up time reported separately.

The process (and the subprocess) is pinned to one CPU. Every answer of the subprocess is
checked against the engine's. Target: at least 50,000 deadlines/s in the engine.

Uses a throwaway SQLite database under var/bench-businesshours/ (kept between runs so
that `migrate` is quick the second time), or $DATABASE_URL when set.

    DEBUG=true .venv/bin/python bench/bench_businesshours.py [--engine-n 200000] [--jsonl-n 50000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
BENCH_VAR = BASE_DIR / "var" / "bench-businesshours"
TARGET_PER_SECOND = 50_000
CASES = [("4 h", "subscription", "B"), ("8 h", "subscription", "C")]
REGION = "north-america"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600


def environment() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}"
    env["DEBUG"] = "true"
    env["PORTAL_VAR_DIR"] = str(BENCH_VAR)
    env["LOG_LEVEL"] = "WARNING"
    env.pop("PORTAL_TESTING", None)
    return env


def pin_to_one_cpu() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):  # not Linux
        return "not pinned"


def instants(n: int, seed: int) -> list[dt.datetime]:
    rng = random.Random(seed)
    return [START + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS)) for _ in range(n)]


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine-n", type=int, default=200_000, help="deadlines per target in the engine")
    parser.add_argument("--jsonl-n", type=int, default=50_000, help="lines per target through sla_deadline --jsonl")
    args = parser.parse_args()

    env = environment()
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "PORTAL_VAR_DIR", "LOG_LEVEL")})
    pinned = pin_to_one_cpu()
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=BASE_DIR)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from sla import businesshours, calendars
    from sla.policy import SlaRows

    policy = SlaRows()
    region = policy.regions[REGION]
    # One calendar with the holidays of every year the random instants (and their deadlines) touch.
    calendar = calendars.region_calendar_build(calendars.calendar_snapshot_of(region), year=START.year).calendar

    print(
        f"SLA clock benchmark: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({pinned}), region {REGION} ({region.time_zone})"
    )
    print(
        f"{'target':<7} {'engine':>12} {'SlaRows.deadline':>19} {'sla_deadline --jsonl':>21} {'(after start-up)':>17}"
    )
    results = []
    for label, plan, severity in CASES:
        target = policy.target(policy.plan(plan), policy.severity(severity))
        duration = target.duration
        add = businesshours.add_business_time

        starts = instants(args.engine_n, seed=len(label) + target.minutes)
        add(calendar, starts[0], duration)  # warm the calendar's day cache as a running service would
        began = time.perf_counter()
        engine_due = [add(calendar, at, duration) for at in starts]
        engine_seconds = time.perf_counter() - began

        texts = [at.isoformat() for at in starts[: args.jsonl_n]]
        began = time.perf_counter()
        clock_due = [policy.deadline(plan=plan, severity=severity, region=REGION, at=text).due_at for text in texts]
        clock_seconds = time.perf_counter() - began
        assert clock_due == engine_due[: len(texts)], "SlaRows and the engine disagree"

        lines = "".join(
            json.dumps({"plan": plan, "severity": severity, "region": REGION, "at": text}) + "\n" for text in texts
        )
        command = [*manage, "sla_deadline", "--jsonl"]
        began = time.perf_counter()
        subprocess.run(command, input="", env=env, check=True, capture_output=True, text=True, cwd=BASE_DIR)
        startup_seconds = time.perf_counter() - began
        began = time.perf_counter()
        done = subprocess.run(command, input=lines, env=env, check=True, capture_output=True, text=True, cwd=BASE_DIR)
        jsonl_seconds = time.perf_counter() - began
        answers = [json.loads(line)["due"] for line in done.stdout.splitlines()]
        assert answers == [due.isoformat() for due in engine_due[: len(texts)]], "sla_deadline and the engine disagree"

        after_startup = max(jsonl_seconds - startup_seconds, 1e-9)
        results.append((label, args.engine_n / engine_seconds))
        print(
            f"{label:<7} {rate(args.engine_n, engine_seconds):>12} {rate(len(texts), clock_seconds):>19} "
            f"{rate(len(texts), jsonl_seconds):>21} {rate(len(texts), after_startup):>17}"
        )
    print(f"sla_deadline start-up (empty input): {startup_seconds:.2f} s; every answer checked against the engine.")
    slowest = min(per_second for _, per_second in results)
    verdict = "meets" if slowest >= TARGET_PER_SECOND else "MISSES"
    print(f"Engine: slowest {slowest:,.0f} deadlines/s, {verdict} the target of {TARGET_PER_SECOND:,}/s.")
    return 0 if slowest >= TARGET_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
