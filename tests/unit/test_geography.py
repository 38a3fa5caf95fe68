"""Tests for domicili.geography: the official list, postcodes and the data file checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domicili import geography as geo
from domicili.errors import ConfigError, InvalidInput, UnknownCode
from domicili.geography import (
    Departement,
    Geography,
    Region,
    check_postcode_in_departement,
    departement_for_postcode,
    geography,
    load_geography,
)

pytestmark = pytest.mark.one_store  # no database

REPOSITORY_FILE = Path(__file__).parents[2] / "data" / "annuaire.yaml"


@pytest.fixture(scope="module")
def g() -> Geography:
    return geography()


# ----------------------------------------------------------------------- the official list


def test_eighteen_regions_thirteen_metropolitan(g: Geography) -> None:
    regions = g.regions()
    assert len(regions) == 18
    assert [r.code for r in regions] == sorted(r.code for r in regions)
    overseas = [r for r in regions if r.code < "10"]
    assert [r.name for r in overseas] == [
        "Guadeloupe",
        "Martinique",
        "Guyane",
        "La Réunion",
        "Mayotte",
    ]
    assert len(regions) - len(overseas) == 13


def test_hundred_and_one_departements(g: Geography) -> None:
    codes = [d.code for d in g.departements()]
    assert len(codes) == 101
    assert len(set(codes)) == 101


def test_corsica_is_2a_2b_and_there_is_no_20(g: Geography) -> None:
    codes = {d.code for d in g.departements()}
    assert {"2A", "2B"} <= codes
    assert "20" not in codes
    with pytest.raises(InvalidInput):
        g.departement("20")


def test_overseas_departements(g: Geography) -> None:
    codes = {d.code for d in g.departements()}
    assert {"971", "972", "973", "974", "976"} <= codes
    assert "975" not in codes
    assert g.departement("974").name == "La Réunion"


def test_alsace_stays_in_grand_est(g: Geography) -> None:
    assert g.region("44").name == "Grand Est"
    assert g.departement("67") == Departement("67", "Bas-Rhin", "44")
    assert g.departement("68") == Departement("68", "Haut-Rhin", "44")
    assert {"67", "68"} <= {d.code for d in g.departements(region="44")}


def test_names_keep_their_accents(g: Geography) -> None:
    assert g.region("11") == Region("11", "Île-de-France")
    assert g.region("04").name == "La Réunion"
    assert g.region("93").name == "Provence-Alpes-Côte d'Azur"
    assert g.departement("07").name == "Ardèche"


def test_every_departement_has_an_existing_region(g: Geography) -> None:
    region_codes = {r.code for r in g.regions()}
    for dep in g.departements():
        assert dep.region_code in region_codes
    assert sum(len(g.departements(region=code)) for code in region_codes) == 101


def test_departements_in_insee_order(g: Geography) -> None:
    codes = [d.code for d in g.departements()]
    assert codes[:3] == ["01", "02", "03"]
    assert codes[18:22] == ["19", "2A", "2B", "21"]
    assert codes[-6:] == ["95", "971", "972", "973", "974", "976"]


def test_departements_of_a_region(g: Geography) -> None:
    assert [d.code for d in g.departements(region="94")] == ["2A", "2B"]
    assert [d.code for d in g.departements(region="11")] == [
        "75",
        "77",
        "78",
        "91",
        "92",
        "93",
        "94",
        "95",
    ]


def test_lookups_forgive_case_and_spaces(g: Geography) -> None:
    assert g.departement(" 2a ").code == "2A"
    assert g.region("44 ").code == "44"


def test_unknown_region_names_the_code(g: Geography) -> None:
    with pytest.raises(UnknownCode) as info:
        g.region("99")
    assert str(info.value) == "Région '99' does not exist."
    assert (info.value.field, info.value.value) == ("region", "99")
    with pytest.raises(InvalidInput):
        g.departements(region="99")


def test_unknown_departement_names_the_code(g: Geography) -> None:
    with pytest.raises(UnknownCode) as info:
        g.departement("975")
    assert str(info.value) == "Département '975' does not exist."
    assert (info.value.field, info.value.value) == ("departement", "975")


def test_values_are_frozen(g: Geography) -> None:
    dep = g.departement("75")
    with pytest.raises(AttributeError):
        dep.name = "Lutèce"  # type: ignore[misc]


# ----------------------------------------------------------------------------- postcodes


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("75008", "75"),
        ("01000", "01"),
        ("69001", "69"),
        ("20000", "2A"),
        ("20199", "2A"),
        ("20200", "2B"),
        ("20290", "2B"),
        ("97100", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97600", "976"),
        (" 67000 ", "67"),
    ],
)
def test_departement_for_postcode(g: Geography, postcode: str, expected: str) -> None:
    assert g.departement_for_postcode(postcode).code == expected


@pytest.mark.parametrize(
    ("postcode", "says"),
    [
        ("97133", "Saint-Barthélemy"),
        ("97150", "Saint-Martin"),
        ("97500", "Saint-Pierre-et-Miquelon"),
        ("98000", "Monaco"),
        ("98800", "New Caledonia"),
        ("98600", "Wallis-et-Futuna"),
        ("00100", "any French département"),
        ("96000", "any French département"),
        ("97700", "any French département"),
    ],
)
def test_postcodes_outside_any_departement_are_refused(
    g: Geography, postcode: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        g.departement_for_postcode(postcode)
    assert postcode in str(info.value)
    assert says in str(info.value)
    assert info.value.field == "postcode"


@pytest.mark.parametrize("postcode", ["7500", "750080", "ABCDE", "", "75 008", "7500A", "٧٥٠٠٨"])
def test_malformed_postcodes_are_refused(g: Geography, postcode: str) -> None:
    with pytest.raises(InvalidInput) as info:
        g.departement_for_postcode(postcode)
    assert "5 digits" in str(info.value)


def test_insee_commune_wins_over_postcode(g: Geography) -> None:
    assert g.departement_for_postcode("20000", insee_commune="2B033").code == "2B"
    assert g.departement_for_postcode("20290", insee_commune="2A004").code == "2A"
    assert g.departement_for_postcode("20290", insee_commune="2a004").code == "2A"
    assert g.departement_for_postcode("97100", insee_commune="97411").code == "974"
    # A border commune may use the post office of the neighbouring département.
    assert g.departement_for_postcode("04200", insee_commune="05001").code == "05"


@pytest.mark.parametrize("insee", ["20004", "97701", "98101", "7505", "ABCDE", "2C004"])
def test_bad_insee_commune_is_refused(g: Geography, insee: str) -> None:
    with pytest.raises(InvalidInput) as info:
        g.departement_for_postcode("75008", insee_commune=insee)
    assert info.value.field == "insee_commune"


def test_postcode_is_checked_even_with_insee_commune(g: Geography) -> None:
    with pytest.raises(InvalidInput):
        g.departement_for_postcode("7500", insee_commune="75056")


def test_check_postcode_in_departement(g: Geography) -> None:
    assert g.check_postcode_in_departement("75008", "75").code == "75"
    assert g.check_postcode_in_departement("20290", "2B").code == "2B"
    with pytest.raises(InvalidInput) as info:
        g.check_postcode_in_departement("69001", "75")
    assert str(info.value) == "Postcode 69001 is not in département 75 (Paris) but in 69 (Rhône)."


def test_check_postcode_in_departement_uses_insee_commune(g: Geography) -> None:
    assert g.check_postcode_in_departement("20000", "2B", insee_commune="2B033").code == "2B"
    with pytest.raises(InvalidInput) as info:
        g.check_postcode_in_departement("20000", "2A", insee_commune="2B033")
    assert "INSEE commune 2B033" in str(info.value)


def test_check_postcode_in_unknown_departement(g: Geography) -> None:
    with pytest.raises(UnknownCode, match="Département '99' does not exist"):
        g.check_postcode_in_departement("75008", "99")


def test_module_level_shortcuts() -> None:
    assert departement_for_postcode("13001").name == "Bouches-du-Rhône"
    assert check_postcode_in_departement("13001", "13").code == "13"


@settings(max_examples=300, database=None)
@given(st.text(max_size=8), st.one_of(st.none(), st.text(max_size=8)))
def test_any_postcode_gives_a_departement_or_invalid_input(
    postcode: str, insee_commune: str | None
) -> None:
    try:
        result = geography().departement_for_postcode(postcode, insee_commune=insee_commune)
    except InvalidInput:
        return
    assert isinstance(result, Departement)


@settings(max_examples=300, database=None)
@given(st.from_regex(r"[0-9]{5}", fullmatch=True))
def test_any_five_digits_gives_a_departement_or_invalid_input(postcode: str) -> None:
    try:
        result = geography().departement_for_postcode(postcode)
    except InvalidInput:
        return
    assert isinstance(result, Departement)


@settings(max_examples=300, database=None)
@given(st.one_of(st.text(max_size=5), st.sampled_from(["2A", "2b", "971", "20", "975"])))
def test_any_code_gives_a_departement_or_invalid_input(code: str) -> None:
    g = geography()
    for lookup in (g.departement, g.region):
        try:
            result = lookup(code)
        except InvalidInput:
            continue
        assert isinstance(result, Departement | Region)


# ----------------------------------------------------------------------------- loading


def test_shared_geography_is_loaded_once() -> None:
    assert geography() is geography()


def test_default_load_matches_the_repository_file() -> None:
    shipped = load_geography()
    repository = load_geography(REPOSITORY_FILE)
    assert shipped.regions() == repository.regions()
    assert shipped.departements() == repository.departements()


def test_missing_packaged_file_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Neither the packaged resource nor the repository file is where it should be.
    monkeypatch.setattr(geo, "_RESOURCE", "data/nothing-here.yaml")
    monkeypatch.setattr(geo, "_REPOSITORY_FILE", tmp_path / "nothing.yaml")
    with pytest.raises(ConfigError, match="missing"):
        load_geography()


def test_importing_does_not_parse_nor_import_yaml() -> None:
    code = (
        "import sys, domicili.errors\n"
        "before = 'yaml' in sys.modules\n"
        "import domicili.geography as g\n"
        "assert before or 'yaml' not in sys.modules\n"
        "assert g.geography.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


VALID = """\
regions:
  - {code: "11", name: "Île-de-France"}
  - {code: "94", name: "Corse"}
departements:
  - {code: "75", name: "Paris", region: "11"}
  - {code: "2A", name: "Corse-du-Sud", region: "94"}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "annuaire.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_geography(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert message.endswith(".")
    return message


def test_small_valid_file(tmp_path: Path) -> None:
    g = load_geography(_write(tmp_path, VALID))
    assert g.regions() == [Region("11", "Île-de-France"), Region("94", "Corse")]
    assert [d.code for d in g.departements()] == ["2A", "75"]


def test_unquoted_code_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('code: "75"', "code: 075"))
    assert "departements[0]:" in message
    assert "number" in message
    assert "quote" in message


def test_unquoted_region_reference_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('region: "11"', "region: 11"))
    assert "departements[0] (code 75):" in message
    assert "region 11 is a number" in message


def test_unknown_region_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('region: "11"', 'region: "99"'))
    assert message == f"{tmp_path / 'annuaire.yaml'}: departements[0] (code 75): " + (
        "région '99' does not exist."
    )


def test_duplicate_departement_code_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('code: "2A"', 'code: "75"'))
    assert "departements[1] (code 75):" in message
    assert "duplicate" in message
    assert "departements[0]" in message


def test_duplicate_region_code_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('code: "94"', 'code: "11"'))
    assert "regions[1] (code 11):" in message
    assert "duplicate" in message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "", "42\n"])
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    assert "must be a mapping" in _error(tmp_path, text)


def test_entry_not_a_mapping_is_named(tmp_path: Path) -> None:
    message = _error(
        tmp_path, VALID.replace('- {code: "2A", name: "Corse-du-Sud", region: "94"}', "- 2A")
    )
    assert "departements[1]:" in message
    assert "must be a mapping" in message


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('name: "Paris"', 'name: ""', "name must be non-empty"),
        ('name: "Paris", ', "", "'name' is missing"),
        ('region: "11"}', 'region: "11", chef_lieu: "Paris"}', "unknown key chef_lieu"),
        ('code: "75"', 'code: "20"', "not a valid INSEE code"),
        ('code: "75"', 'code: "ABC"', "not a valid INSEE code"),
        ('code: "75"', "code: null", "quoted code"),
    ],
)
def test_bad_departement_entries_are_named(tmp_path: Path, old: str, new: str, says: str) -> None:
    message = _error(tmp_path, VALID.replace(old, new))
    assert "departements[0]" in message
    assert says in message


def test_missing_list_is_named(tmp_path: Path) -> None:
    text = VALID.split("departements:")[0]
    assert "'departements' list is missing" in _error(tmp_path, text)


def test_empty_list_is_refused(tmp_path: Path) -> None:
    text = VALID.split("departements:")[0] + "departements: []\n"
    assert "departements: must be a non-empty list" in _error(tmp_path, text)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    assert "unknown top-level key communes" in _error(tmp_path, VALID + "communes: []\n")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID + '  - {code: "13", name: [\n')
    assert "not valid YAML" in message
    assert "line " in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError, match="file not found"):
        load_geography(path)


def test_config_error_is_invalid_input() -> None:
    # Callers that catch InvalidInput also see a broken data file.
    assert issubclass(ConfigError, InvalidInput)
