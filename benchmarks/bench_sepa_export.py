"""A SEPA debit file of 10,000 debits through ``debit_file`` against sepaxml alone.

    python benchmarks/bench_sepa_export.py [--quick]

``debit_file`` checks every debit, has sepaxml write the pain.008.001.08 file, sets the
message and batch identifiers and the creation time, and validates the file against the
XSD sepaxml ships. The floor is sepaxml alone writing the same debits with its own
validation (``export(validate=True)``): both validate once per file. The two run in the
same process, alternately, over several rounds; each prints min / median / max of its
debits per second and the ratio of the medians. Target: ratio >= 0.5.

Not part of the test run: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from domicili.sepa import Creditor, Debit, debit_file

CREDITOR = Creditor(
    name="Bureaux Réunis Opéra",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPPXXX",
    identifier="FR72ZZZ123456",
)
CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
IBANS = ("DE89370400440532013000", "FR7630006000011234567890189", "FR1420041010050500013M02606")


def debits(count: int) -> list[Debit]:
    return [
        Debit(
            end_to_end_id=f"F-2026-{n:06d}",
            amount_cents=4_680 + n % 500,
            debtor_name=f"Société Cliente n°{n}",
            iban=IBANS[n % len(IBANS)],
            bic="COBADEFFXXX" if n % 4 == 0 else None,
            mandate_reference=f"RUM-D-{n:06d}",
            mandate_signed_on=date(2026, 3, 2),
            sequence="FRST" if n % 10 == 0 else "RCUR",
            collection_date=date(2026, 12, 10),
            remittance=f"Facture F-2026-{n:06d} période décembre 2026",
        )
        for n in range(1, count + 1)
    ]


def sepaxml_alone(
    lines: list[Debit], creditor: Creditor = CREDITOR, *, validate: bool = True
) -> bytes:
    """The same file with sepaxml only: its own identifiers, its own validation (none
    when ``validate`` is False)."""
    from sepaxml import SepaDD

    config: dict[str, Any] = {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.identifier,
        "currency": "EUR",
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    sdd = SepaDD(config, schema="pain.008.001.08", clean=True)
    for d in lines:
        payment: dict[str, Any] = {
            "name": d.debtor_name,
            "IBAN": d.iban,
            "amount": d.amount_cents,
            "type": d.sequence,
            "collection_date": d.collection_date,
            "mandate_id": d.mandate_reference,
            "mandate_date": d.mandate_signed_on,
            "description": d.remittance,
            "endtoend_id": d.end_to_end_id,
        }
        if d.bic:
            payment["BIC"] = d.bic
        sdd.add_payment(payment)
    out: bytes = sdd.export(validate=validate)
    return out


def seconds(fn: Callable[[], bytes]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 debits, 3 rounds")
    args = parser.parse_args()
    count, rounds = (1_000, 3) if args.quick else (10_000, 5)
    lines = debits(count)

    def ours() -> bytes:
        return debit_file(CREDITOR, lines, message_id="DOM-2026-12-01", created_at=CREATED)

    def floor() -> bytes:
        return sepaxml_alone(lines)

    ours(), floor()  # warm up: imports, the XSD read once per process by each
    mine: list[float] = []
    bare: list[float] = []
    for _ in range(rounds):
        mine.append(count / seconds(ours))
        bare.append(count / seconds(floor))

    def spread(values: list[float]) -> str:
        return f"{min(values):8.0f} / {statistics.median(values):8.0f} / {max(values):8.0f}"

    print(f"{count} debits, debits/s min / median / max over {rounds} interleaved rounds")
    print(f"debit_file (checks, sepaxml, ids, XSD):   {spread(mine)}")
    print(f"sepaxml alone (export(validate=True)):    {spread(bare)}")
    ratio = statistics.median(mine) / statistics.median(bare)
    print(f"ratio {ratio:.2f} (target >= 0.5: {'ok' if ratio >= 0.5 else 'below target'})")


if __name__ == "__main__":
    main()
