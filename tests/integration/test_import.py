"""Bulk import of providers from CSV and YAML, on a real database file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domicili.errors import ImportRowsError, InvalidInput, OutOfScope
from domicili.testing import make_app, sample_provider, valid_siren

if TYPE_CHECKING:
    from conftest import StoreChoice

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COLUMNS = [
    "name",
    "siren",
    "agrement_numero",
    "agrement_prefecture",
    "agrement_date",
    "address",
    "postcode",
    "city",
    "email",
    "phone",
    "departements",
    "services",
    "offer_name",
    "offer_price_ht",
    "offer_period",
    "offer_setup_fee",
]


def row(seed: int, **overrides: Any) -> dict[str, Any]:
    """One import row: a provider in Lyon with one offer (lists as Python lists)."""
    fields = {
        "name": f"Domiciliation Import {seed}",
        "siren": valid_siren(1000 + seed),
        "agrement_numero": f"2023-069-{seed:04d}",
        "agrement_prefecture": "Préfecture du Rhône",
        "agrement_date": "2023-06-01",
        "address": f"{seed} rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "email": f"contact{seed}@import.example",
        "phone": "04 72 00 00 00",
        "departements": ["69", "01"],
        "services": ["domiciliation", "numerisation"],
        "offer_name": "Essentiel",
        "offer_price_ht": "29,90",
        "offer_period": "month",
        "offer_setup_fee": "50",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def write_csv(path: Path, rows: list[dict[str, Any]], *, delimiter: str = ",") -> Path:
    columns = [c for c in COLUMNS if any(c in r for r in rows)]
    columns += sorted({k for r in rows for k in r} - set(columns))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, delimiter=delimiter)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "|".join(v) if isinstance(v, list) else v for k, v in r.items()})
    return path


def write_yaml(path: Path, rows: list[dict[str, Any]]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def count(app: Any, table: str) -> int:
    return int(app.store.execute(f"SELECT count(*) FROM {table}")[0][0])


@pytest.fixture
def target(store: StoreChoice) -> tuple[str, Path | None]:
    """The database and its files folder, which the ``dump`` fixture can read too."""
    return store.shared()


@pytest.fixture
def db(target: tuple[str, Path | None]) -> str:
    return target[0]


@pytest.fixture
def app(target: tuple[str, Path | None]) -> Iterator[Any]:
    app, _clock, _notifier = make_app(target[0], files=target[1], start=START)
    try:
        yield app
    finally:
        app.close()


# ------------------------------------------------------------------------- valid files


def test_csv_import_creates_each_provider_with_its_offer(app: Any, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "annuaire.csv", [row(1), row(2, offer_period="quarter")])
    report = app.import_providers(file)
    assert report.as_dict() == {"created": 2, "updated": 0, "skipped": []}
    second, first = app.list_providers()  # newest first
    assert first.name == "Domiciliation Import 1"
    assert first.departement == "69"
    assert first.departements == ["01", "69"]
    assert first.services == ["domiciliation", "numerisation"]
    assert first.phone == "+33472000000"
    (offer,) = app.list_offers(first.id)
    assert (offer.name, offer.price_ht_cents, offer.setup_fee_cents) == ("Essentiel", 2990, 5000)
    assert offer.is_default
    assert offer.services == ["domiciliation", "numerisation"]
    assert app.list_offers(second.id)[0].period == "quarter"
    # 29,90 € a quarter is cheaper per month than 29,90 € a month.
    assert [r.provider_id for r in app.search(departement="01")] == [second.id, first.id]


def test_semicolon_separated_csv_is_read(app: Any, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "annuaire.csv", [row(1), row(2)], delimiter=";")
    assert app.import_providers(file).created == 2
    assert len(app.list_providers()) == 2


def test_yaml_import_reads_lists_and_numbers(app: Any, tmp_path: Path) -> None:
    file = write_yaml(
        tmp_path / "annuaire.yaml",
        [row(1, offer_price_ht=35, offer_commitment_months=12), row(2, postcode="97400")],
    )
    report = app.import_providers(file)
    assert (report.created, report.updated) == (2, 0)
    second, first = app.list_providers()  # newest first
    (offer,) = app.list_offers(first.id)
    assert (offer.price_ht_cents, offer.commitment_months) == (3500, 12)
    assert second.departement == "974"


def test_provider_without_offer_columns_gets_no_offer(app: Any, tmp_path: Path) -> None:
    bare = {k: v for k, v in row(1).items() if not k.startswith("offer_")}
    app.import_providers(write_csv(tmp_path / "a.csv", [bare]))
    (provider,) = app.list_providers()
    assert app.list_offers(provider.id) == []


def test_insee_commune_column_decides_the_departement(app: Any, tmp_path: Path) -> None:
    file = write_csv(
        tmp_path / "a.csv", [row(1, postcode="04200", insee_commune="05001", departements=None)]
    )
    app.import_providers(file)
    (provider,) = app.list_providers()
    assert (provider.departement, provider.departements) == ("05", ["05"])


def test_progress_is_reported_for_checking_then_writing(app: Any, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "a.csv", [row(1), row(2), row(3)])
    steps: list[int] = []
    app.import_providers(file, progress=steps.append)
    assert sum(steps) == 6


def test_import_is_recorded_in_the_audit_log(app: Any, tmp_path: Path) -> None:
    app.import_providers(write_csv(tmp_path / "annuaire.csv", [row(1), row(2)]))
    event = app.store.events()[-1]
    assert event.type == "provider.imported"
    assert event.data == {"file": "annuaire.csv", "created": 2, "updated": 0, "skipped": 0}


# ---------------------------------------------------------------------- same rows again


def test_importing_the_same_rows_again_updates_and_never_duplicates(
    app: Any, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "a.csv", [row(1), row(2), row(3)])
    app.import_providers(file)
    before = (count(app, "providers"), count(app, "offers"), count(app, "provider_departements"))
    report = app.import_providers(file)
    assert (report.created, report.updated) == (0, 3)
    after = (count(app, "providers"), count(app, "offers"), count(app, "provider_departements"))
    assert after == before == (3, 3, 6)


def test_siren_is_the_key_whatever_its_spacing(app: Any, tmp_path: Path) -> None:
    siren = valid_siren(1001)
    app.import_providers(write_csv(tmp_path / "a.csv", [row(1)]))
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    report = app.import_providers(write_csv(tmp_path / "b.csv", [row(1, siren=spaced)]))
    assert (report.created, report.updated) == (0, 1)
    assert [p.siren for p in app.list_providers()] == [siren]


def test_reimport_changes_fields_lists_offer_and_agrement_expiry(app: Any, tmp_path: Path) -> None:
    app.import_providers(write_csv(tmp_path / "a.csv", [row(1)]))
    changed = row(
        1,
        city="Villeurbanne",
        postcode="69100",
        phone="04 78 00 00 00",
        departements=["69"],
        services=["domiciliation", "reexpedition"],
        offer_price_ht="32",
        agrement_date="2024-02-29",
    )
    app.import_providers(write_csv(tmp_path / "b.csv", [changed]))
    (provider,) = app.list_providers()
    assert (provider.city, provider.postcode, provider.phone) == (
        "Villeurbanne",
        "69100",
        "+33478000000",
    )
    assert provider.departements == ["69"]
    assert provider.services == ["domiciliation", "reexpedition"]
    (offer,) = app.list_offers(provider.id)
    assert offer.price_ht_cents == 3200
    assert offer.services == ["domiciliation", "reexpedition"]
    (expires,) = app.store.execute("SELECT agrement_expires FROM providers")[0]
    assert expires == "2030-02-28"
    assert app.search(departement="01") == []
    assert [r.monthly_ht_cents for r in app.search(departement="69")] == [3200]


def test_reimport_with_a_new_offer_name_adds_a_second_offer(app: Any, tmp_path: Path) -> None:
    app.import_providers(write_csv(tmp_path / "a.csv", [row(1)]))
    app.import_providers(
        write_csv(tmp_path / "b.csv", [row(1, offer_name="Premium", offer_price_ht="59")])
    )
    (provider,) = app.list_providers()
    offers = app.list_offers(provider.id)
    assert [(o.name, o.is_default) for o in offers] == [("Essentiel", True), ("Premium", False)]


def test_reimport_updates_a_provider_added_by_hand(app: Any, tmp_path: Path) -> None:
    by_hand = app.add_provider(**sample_provider(1, siren=valid_siren(1001)))
    report = app.import_providers(write_csv(tmp_path / "a.csv", [row(1)]))
    assert (report.created, report.updated) == (0, 1)
    assert app.get_provider(by_hand.id).city == "Lyon"


def test_reimport_with_a_new_agrement_renews_it_and_keeps_the_one_before(
    app: Any, tmp_path: Path
) -> None:
    app.import_providers(write_csv(tmp_path / "a.csv", [row(1, rcs_city="Lyon", capital="7 500")]))
    (provider,) = app.list_providers()
    assert (provider.rcs_city, provider.share_capital_cents) == ("Lyon", 750_000)
    renewed = row(1, agrement_numero="2026-069-0001", agrement_date="01/02/2026")
    app.import_providers(write_csv(tmp_path / "b.csv", [renewed]))
    assert [(a.numero, a.until) for a in app.agrements(provider.id)] == [
        ("2023-069-0001", date(2026, 2, 1)),
        ("2026-069-0001", None),
    ]
    assert app.get_provider(provider.id).agrement_numero == "2026-069-0001"


def test_reimport_keeps_a_suspension(app: Any, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "a.csv", [row(1)])
    app.import_providers(file)
    (provider,) = app.list_providers()
    app.suspend_provider(provider.id, "Arrêté préfectoral")
    app.import_providers(file)
    assert app.get_provider(provider.id).suspended
    assert app.search(departement="69") == []


# --------------------------------------------------------------------------- bad rows


BAD_ROWS = [
    ({"siren": "123456789"}, "siren"),
    ({"postcode": "6900"}, "postcode"),
    ({"postcode": "97133"}, "Saint-Barthélemy"),
    ({"departements": ["69", "20"]}, "Département '20' does not exist"),
    ({"services": ["domiciliation", "coworking"]}, "unknown service 'coworking'"),
    ({"offer_price_ht": "0"}, "offer_price_ht: must be more than 0"),
    ({"offer_price_ht": "-5"}, "offer_price_ht"),
    ({"offer_price_ht": "trente"}, "offer_price_ht"),
    ({"offer_period": "week"}, "offer_period"),
    ({"email": "pas-un-email"}, "email"),
    ({"agrement_date": "30/02/2024"}, "agrement_date"),
    ({"name": None}, "name: this field is required"),
]


@pytest.mark.parametrize(("change", "says"), BAD_ROWS)
def test_an_invalid_row_is_reported_with_its_line_and_nothing_is_written(
    app: Any, db: str, dump: Any, tmp_path: Path, change: dict[str, Any], says: str
) -> None:
    app.import_providers(write_csv(tmp_path / "first.csv", [row(9)]))
    before = dump(db)
    file = write_csv(tmp_path / "a.csv", [row(1), row(2, **change), row(3)])
    with pytest.raises(ImportRowsError) as info:
        app.import_providers(file)
    ((line, reason),) = info.value.rows
    assert line == 3
    assert says in reason
    assert "nothing imported" in str(info.value)
    assert dump(db) == before


def test_every_invalid_row_is_reported(app: Any, db: str, dump: Any, tmp_path: Path) -> None:
    before = dump(db)
    rows = [row(1)] + [row(n, postcode="999") for n in range(2, 10)]
    with pytest.raises(ImportRowsError) as info:
        app.import_providers(write_csv(tmp_path / "a.csv", rows))
    assert [line for line, _reason in info.value.rows] == list(range(3, 11))
    assert str(info.value).startswith("8 invalid rows, nothing imported")
    assert dump(db) == before


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(app: Any, tmp_path: Path) -> None:
    rows = [row(1), row(2, postcode="6900"), row(3), row(4, services=["coworking"])]
    report = app.import_providers(write_csv(tmp_path / "a.csv", rows), skip_invalid=True)
    assert (report.created, report.updated) == (2, 0)
    assert [line for line, _reason in report.skipped] == [3, 5]
    assert "postcode" in report.skipped[0][1]
    assert "coworking" in report.skipped[1][1]
    assert [p.name for p in app.list_providers()] == [
        "Domiciliation Import 3",
        "Domiciliation Import 1",
    ]


def test_duplicate_siren_inside_one_file_is_an_invalid_row(
    app: Any, db: str, dump: Any, tmp_path: Path
) -> None:
    before = dump(db)
    rows = [row(1), row(2), row(3, siren=valid_siren(1001))]
    with pytest.raises(ImportRowsError) as info:
        app.import_providers(write_csv(tmp_path / "a.csv", rows))
    ((line, reason),) = info.value.rows
    assert line == 4
    assert reason == f"SIREN {valid_siren(1001)} already on line 2"
    assert dump(db) == before
    report = app.import_providers(write_csv(tmp_path / "a.csv", rows), skip_invalid=True)
    assert (report.created, len(report.skipped)) == (2, 1)
    assert app.list_providers()[-1].name == "Domiciliation Import 1"


def test_yaml_rows_are_reported_with_their_line(
    app: Any, db: str, dump: Any, tmp_path: Path
) -> None:
    file = tmp_path / "annuaire.yaml"
    file.write_text(
        "# annuaire\n"
        "- name: Bon\n"
        f'  siren: "{valid_siren(1)}"\n'
        "  agrement_numero: A1\n"
        "  agrement_prefecture: Préfecture du Rhône\n"
        "  agrement_date: 2023-06-01\n"
        "  address: 1 rue\n"
        '  postcode: "69002"\n'
        "  city: Lyon\n"
        "  email: a@import.example\n"
        '  phone: "04 72 00 00 00"\n'
        "- just a string\n"
        "- name: Mauvais\n"
        f'  siren: "{valid_siren(2)}"\n'
        "  bogus: 1\n",
        encoding="utf-8",
    )
    before = dump(db)
    with pytest.raises(ImportRowsError) as info:
        app.import_providers(file)
    assert [line for line, _reason in info.value.rows] == [12, 13]
    assert "expected a mapping" in info.value.rows[0][1]
    assert "unknown field(s) bogus" in info.value.rows[1][1]
    assert dump(db) == before


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("a.csv", "name,siren,colour\nx,1,red\n", "unknown column(s) colour"),
        ("a.txt", "name\n", "give a .csv or .yaml file"),
        ("a.yaml", "name: not a list\n", "expected a list of providers"),
        ("a.yaml", "- [unclosed\n", "is not valid YAML"),
    ],
)
def test_unreadable_file_is_refused_as_a_whole(
    app: Any, db: str, dump: Any, tmp_path: Path, name: str, text: str, says: str
) -> None:
    before = dump(db)
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=says.replace("(", r"\(").replace(")", r"\)")):
        app.import_providers(file)
    assert dump(db) == before


# ---------------------------------------------------------------------- written in batches


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    """Batches of 2 rows, so that a file of a few rows is written in several transactions."""
    from domicili.service import imports

    monkeypatch.setattr(imports, "BATCH", 2)
    return 2


def test_a_long_import_is_written_in_batches_each_with_its_event(
    app: Any, small_batches: int, tmp_path: Path
) -> None:
    begun: list[int] = []
    sql = app.store.sql
    real_begin = sql.begin

    def begin() -> None:
        begun.append(count(app, "providers"))
        real_begin()

    sql.begin = begin
    report = app.import_providers(write_csv(tmp_path / "a.csv", [row(i) for i in range(1, 6)]))
    assert (report.created, report.updated) == (5, 0)
    # Three write transactions, each beginning after the previous batch was committed.
    assert begun == [0, 2, 4]
    events = [e.data for e in app.store.events() if e.type == "provider.imported"]
    assert events == [
        {"file": "a.csv", "created": 2, "updated": 0, "skipped": 0, "batch": [1, 3]},
        {"file": "a.csv", "created": 2, "updated": 0, "skipped": 0, "batch": [2, 3]},
        {"file": "a.csv", "created": 1, "updated": 0, "skipped": 0, "batch": [3, 3]},
    ]
    assert len(app.list_providers()) == 5


def test_an_invalid_row_after_many_batches_still_writes_nothing(
    app: Any, small_batches: int, db: str, dump: Any, tmp_path: Path
) -> None:
    before = dump(db)
    rows = [row(i) for i in range(1, 8)] + [row(8, postcode="7500")]
    with pytest.raises(ImportRowsError) as info:
        app.import_providers(write_csv(tmp_path / "a.csv", rows))
    assert [line for line, _ in info.value.rows] == [9]
    assert dump(db) == before


def test_a_scoped_import_naming_another_provider_in_a_later_batch_writes_nothing(
    target: tuple[str, Path | None],
    monkeypatch: pytest.MonkeyPatch,
    db: str,
    dump: Any,
    tmp_path: Path,
) -> None:
    from domicili.service import imports

    monkeypatch.setattr(imports, "BATCH", 1)  # its own row, then the other one's
    app, _clock, _notifier = make_app(target[0], files=target[1], start=START)
    with app:
        app.import_providers(write_csv(tmp_path / "a.csv", [row(1)]))
        (own,) = app.list_providers()
    scoped, _clock, _notifier = make_app(target[0], files=target[1], start=START, provider=own.id)
    with scoped:
        before = dump(db)
        with pytest.raises(OutOfScope, match=r"line 3: .* Nothing was imported"):
            scoped.import_providers(write_csv(tmp_path / "b.csv", [row(1, city="Lyon 2e"), row(9)]))
        assert dump(db) == before
