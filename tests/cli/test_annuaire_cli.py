"""The directory at the command line: annuaire, provider, offer and demande --all."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import CliRunner, Result

from domicili.cli import cli as command
from domicili.testing import sample_answers, sample_provider, valid_siren

if TYPE_CHECKING:
    from conftest import Cli

NOW = "2026-03-02T10:00:00+01:00"

Run = Callable[..., Result]


@pytest.fixture
def db(cli: Cli) -> str:
    return cli.database


@pytest.fixture
def run(cli: Cli) -> Run:
    """``run(*args, input=None, now=NOW)``: the domicili command on this run's store."""

    def invoke(*args: str, input: str | None = None, now: str = NOW) -> Result:
        return CliRunner().invoke(
            command, [*cli.target, *args], input=input, env={"DOMICILI_NOW": now}
        )

    return invoke


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def refused(result: Result, says: str, *, code: int = 1) -> str:
    """The command failed with ``code``; its error is one sentence naming ``says``."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: ")
    assert says in error
    if code == 1:  # a domicili error: that sentence is all there is
        assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    return error


def provider_args(seed: int, **overrides: Any) -> list[str]:
    fields = sample_provider(seed)
    fields.update(overrides)
    options = {"departements": "--serves", "services": "--service"}
    args = []
    for key, value in fields.items():
        option = options.get(key, "--" + key.replace("_", "-"))
        for one in value if isinstance(value, list) else [value]:
            args += [option, str(one)]
    return args


def add_provider(run: Run, seed: int, *extra: str, **overrides: Any) -> int:
    data = as_json(run("provider", "add", *provider_args(seed, **overrides), *extra, "--json"))
    return int(data["id"])


def add_offer(run: Run, provider_id: int, *extra: str) -> dict[str, Any]:
    return dict(as_json(run("offer", "add", str(provider_id), *extra, "--json")))


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    file = tmp_path / "demande.yaml"
    file.write_text(yaml.safe_dump(sample_answers(), allow_unicode=True), encoding="utf-8")
    return file


# ------------------------------------------------------------------- geography


def test_regions_lists_the_eighteen_regions(run: Run) -> None:
    regions = as_json(run("annuaire", "regions", "--json"))
    assert len(regions) == 18
    assert {"code": "11", "name": "Île-de-France"} in regions
    text = ok(run("annuaire", "regions")).stdout
    assert "Provence-Alpes-Côte d'Azur" in text
    assert "Mayotte" in text


def test_departements_of_a_region(run: Run) -> None:
    corsica = as_json(run("annuaire", "departements", "--region", "94", "--json"))
    assert corsica == [
        {"code": "2A", "name": "Corse-du-Sud", "region": "94"},
        {"code": "2B", "name": "Haute-Corse", "region": "94"},
    ]
    assert len(as_json(run("annuaire", "departements", "--json"))) == 101
    assert "Haute-Corse" in ok(run("annuaire", "departements", "--region", "94")).stdout


def test_global_json_flag_works_for_annuaire_commands(run: Run) -> None:
    assert len(as_json(run("--json", "annuaire", "regions"))) == 18


@pytest.mark.parametrize("code", ["99", "00", "Corse"])
def test_unknown_region_is_one_sentence(run: Run, code: str) -> None:
    refused(run("annuaire", "departements", "--region", code), f"Région '{code}' does not exist")


# -------------------------------------------------------------------- providers


def test_provider_add_checks_the_declared_departement(run: Run) -> None:
    data = as_json(
        run(
            "provider",
            "add",
            *provider_args(1, postcode="69003", city="Lyon"),
            "--departement",
            "69",
            "--json",
        )
    )
    assert (data["departement"], data["departements"]) == ("69", ["69"])


def test_provider_add_in_corsica_and_overseas(run: Run) -> None:
    bastia = as_json(run("provider", "add", *provider_args(1, postcode="20200"), "--json"))
    assert bastia["departement"] == "2B"
    ajaccio = as_json(
        run("provider", "add", *provider_args(2, postcode="20000"), "--departement", "2a", "--json")
    )
    assert ajaccio["departement"] == "2A"
    reunion = as_json(run("provider", "add", *provider_args(3, postcode="97400"), "--json"))
    assert reunion["departement"] == "974"


def test_provider_add_with_insee_commune(run: Run) -> None:
    data = as_json(
        run(
            "provider",
            "add",
            *provider_args(1, postcode="04200"),
            "--insee-commune",
            "05001",
            "--json",
        )
    )
    assert data["departement"] == "05"


def test_provider_add_with_served_departements_and_services(run: Run) -> None:
    data = as_json(
        run(
            "provider",
            "add",
            *provider_args(1, postcode="69003"),
            "--serves",
            "69",
            "--serves",
            "01",
            "--service",
            "domiciliation",
            "--service",
            "numerisation",
            "--json",
        )
    )
    assert data["departements"] == ["69", "01"]
    assert data["services"] == ["domiciliation", "numerisation"]


def test_provider_shows_agrement_expiry_six_years_later(run: Run) -> None:
    provider_id = add_provider(run, 1, agrement_date="2020-02-29")
    data = as_json(run("provider", "show", str(provider_id), "--json"))
    assert (data["agrement_date"], data["agrement_expires"]) == ("2020-02-29", "2026-02-28")
    text = ok(run("provider", "show", str(provider_id))).stdout
    assert "from 29/02/2020 to 28/02/2026" in text
    listing = ok(run("provider", "list")).stdout
    assert "expired on 28/02/2026" in listing


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--departement", "75", "--postcode", "69003"], "Postcode 69003 is not in département 75"),
        (["--departement", "2A", "--postcode", "20200"], "is not in département 2A"),
        (["--departement", "99"], "Département '99' does not exist"),
        (["--serves", "20"], "Département '20' does not exist"),
        (["--service", "coworking"], "unknown service 'coworking'"),
        (["--postcode", "97133"], "Saint-Barthélemy"),
        (["--insee-commune", "20004"], "INSEE commune"),
    ],
)
def test_provider_add_refuses_bad_input_and_writes_nothing(
    run: Run, db: str, extra: list[str], says: str, dump: Any
) -> None:
    ok(run("init"))
    before = dump(db)
    args = provider_args(1)
    if "--postcode" in extra:
        at = args.index("--postcode")
        del args[at : at + 2]
    refused(run("provider", "add", *args, *extra), says)
    assert dump(db) == before


def test_services_from_domicili_toml_are_accepted(run: Run, tmp_path: Path) -> None:
    (Path.cwd() / "domicili.toml").write_text(
        '[annuaire.services]\ncoworking = "Accès à un espace de coworking"\n', encoding="utf-8"
    )
    data = as_json(run("provider", "add", *provider_args(1), "--service", "coworking", "--json"))
    assert data["services"] == ["coworking"]
    found = as_json(run("annuaire", "search", "--service", "coworking", "--json"))
    assert [r["id"] for r in found] == [data["id"]]


def test_services_from_a_config_file_named_with_config(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "ailleurs.toml"
    config.write_text('[annuaire.services]\nbureau_partage = "Bureau partagé"\n', encoding="utf-8")
    refused(
        run("provider", "add", *provider_args(1), "--service", "bureau_partage"),
        "unknown service 'bureau_partage'",
    )
    data = as_json(
        run(
            "--config",
            str(config),
            "provider",
            "add",
            *provider_args(1),
            "--service",
            "bureau_partage",
            "--json",
        )
    )
    assert data["services"] == ["bureau_partage"]


def test_suspend_hides_the_provider_and_resume_lists_it_again(run: Run) -> None:
    provider_id = add_provider(run, 1)
    result = ok(run("provider", "suspend", str(provider_id), "--reason", "Arrêté du 02/03/2026"))
    assert "suspended" in result.stderr
    assert "(suspended)" in result.stdout
    assert as_json(run("annuaire", "search", "--departement", "75", "--json")) == []
    shown = as_json(run("provider", "show", str(provider_id), "--json"))
    assert (shown["suspended"], shown["suspension_reason"]) == (True, "Arrêté du 02/03/2026")
    ok(run("provider", "resume", str(provider_id)))
    found = as_json(run("annuaire", "search", "--departement", "75", "--json"))
    assert [r["id"] for r in found] == [provider_id]


def test_suspend_an_unknown_provider_is_one_sentence(run: Run) -> None:
    ok(run("init"))
    refused(run("provider", "suspend", "42"), "Provider 42 not found")
    refused(run("provider", "resume", "42"), "Provider 42 not found")


def test_request_to_a_suspended_provider_is_refused_and_writes_nothing(
    run: Run, db: str, answers: Path, dump: Any
) -> None:
    provider_id = add_provider(run, 1)
    ok(run("provider", "suspend", str(provider_id)))
    before = dump(db)
    refused(
        run("demande", "create", "--answers", str(answers), "--to", str(provider_id)),
        f"Provider {provider_id} cannot take new contracts: its agrément is suspended",
    )
    assert dump(db) == before


def test_request_to_an_expired_provider_is_refused(
    run: Run, db: str, answers: Path, dump: Any
) -> None:
    provider_id = add_provider(run, 1)  # agrément of 2024-01-15
    before = dump(db)
    refused(
        run(
            "demande",
            "create",
            "--answers",
            str(answers),
            "--to",
            str(provider_id),
            now="2030-01-15T10:00:00+01:00",
        ),
        "its agrément expired on 15/01/2030",
    )
    assert dump(db) == before


# ------------------------------------------------------------------------ offers


def test_offer_add_and_list(run: Run) -> None:
    provider_id = add_provider(run, 1, services=["domiciliation", "numerisation"])
    first = add_offer(
        run,
        provider_id,
        "--name",
        "Essentiel",
        "--price-ht",
        "29,90",
        "--period",
        "month",
        "--commitment-months",
        "3",
        "--setup-fee",
        "50",
    )
    assert (first["price_ht_cents"], first["setup_fee_cents"], first["is_default"]) == (
        2990,
        5000,
        True,
    )
    assert first["services"] == ["domiciliation"]
    assert first["first_payment_ht_cents"] == 7990
    second = add_offer(
        run,
        provider_id,
        "--name",
        "Annuel scan",
        "--price-ht",
        "300",
        "--period",
        "year",
        "--commitment-months",
        "12",
        "--service",
        "domiciliation",
        "--service",
        "numerisation",
    )
    assert (second["monthly_ht_cents"], second["is_default"]) == (2500, False)
    listed = as_json(run("offer", "list", str(provider_id), "--json"))
    assert [(o["id"], o["is_default"]) for o in listed] == [
        (first["id"], True),
        (second["id"], False),
    ]
    text = ok(run("offer", "list", str(provider_id))).stdout
    assert "300,00" in text
    assert "/ an" in text
    assert "numérisation" in text  # services by their French labels
    assert "numerisation" not in text


def test_offer_add_default_replaces_the_default(run: Run) -> None:
    provider_id = add_provider(run, 1)
    first = add_offer(run, provider_id, "--name", "A", "--price-ht", "29")
    second = add_offer(run, provider_id, "--name", "B", "--price-ht", "39", "--default")
    listed = as_json(run("offer", "list", str(provider_id), "--json"))
    assert [(o["id"], o["is_default"]) for o in listed] == [
        (first["id"], False),
        (second["id"], True),
    ]


def test_offer_list_without_provider_lists_every_offer(run: Run) -> None:
    one, two = add_provider(run, 1), add_provider(run, 2)
    add_offer(run, two, "--name", "B", "--price-ht", "31")
    add_offer(run, one, "--name", "A", "--price-ht", "29")
    listed = as_json(run("offer", "list", "--json"))
    assert [(o["provider_id"], o["name"]) for o in listed] == [(one, "A"), (two, "B")]


@pytest.mark.parametrize(
    ("extra", "says", "code"),
    [
        (["--price-ht", "0"], "--price-ht: must be more than 0", 2),
        (["--price-ht", "-5"], "must be a positive amount", 1),
        (["--price-ht", "trente"], "is not an amount in euros", 1),
        (["--price-ht", "29", "--service", "coworking"], "unknown service 'coworking'", 1),
        (["--price-ht", "29", "--commitment-months", "2"], "commitment_months", 1),
        (["--price-ht", "29", "--period", "week"], "'week' is not one of", 2),
        (["--price-ht", "29", "--setup-fee", "-1"], "must be a positive amount", 1),
    ],
)
def test_offer_add_refuses_bad_input_and_writes_nothing(
    run: Run, db: str, extra: list[str], says: str, code: int, dump: Any
) -> None:
    provider_id = add_provider(run, 1)
    before = dump(db)
    refused(run("offer", "add", str(provider_id), "--name", "X", *extra), says, code=code)
    assert dump(db) == before


def test_offer_for_an_unknown_provider_is_refused(run: Run, db: str, dump: Any) -> None:
    ok(run("init"))
    before = dump(db)
    refused(run("offer", "add", "7", "--name", "X", "--price-ht", "29"), "Provider 7 not found")
    refused(run("offer", "list", "7"), "Provider 7 not found")
    assert dump(db) == before


# ------------------------------------------------------------------------ search


@pytest.fixture
def directory(run: Run) -> dict[str, int]:
    """Four providers: two in Lyon, one in Grenoble, one in Paris (suspended later)."""
    lyon_cheap = add_provider(
        run,
        1,
        name="Zeta Lyon",
        postcode="69003",
        city="Lyon",
        services=["domiciliation", "numerisation"],
    )
    add_offer(run, lyon_cheap, "--name", "Base", "--price-ht", "19")
    add_offer(
        run,
        lyon_cheap,
        "--name",
        "Scan",
        "--price-ht",
        "120",
        "--period",
        "quarter",
        "--service",
        "domiciliation",
        "--service",
        "numerisation",
    )
    lyon_scan = add_provider(
        run,
        2,
        name="Alpha Lyon",
        postcode="69002",
        city="Lyon",
        departements=["69", "01"],
        services=["domiciliation", "numerisation"],
    )
    add_offer(
        run,
        lyon_scan,
        "--name",
        "Tout",
        "--price-ht",
        "35",
        "--service",
        "domiciliation",
        "--service",
        "numerisation",
    )
    grenoble = add_provider(run, 3, name="Mu Grenoble", postcode="38000", city="Grenoble")
    add_offer(run, grenoble, "--name", "Base", "--price-ht", "25")
    paris = add_provider(run, 4, name="Cabinet Parisien")
    add_offer(run, paris, "--name", "Base", "--price-ht", "15")
    return {"lyon_cheap": lyon_cheap, "lyon_scan": lyon_scan, "grenoble": grenoble, "paris": paris}


def search_ids(run: Run, *args: str, now: str = NOW) -> list[int]:
    return [r["id"] for r in as_json(run("annuaire", "search", *args, "--json", now=now))]


def test_search_by_departement_cheapest_first(run: Run, directory: dict[str, int]) -> None:
    found = as_json(run("annuaire", "search", "--departement", "69", "--json"))
    assert [r["id"] for r in found] == [directory["lyon_cheap"], directory["lyon_scan"]]
    assert [(r["offer_name"], r["monthly_ht_cents"]) for r in found] == [
        ("Base", 1900),
        ("Tout", 3500),
    ]
    assert search_ids(run, "--departement", "01") == [directory["lyon_scan"]]


def test_search_by_region(run: Run, directory: dict[str, int]) -> None:
    assert search_ids(run, "--region", "84", "--sort", "name") == [
        directory["lyon_scan"],
        directory["grenoble"],
        directory["lyon_cheap"],
    ]
    assert search_ids(run, "--region", "11") == [directory["paris"]]


def test_search_with_services_gives_the_cheapest_offer_that_includes_them(
    run: Run, directory: dict[str, int]
) -> None:
    found = as_json(
        run("annuaire", "search", "--departement", "69", "--service", "numerisation", "--json")
    )
    assert [(r["id"], r["offer_name"], r["monthly_ht_cents"]) for r in found] == [
        (directory["lyon_scan"], "Tout", 3500),
        (directory["lyon_cheap"], "Scan", 4000),
    ]


def test_search_max_price_caps_the_monthly_price(run: Run, directory: dict[str, int]) -> None:
    assert search_ids(run, "--region", "84", "--max-price", "25") == [
        directory["lyon_cheap"],
        directory["grenoble"],
    ]
    assert search_ids(run, "--region", "84", "--max-price", "24,99") == [directory["lyon_cheap"]]
    assert search_ids(run, "--service", "numerisation", "--max-price", "36") == [
        directory["lyon_scan"]
    ]


def test_search_sorted_by_price_or_by_name(run: Run, directory: dict[str, int]) -> None:
    assert search_ids(run) == [
        directory["paris"],
        directory["lyon_cheap"],
        directory["grenoble"],
        directory["lyon_scan"],
    ]
    assert search_ids(run, "--sort", "name") == [
        directory["lyon_scan"],
        directory["paris"],
        directory["grenoble"],
        directory["lyon_cheap"],
    ]


def test_search_as_a_table_names_providers_and_prices(run: Run, directory: dict[str, int]) -> None:
    text = ok(run("annuaire", "search", "--departement", "69")).stdout
    assert "Zeta Lyon" in text
    assert "69003 Lyon" in text
    assert "19,00" in text
    assert "Cabinet Parisien" not in text
    assert "domiciliation, numérisation" in text  # services by their French labels


def test_search_follows_the_clock_for_agrement_validity(
    run: Run, directory: dict[str, int]
) -> None:
    assert search_ids(run, "--departement", "75", now="2030-01-14T23:00:00+01:00") == [
        directory["paris"]
    ]
    assert search_ids(run, "--departement", "75", now="2030-01-15T00:30:00+01:00") == []


def test_search_hides_a_suspended_provider(run: Run, directory: dict[str, int]) -> None:
    ok(run("provider", "suspend", str(directory["lyon_cheap"])))
    assert search_ids(run, "--departement", "69") == [directory["lyon_scan"]]


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (["--departement", "99"], "Département '99' does not exist", 1),
        (["--departement", "20"], "Département '20' does not exist", 1),
        (["--region", "99"], "Région '99' does not exist", 1),
        (["--region", "84", "--departement", "75"], "Département 75 is not in région 84", 1),
        (["--service", "coworking"], "unknown service 'coworking'", 1),
        (["--max-price", "0"], "--max-price: must be more than 0", 2),
        (["--max-price", "-3"], "must be a positive amount", 1),
        (["--sort", "distance"], "'distance' is not one of", 2),
    ],
)
def test_bad_search_is_one_sentence(
    run: Run, directory: dict[str, int], args: list[str], says: str, code: int
) -> None:
    refused(run("annuaire", "search", *args), says, code=code)


# ------------------------------------------------------- requests to the directory


def test_request_amount_follows_the_default_offer_and_vat(
    run: Run, answers: Path, directory: dict[str, int]
) -> None:
    reunion = add_provider(run, 5, postcode="97400")
    add_offer(run, reunion, "--name", "Base", "--price-ht", "100")
    no_offer = add_provider(run, 6)
    data = as_json(
        run(
            "demande",
            "create",
            "--answers",
            str(answers),
            "--to",
            str(directory["lyon_cheap"]),
            "--to",
            str(reunion),
            "--to",
            str(no_offer),
            "--json",
        )
    )
    assert [(d["provider_id"], d["amount_due_cents"]) for d in data["dossiers"]] == [
        (directory["lyon_cheap"], 2280),
        (reunion, 10850),
        (no_offer, 12600),
    ]
    again = ("demande", "create", "--answers", str(answers), "--to", str(no_offer), "--force")
    text = ok(run(*again)).stdout  # the same client, on purpose
    assert "126,00" in text


def test_request_uses_the_offer_chosen_in_the_answers_file(
    run: Run, tmp_path: Path, directory: dict[str, int]
) -> None:
    provider_id = directory["lyon_cheap"]
    scan = as_json(run("offer", "list", str(provider_id), "--json"))[1]
    file = tmp_path / "choix.yaml"
    file.write_text(
        yaml.safe_dump({**sample_answers(), "offers": {provider_id: scan["id"]}}),
        encoding="utf-8",
    )
    data = as_json(
        run("demande", "create", "--answers", str(file), "--to", str(provider_id), "--json")
    )
    (dossier,) = data["dossiers"]
    assert (dossier["offer_id"], dossier["amount_due_cents"]) == (scan["id"], 14400)


def test_request_to_every_listed_provider_of_a_departement(
    run: Run, answers: Path, directory: dict[str, int]
) -> None:
    expired = add_provider(run, 7, postcode="69001", agrement_date="2019-06-01")
    data = as_json(
        run(
            "demande", "create", "--answers", str(answers), "--departement", "69", "--all", "--json"
        )
    )
    sent_to = [d["provider_id"] for d in data["dossiers"]]
    assert sorted(sent_to) == sorted([directory["lyon_cheap"], directory["lyon_scan"]])
    assert expired not in sent_to
    assert len({d["client_id"] for d in data["dossiers"]}) == 1


def test_request_all_skips_a_suspended_provider(
    run: Run, answers: Path, directory: dict[str, int]
) -> None:
    ok(run("provider", "suspend", str(directory["lyon_scan"])))
    data = as_json(
        run(
            "demande", "create", "--answers", str(answers), "--departement", "69", "--all", "--json"
        )
    )
    assert [d["provider_id"] for d in data["dossiers"]] == [directory["lyon_cheap"]]


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (["--departement", "13", "--all"], "No provider is listed in département 13", 1),
        (["--departement", "99", "--all"], "Département '99' does not exist", 1),
        (["--all"], "--all and --departement CODE go together", 2),
        (["--departement", "69"], "--all and --departement CODE go together", 2),
        ([], "Choose providers", 2),
        (["--to", "42"], "Provider 42 not found", 1),
    ],
)
def test_bad_request_targets_are_one_sentence_and_write_nothing(
    run: Run,
    db: str,
    answers: Path,
    directory: dict[str, int],
    args: list[str],
    says: str,
    code: int,
    dump: Any,
) -> None:
    before = dump(db)
    refused(run("demande", "create", "--answers", str(answers), *args), says, code=code)
    assert dump(db) == before


# ------------------------------------------------------------------- bulk import


IMPORT_HEADER = (
    "name;siren;agrement_numero;agrement_prefecture;agrement_date;address;postcode;city;"
    "email;phone;departements;services;offer_name;offer_price_ht;offer_period\n"
)


def import_line(seed: int, postcode: str = "69002", price: str = "29,90") -> str:
    return (
        f"Import {seed};{valid_siren(500 + seed)};A-{seed};Préfecture du Rhône;2023-06-01;"
        f"{seed} quai;{postcode};Lyon;c{seed}@import.example;04 72 00 00 00;69|01;"
        f"domiciliation|numerisation;Essentiel;{price};month\n"
    )


def test_import_csv_with_a_progress_bar_then_again_updates(run: Run, tmp_path: Path) -> None:
    file = tmp_path / "annuaire.csv"
    file.write_text(IMPORT_HEADER + import_line(1) + import_line(2), encoding="utf-8")
    result = ok(run("provider", "import", str(file)))
    assert "Import" in result.stderr
    assert "2 providers created, 0 updated, 0 invalid row(s) skipped." in result.stdout
    again = as_json(run("provider", "import", str(file), "--json"))
    assert again == {"created": 0, "updated": 2, "skipped": []}
    assert len(as_json(run("provider", "list", "--json"))) == 2
    assert len(as_json(run("offer", "list", "--json"))) == 2
    assert len(search_ids(run, "--departement", "01", "--service", "numerisation")) == 2


def test_import_yaml(run: Run, tmp_path: Path) -> None:
    file = tmp_path / "annuaire.yaml"
    row = dict(sample_provider(1, postcode="97200", city="Fort-de-France"))
    row.update(offer_price_ht=40, offer_period="quarter")
    file.write_text(yaml.safe_dump([row], allow_unicode=True), encoding="utf-8")
    assert as_json(run("provider", "import", str(file), "--json"))["created"] == 1
    (found,) = as_json(run("annuaire", "search", "--departement", "972", "--json"))
    assert found["monthly_ht_cents"] == 1333


def test_import_reports_every_invalid_row_and_writes_nothing(
    run: Run, db: str, tmp_path: Path, dump: Any
) -> None:
    ok(run("init"))
    before = dump(db)
    lines = [import_line(1)] + [import_line(n, postcode="6900") for n in range(2, 9)]
    lines.append(import_line(9, price="0"))
    file = tmp_path / "annuaire.csv"
    file.write_text(IMPORT_HEADER + "".join(lines), encoding="utf-8")
    result = run("provider", "import", str(file))
    assert result.exit_code == 1
    assert "8 invalid rows, nothing imported" in result.stderr
    for line in range(3, 10):
        assert f"line {line}: postcode" in result.stderr
    assert "line 10: offer_price_ht: must be more than 0" in result.stderr
    assert dump(db) == before


def test_import_skip_invalid_imports_the_rest(run: Run, tmp_path: Path) -> None:
    file = tmp_path / "annuaire.csv"
    file.write_text(
        IMPORT_HEADER + import_line(1) + import_line(2, postcode="6900") + import_line(1),
        encoding="utf-8",
    )
    result = ok(run("provider", "import", str(file), "--skip-invalid"))
    assert "1 provider created, 0 updated, 2 invalid row(s) skipped." in result.stdout
    assert "line 3: postcode" in result.stdout
    assert f"line 4: SIREN {valid_siren(501)} already on line 2" in result.stdout
    assert len(as_json(run("provider", "list", "--json"))) == 1


def test_import_of_a_missing_file_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run("provider", "import", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_the_representative_email_is_kept_shown_and_checked(run: Run) -> None:
    provider_id = add_provider(run, 1, "--representative", "Claire Martin")
    ok(run("provider", "update", str(provider_id), "--representative-email",
                   "Claire.Martin@Domiciliation.example"))  # fmt: skip
    lines = run("provider", "show", str(provider_id)).stdout.splitlines()
    assert any(
        line.startswith("Representative's email")
        and line.endswith(" Claire.Martin@domiciliation.example")
        for line in lines
    )
    data = as_json(run("provider", "show", str(provider_id), "--json"))
    assert data["representative_email"] == "Claire.Martin@domiciliation.example"
    refused(
        run("provider", "update", str(provider_id), "--representative-email", "claire"),
        "claire",
    )
    data = as_json(run("provider", "show", str(provider_id), "--json"))
    assert data["representative_email"] == "Claire.Martin@domiciliation.example"
