"""Bounded reading of named files, YAML limits, the money bound and ASCII-only numbers."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from domicili.errors import InvalidIdentifier, InvalidInput
from domicili.identifiers import normalize_iban, normalize_phone, normalize_siren
from domicili.inputs import load_yaml, read_file, read_stream
from domicili.money import MAX_CENTS, parse_euros

pytestmark = pytest.mark.one_store  # no database


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(
    tmp_path: Path,
) -> None:
    file = tmp_path / "f.bin"
    file.write_bytes(b"x" * 100)
    assert read_file(file, limit=100, what="a test file") == b"x" * 100
    file.write_bytes(b"x" * 101)
    with pytest.raises(InvalidInput, match=r"is 101 bytes; the limit for a test file is"):
        read_file(file, limit=100, what="a test file")


def test_a_file_that_says_it_is_empty_but_holds_more_is_cut_at_the_limit() -> None:
    # /proc files are regular files that stat as 0 bytes and hold more: as a file that
    # grows while it is read, it is refused after limit + 1 bytes.
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    with pytest.raises(InvalidInput, match=r"grew past the limit for a test file"):
        read_file(status, limit=10, what="a test file")


def test_a_folder_is_refused_naming_what_it_is(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_file(tmp_path, limit=10, what="a test file")
    assert str(caught.value) == f"{tmp_path} is a folder, not a file; give a regular file."


def test_a_stream_is_read_up_to_its_limit() -> None:
    assert read_stream(io.BytesIO(b"abc"), limit=3, what="body") == b"abc"
    with pytest.raises(InvalidInput, match=r"The body is over the limit"):
        read_stream(io.BytesIO(b"abcd"), limit=3, what="body")


def test_yaml_aliases_and_merge_keys_within_the_limits_still_load() -> None:
    text = "base: &b {city: Lyon, postcode: '69003'}\nhome: {<<: *b, address: 1 rue}\n"
    data, node = load_yaml(text, source="f.yaml", max_values=100)
    assert data["home"] == {"city": "Lyon", "postcode": "69003", "address": "1 rue"}
    assert node.start_mark.line == 0


def test_yaml_with_a_control_character_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidInput, match=r"f.yaml is not valid YAML: .* \(line 2\)\."):
        load_yaml("a: 1\nb: \x07\n", source="f.yaml", max_values=100)


def test_a_yaml_integer_too_long_to_convert_is_left_as_text() -> None:
    data, _node = load_yaml("n: " + "9" * 5000, source="f.yaml", max_values=100)
    assert data == {"n": "9" * 5000}


@pytest.mark.parametrize(
    "text",
    ["1e20", "1E3", "1_000", "٣٥", "３５", "+35", "35..5", "0x10", "NaN", "Infinity", "3 5,5,5"],
)
def test_parse_euros_takes_only_ascii_digits_and_one_separator(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not an amount in euros"):
        parse_euros(text, field="price")


@pytest.mark.parametrize(
    ("text", "cents"),
    [("35", 3500), ("35,50", 3550), ("1 234.5", 123450), (",5", 50), ("35.", 3500)],
)
def test_parse_euros_reads_what_people_write(text: str, cents: int) -> None:
    assert parse_euros(text) == cents


@pytest.mark.parametrize("value", ["10000000000,01", 10**12 // 100 + 1, 1e20, Decimal("9e999999")])
def test_parse_euros_refuses_more_than_the_money_bound(value: object) -> None:
    with pytest.raises(InvalidInput, match=r"the largest amount domicili handles") as caught:
        parse_euros(value)  # type: ignore[arg-type]
    assert caught.value.limit == MAX_CENTS


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (normalize_siren, "７３２８２９３２０"),  # full-width digits, read as 732829320 by stdnum
        (normalize_phone, "٠٦ ١٢ ٣٤ ٥٦ ٧٨"),  # Arabic-Indic, read as 06… by phonenumbers
        (normalize_iban, "FR76 ３000 6000 0112 3456 7890 189"),
    ],
)
def test_identifiers_in_other_digits_are_refused(check: object, value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        check(value)  # type: ignore[operator]


def test_a_name_with_a_nul_character_is_refused_as_no_file_name(tmp_path: Path) -> None:
    from domicili.errors import AnswersError
    from domicili.inputs import inside

    with pytest.raises(InvalidInput, match=r"^'a\\x00b' is not a file name\.$"):
        read_file("a\x00b", limit=10, what="a test file")
    with pytest.raises(AnswersError, match=r"^documents\.identite: 'a\\x00b' is not a file"):
        inside(tmp_path, "a\x00b", field="documents.identite", error=AnswersError)
