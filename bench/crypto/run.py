"""Encryption cost: field throughput, and a list page of encrypted records against the same page in clear.

    uv run python bench/crypto/run.py [--records 10000] [--repeat 7]

Prints: seal/open throughput per field type (values per second), the time to load and render a list page of
all N records (and of a 50-row page taken from them) from the encrypted table and from the clear table (same
rows, same template), medians over --repeat runs, and the ratio encrypted / clear (target <= 1.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.crypto.settings"

FAMILY = ["Шевченко", "Коваленко", "Бондаренко", "Петрова", "Іваненко", "Smirnova", "Kuznetsov", "Мельник"]
GIVEN = ["Олександр", "Оксана", "Ольга", "Андрій", "Ирина", "Dmitry", "Yuliia", "Тарас"]

TEMPLATE = """<table>{% for r in rows %}<tr><td>{{ r.label }}</td><td>{{ r.family_name }}</td><td>{{ r.given_name }}</td>
<td>{{ r.birth_date }}</td><td>{{ r.notes.status }}</td></tr>{% endfor %}</table>"""


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.template import engines

    from bench.crypto.benchapp.models import EncRecord, PlainRecord
    from mosty.accounts import services
    from mosty.core.crypto import aead, keyring

    # The migrated apps first: on PostgreSQL the benchmark's own (unmigrated) tables need theirs to exist.
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    org = services.organisation_create(name="Bench", slug="bench")
    rng = random.Random(7)

    # 1. Field throughput: seal and open one value (AES-256-GCM with associated data), per field type.
    key = aead.new_key()
    samples = {
        "text (family name)": "Шевченко-Коваленко".encode(),
        "date": b"1987-05-14",
        "json (notes, ~200 B)": (
            '{"status":"detained","place":"СИЗО-2 Симферополь","notes":"' + "x" * 120 + '"}'
        ).encode(),
    }
    print(f"records={args.records} repeat={args.repeat} database={django.db.connection.vendor}")
    for name, value in samples.items():
        n = 20_000
        aad = b"mosty/field/v1/1/table/column/00000000-0000-0000-0000-000000000000"
        sealed = [aead.seal(key, value, aad) for _ in range(100)]
        t_seal = median_time(lambda v=value, a=aad: [aead.seal(key, v, a) for _ in range(n)], 3) / n
        t_open = median_time(lambda s=sealed, a=aad: [aead.open_sealed(key, s[i % 100], a) for i in range(n)], 3) / n
        print(f"  {name:<22} seal {1 / t_seal:>10,.0f}/s   open {1 / t_open:>10,.0f}/s")

    # 2. The same N rows, in clear and encrypted.
    rows = []
    for i in range(args.records):
        year = rng.randint(1950, 2005)
        rows.append(
            dict(
                label=f"P-{i:06d}",
                family_name=rng.choice(FAMILY),
                given_name=rng.choice(GIVEN),
                birth_date=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                notes={"status": rng.choice(["detained", "sentenced", "released"]), "source": "bench"},
            )
        )
    start = time.perf_counter()
    with transaction.atomic():
        PlainRecord.objects.bulk_create(PlainRecord(organisation=org, **r) for r in rows)
    t_plain_write = time.perf_counter() - start
    start = time.perf_counter()
    with keyring.acting_as(org.pk), transaction.atomic():
        for r in rows:
            EncRecord(organisation=org, **r).save(force_insert=True)
    t_enc_write = time.perf_counter() - start
    print(
        f"  writing {args.records} rows: clear {t_plain_write:.2f} s (bulk), encrypted {t_enc_write:.2f} s (one by one, with data keys)"
    )

    template = engines["django"].from_string(TEMPLATE)

    def page(model: type, limit: int | None) -> str:
        queryset = model.objects.filter(organisation=org).order_by("label")
        items = list(queryset[:limit] if limit else queryset)
        if model is EncRecord:
            keyring.prefetch_data_keys(r.data_key_id for r in items)
        return template.render({"rows": items})

    for limit, title in ((None, f"all {args.records} rows"), (50, "a page of 50 rows")):
        t_plain = median_time(lambda lim=limit: page(PlainRecord, lim), args.repeat)

        def encrypted(lim: int | None = limit) -> str:
            with keyring.acting_as(org.pk):  # a fresh scope: no keys cached from the previous run
                return page(EncRecord, lim)

        t_enc = median_time(encrypted, args.repeat)
        print(
            f"  list page, {title:<18} clear {t_plain * 1000:8.1f} ms   encrypted {t_enc * 1000:8.1f} ms   ratio {t_enc / t_plain:4.2f}"
        )
    with keyring.acting_as(org.pk):
        assert "Шевченко" in page(EncRecord, None) or "Коваленко" in page(EncRecord, None)


if __name__ == "__main__":
    main()
