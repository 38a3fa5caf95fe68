"""Benchmark of the directory search; prints ratios measured in one run.

    python benchmarks/bench_annuaire.py [--providers 5000] [--repeat 25] [--seed 7]

A database of 5,000 providers spread over the 101 départements (each serving 1–3
départements, offering 1–3 offers with varied prices, periods and services; a few
expired, not yet valid or suspended) is loaded through the store in one transaction.
Then each typical query is timed through ``Domicili.search(...)`` and against the same
query written directly in raw SQL on a plain sqlite3 connection: agrément valid on the
day, not suspended, serving the place, offering every service, cheapest offer including
every service under the monthly cap, same ordering, same columns. Both must return the
same providers (and offers) in the same order.

Target: facade / raw SQL <= 2 per query and overall.
Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from domicili import Domicili
from domicili.adapters.notifiers import NullNotifier
from domicili.annuaire import SERVICES
from domicili.clock import FixedClock, paris_date
from domicili.config import Settings
from domicili.geography import geography
from domicili.models import Offer
from domicili.service.providers import validate_provider
from domicili.testing import valid_siren

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARGET = 2.0
EXTRA_SERVICES = [s for s in SERVICES if s != "domiciliation"]
NAMES = ["Domiciliation", "Bureaux", "Siège", "Centre d'affaires", "Adresse", "Cabinet"]
TOWNS = ["Centre", "Gare", "Port", "Forum", "Horizon", "Lumière", "Atlas", "Quartz"]


def postcode_of(departement: str) -> str:
    """A postcode inside ``departement`` (Corsica and overseas included)."""
    if departement == "2A":
        return "20000"
    if departement == "2B":
        return "20200"
    if len(departement) == 3:
        return departement + "00"
    return departement + "000"


def agrement_date(rng: random.Random) -> date:
    """Mostly valid on the benchmark day; some expired, a few not started yet."""
    roll = rng.random()
    if roll < 0.06:
        return date(2019, rng.randint(1, 12), rng.randint(1, 28))  # expired
    if roll < 0.08:
        return date(2026, 3, rng.randint(3, 28))  # starts later this month
    return date(rng.randint(2020, 2025), rng.randint(1, 12), rng.randint(1, 28))


def load(app: Domicili, count: int, seed: int) -> tuple[int, int]:
    """``count`` providers with 1–3 offers each, in one transaction; (providers, offers)."""
    rng = random.Random(seed)
    codes = [d.code for d in geography().departements()]
    store, ctx = app.store, app.ctx
    offers = 0
    with store.transaction():
        for n in range(count):
            home = codes[n % len(codes)]
            served = [home, *rng.sample(codes, rng.randint(0, 2))]
            services = ["domiciliation", *rng.sample(EXTRA_SERVICES, rng.randint(0, 4))]
            provider = validate_provider(
                ctx,
                {
                    "name": f"{rng.choice(NAMES)} {rng.choice(TOWNS)} {n % 700}",
                    "siren": valid_siren(10_000 + n),
                    "agrement_numero": f"AGR-{n:05d}",
                    "agrement_prefecture": f"Préfecture {home}",
                    "agrement_date": agrement_date(rng),
                    "address": f"{n % 200 + 1} avenue de la République",
                    "postcode": postcode_of(home),
                    "city": f"Ville {home}",
                    "email": f"contact{n}@annuaire.example",
                    "phone": "01 42 00 00 00",
                    "departements": served,
                    "services": services,
                    "suspended": rng.random() < 0.03,
                    "created_at": START,
                },
            )
            provider_id = store.insert_provider(provider)
            for k in range(rng.randint(1, 3)):
                period = rng.choice(["month", "month", "quarter", "year"])
                monthly = rng.randrange(1500, 9000, 50)
                months = {"month": 1, "quarter": 3, "year": 12}[period]
                included = ["domiciliation"] + [s for s in services[1:] if rng.random() < 0.6]
                store.insert_offer(
                    Offer(
                        provider_id=provider_id,
                        name=f"Offre {k + 1}",
                        price_ht_cents=monthly * months,
                        period=period,
                        commitment_months=max(3, months),
                        setup_fee_cents=rng.choice([0, 0, 2500, 5000]),
                        services=included,
                        is_default=k == 0,
                        created_at=START,
                    )
                )
                offers += 1
    return count, offers


# ------------------------------------------------------------------------------ raw SQL


def raw_search(
    conn: sqlite3.Connection,
    *,
    on: date,
    departement: str | None = None,
    region: str | None = None,
    services: tuple[str, ...] = (),
    max_price_ht_cents: int | None = None,
    sort: str = "price",
) -> list[tuple[Any, ...]]:
    """The directory query written by hand: one statement, services aggregated in SQL."""
    geo = geography()
    places: list[str] | None = None
    if departement is not None:
        places = [departement]
    if region is not None:
        in_region = [d.code for d in geo.departements(region)]
        places = in_region if places is None else [d for d in places if d in in_region]
    day = on.isoformat()
    offer_where = "".join(" AND instr(o.services, ?) > 0" for _ in services)
    sql = [
        "SELECT p.id, p.name, p.city, p.postcode, p.departement, p.agrement_expires,",
        " b.id, b.name, b.monthly_ht_cents, b.price_ht_cents, b.period,",
        " (SELECT group_concat(s.service, ',') FROM provider_services s",
        "  WHERE s.provider_id = p.id)",
        " FROM providers p",
        " LEFT JOIN offers b ON b.id = (SELECT o.id FROM offers o WHERE o.provider_id = p.id",
        offer_where,
        "  ORDER BY o.monthly_ht_cents, o.id LIMIT 1)",
        " WHERE p.suspended = 0 AND p.agrement_date <= ? AND p.agrement_expires > ?",
    ]
    params: list[Any] = [f'"{s}"' for s in services] + [day, day]
    # Uncorrelated IN lists let SQLite start from the (departement, provider_id) and
    # (service, provider_id) indexes instead of scanning every provider.
    if places is not None:
        sql.append(
            " AND p.id IN (SELECT d.provider_id FROM provider_departements d"
            f" WHERE d.departement IN ({', '.join('?' * len(places))}))"
        )
        params += places
    for service in services:
        sql.append(
            " AND p.id IN (SELECT s.provider_id FROM provider_services s WHERE s.service = ?)"
        )
        params.append(service)
    if max_price_ht_cents is not None:
        sql.append(" AND b.monthly_ht_cents <= ?")
        params.append(max_price_ht_cents)
    if sort == "price":
        sql.append(" ORDER BY b.monthly_ht_cents IS NULL, b.monthly_ht_cents, p.name, p.id")
    else:
        sql.append(" ORDER BY p.name, p.id")
    return conn.execute("".join(sql), params).fetchall()


# ------------------------------------------------------------------------------ timing


QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("département 69", {"departement": "69"}),
    ("département 75, by name", {"departement": "75", "sort": "name"}),
    ("département 2A", {"departement": "2A"}),
    ("département 974 + numérisation", {"departement": "974", "services": ("numerisation",)}),
    ("région 84", {"region": "84"}),
    ("région 11 + numérisation", {"region": "11", "services": ("numerisation",)}),
    (
        "région 76 + 2 services, by name",
        {"region": "76", "services": ("numerisation", "reexpedition"), "sort": "name"},
    ),
    ("région 44, max 40 €", {"region": "44", "max_price_ht_cents": 4000}),
    (
        "département 13 + réexpédition, max 50 €",
        {"departement": "13", "services": ("reexpedition",), "max_price_ht_cents": 5000},
    ),
    (
        "whole country, salle de réunion, max 25 €",
        {"services": ("salle_reunion",), "max_price_ht_cents": 2500},
    ),
    ("whole country, by name", {"sort": "name"}),
]


def best(fn: Callable[[], Any], repeat: int) -> float:
    """The median of ``repeat`` timings of ``fn`` (seconds), after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "annuaire.db"
        app = Domicili(db, settings=Settings(), clock=FixedClock(START), notifier=NullNotifier())
        t = time.perf_counter()
        providers, offers = load(app, args.providers, args.seed)
        print(
            f"setup: {providers:,} providers, {offers:,} offers over "
            f"{len(geography().departements())} départements in {time.perf_counter() - t:.1f} s"
        )
        conn = sqlite3.connect(db)
        on = paris_date(START)

        total_facade = total_raw = 0.0
        worst = 0.0
        print(f"{'query':<44} {'found':>6} {'facade ms':>10} {'raw ms':>8} {'ratio':>6}")
        for label, query in QUERIES:
            found = app.search(**query)
            rows = raw_search(conn, on=on, **query)
            facade_ids = [(r.provider_id, r.offer_id) for r in found]
            raw_ids = [(row[0], row[6]) for row in rows]
            assert facade_ids == raw_ids, f"{label}: the facade and raw SQL disagree"
            assert all(
                set(r.services) == set(row[11].split(","))
                for r, row in zip(found, rows, strict=True)
            ), f"{label}: services differ"
            facade = best(lambda query=query: app.search(**query), args.repeat)
            raw = best(lambda query=query: raw_search(conn, on=on, **query), args.repeat)
            total_facade += facade
            total_raw += raw
            worst = max(worst, facade / raw)
            print(
                f"{label:<44} {len(found):>6} {facade * 1000:>10.2f} {raw * 1000:>8.2f} "
                f"{facade / raw:>6.2f}"
            )
        overall = total_facade / total_raw
        print(
            f"overall: facade {total_facade * 1000:.1f} ms | raw SQL {total_raw * 1000:.1f} ms | "
            f"ratio {overall:.2f} (worst query {worst:.2f}; target <= {TARGET:g})"
        )
        conn.close()
        app.close()


if __name__ == "__main__":
    main()
