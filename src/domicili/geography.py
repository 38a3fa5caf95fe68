"""Official geography of France: régions, départements and postcodes.

The reference list (INSEE Code officiel géographique) lives in ``annuaire.yaml``:
18 régions (13 metropolitan, 5 overseas) and 101 départements. Corsica is 2A and 2B
(there is no département 20); overseas départements are 971, 972, 973, 974 and 976.

A postcode is not an administrative code: its first two digits usually give the
département, but not in Corsica (20xxx), overseas (97xxx) nor for a few border
communes whose post office is in the neighbouring département. When the INSEE commune
code is known it is authoritative, and every function here prefers it to the postcode.

The data file is parsed on first use only; :func:`geography` returns the shared copy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, InvalidInput, UnknownCode
from .i18n import _

__all__ = [
    "Departement",
    "Geography",
    "Region",
    "check_postcode_in_departement",
    "departement_for_postcode",
    "geography",
    "load_geography",
]

_RESOURCE = "data/annuaire.yaml"
_REPOSITORY_FILE = Path(__file__).parents[2] / "data" / "annuaire.yaml"

_REGION_CODE = re.compile(r"[0-9]{2}")
# Two digits (never 00 nor 20), 2A/2B for Corsica, or 97x overseas.
_DEPARTEMENT_CODE = re.compile(r"(?!00$|20$)[0-9]{2}|2[AB]|97[1-9]")
_POSTCODE = re.compile(r"[0-9]{5}")
_INSEE_COMMUNE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{3}")

# Postcodes inside 971xx that belong to collectivités d'outre-mer, not to Guadeloupe.
_NOT_DEPARTEMENT_POSTCODES = {
    "97133": "Saint-Barthélemy",
    "97150": "Saint-Martin",
}
_NOT_DEPARTEMENT_PREFIXES = {
    "975": "Saint-Pierre-et-Miquelon",
    "980": "Monaco",
    "986": "Wallis-et-Futuna",
    "987": "French Polynesia",
    "988": "New Caledonia",
}


@dataclass(frozen=True)
class Region:
    """A French région: INSEE code (``"11"``) and official name (``"Île-de-France"``)."""

    code: str
    name: str


@dataclass(frozen=True)
class Departement:
    """A French département: INSEE code (``"2A"``, ``"75"``, ``"971"``), name and région."""

    code: str
    name: str
    region_code: str


def _insee_order(code: str) -> tuple[int, str]:
    """Sort key putting département codes in INSEE order: 01…19, 2A, 2B, 21…95, 971…976."""
    if code in ("2A", "2B"):
        return (20, code)
    if code.isascii() and code.isdigit():
        return (int(code), "")
    return (1000, code)


def _normalise_code(code: object) -> str | None:
    """A code as typed by a person, trimmed and upper-cased; ``None`` if it is not text."""
    if not isinstance(code, str):
        return None
    return code.strip().upper()


class Geography:
    """The régions and départements of France, looked up by INSEE code."""

    def __init__(self, regions: Iterable[Region], departements: Iterable[Departement]) -> None:
        self._regions = {region.code: region for region in regions}
        self._departements = {dep.code: dep for dep in departements}

    def __repr__(self) -> str:
        return f"<Geography: {len(self._regions)} régions, {len(self._departements)} départements>"

    def regions(self) -> list[Region]:
        """Every région, sorted by INSEE code."""
        return sorted(self._regions.values(), key=lambda region: region.code)

    def departements(self, region: str | None = None) -> list[Departement]:
        """Every département (or those of ``region``), in INSEE order: 01…19, 2A, 2B, 21…976."""
        deps: Iterable[Departement] = self._departements.values()
        if region is not None:
            region_code = self.region(region).code
            deps = (dep for dep in deps if dep.region_code == region_code)
        return sorted(deps, key=lambda dep: _insee_order(dep.code))

    def region(self, code: str) -> Region:
        """The région with INSEE code ``code`` (e.g. ``"44"`` for Grand Est)."""
        key = _normalise_code(code)
        if key is None or key not in self._regions:
            raise UnknownCode(
                _("Région {code} does not exist.").format(code=repr(code)),
                field="region",
                value=code,
            )
        return self._regions[key]

    def departement(self, code: str) -> Departement:
        """The département with INSEE code ``code`` (e.g. ``"2A"``, ``"75"``, ``"974"``)."""
        key = _normalise_code(code)
        if key is None or key not in self._departements:
            raise UnknownCode(
                _("Département {code} does not exist.").format(code=repr(code)),
                field="departement",
                value=code,
            )
        return self._departements[key]

    def departement_for_postcode(
        self, postcode: str, *, insee_commune: str | None = None
    ) -> Departement:
        """The département of an address, from its postcode or, when given, its INSEE commune.

        ``insee_commune`` is authoritative: a few border communes have the postcode of a
        neighbouring département, and Corsican postcodes are only split at 20200 here
        (20000–20199 → 2A, 20200–20999 → 2B). Postcodes of Monaco and of the collectivités
        d'outre-mer (Saint-Martin, Saint-Barthélemy, Saint-Pierre-et-Miquelon, 98xxx) are
        refused: they are not in a département.
        """
        digits = _check_postcode(postcode)
        if insee_commune is not None:
            return self._departement_for_commune(insee_commune)
        return self._departement_for_digits(digits)

    def check_postcode_in_departement(
        self, postcode: str, departement_code: str, insee_commune: str | None = None
    ) -> Departement:
        """Refuse an address whose postcode (or INSEE commune) is not in ``departement_code``.

        Returns the département when the address is in it.
        """
        expected = self.departement(departement_code)
        actual = self.departement_for_postcode(postcode, insee_commune=insee_commune)
        if actual != expected:
            if insee_commune is None:
                text = _(
                    "Postcode {postcode} is not in département {code} ({name}) "
                    "but in {code2} ({name2})."
                )
            else:
                text = _(
                    "Postcode {postcode} (INSEE commune {insee_commune}) is not in "
                    "département {code} ({name}) but in {code2} ({name2})."
                )
            raise InvalidInput(
                text.format(
                    postcode=postcode.strip(),
                    insee_commune=(insee_commune or "").strip().upper(),
                    code=expected.code,
                    name=expected.name,
                    code2=actual.code,
                    name2=actual.name,
                ),
                field="postcode",
            )
        return expected

    def _departement_for_commune(self, insee_commune: str) -> Departement:
        """The département of an INSEE commune code (``"75056"``, ``"2A004"``, ``"97411"``)."""
        commune = _normalise_code(insee_commune)
        if commune is None or not _INSEE_COMMUNE.fullmatch(commune):
            raise InvalidInput(
                _(
                    "INSEE commune code {insee_commune} is not valid: it has 5 characters, "
                    "digits or 2A/2B for Corsica (e.g. 75056, 2A004)."
                ).format(insee_commune=repr(insee_commune)),
                field="insee_commune",
            )
        code = commune[:3] if commune.startswith(("97", "98")) else commune[:2]
        found = self._departements.get(code)
        if found is None:
            if code == "20":
                text = _(
                    "INSEE commune {commune} is not in a French département "
                    "(Corsican communes start with 2A or 2B)."
                )
            else:
                text = _("INSEE commune {commune} is not in a French département.")
            raise InvalidInput(text.format(commune=commune), field="insee_commune")
        return found

    def _departement_for_digits(self, postcode: str) -> Departement:
        """The département of a well-formed 5-digit postcode."""
        if postcode in _NOT_DEPARTEMENT_POSTCODES:
            place = _NOT_DEPARTEMENT_POSTCODES[postcode]
            raise InvalidInput(
                _(
                    "Postcode {postcode} is in {place}, a collectivité d'outre-mer, not in a "
                    "French département."
                ).format(postcode=postcode, place=place),
                field="postcode",
            )
        if postcode[:3] in _NOT_DEPARTEMENT_PREFIXES or postcode.startswith("98"):
            place = _NOT_DEPARTEMENT_PREFIXES.get(
                postcode[:3], _("Monaco or a collectivité d'outre-mer")
            )
            raise InvalidInput(
                _("Postcode {postcode} is in {place}, not in a French département.").format(
                    postcode=postcode, place=place
                ),
                field="postcode",
            )
        if postcode.startswith("20"):
            code = "2A" if int(postcode) < 20200 else "2B"
        elif postcode.startswith("97"):
            code = postcode[:3]
        else:
            code = postcode[:2]
        found = self._departements.get(code)
        if found is None:
            raise InvalidInput(
                _("Postcode {postcode} does not belong to any French département.").format(
                    postcode=postcode
                ),
                field="postcode",
            )
        return found


def _check_postcode(postcode: str) -> str:
    """The postcode trimmed, or InvalidInput if it is not exactly 5 digits."""
    digits = postcode.strip() if isinstance(postcode, str) else None
    if digits is None or not _POSTCODE.fullmatch(digits):
        raise InvalidInput(
            _(
                "Postcode {postcode} is not valid: a French postcode has exactly 5 "
                "digits (e.g. 75008)."
            ).format(postcode=repr(postcode)),
            field="postcode",
        )
    return digits


# --------------------------------------------------------------------------- loading


class _Reader:
    """Checks the entries of one annuaire file, naming the file and the entry in errors."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ConfigError:
        """A ConfigError for ``problem`` at ``where`` in the file."""
        text = _("{source}: {where}: {problem}.") if where else _("{source}: {problem}.")
        return ConfigError(text.format(source=self.source, where=where, problem=problem))

    def entries(self, data: dict[Any, Any], key: str) -> list[Any]:
        """The list under top-level ``key``, refusing anything else."""
        if key not in data:
            raise self.fail("", _("the '{key}' list is missing").format(key=key))
        value = data[key]
        if not isinstance(value, list) or not value:
            raise self.fail(
                key,
                _("must be a non-empty list of entries, not {value}").format(value=_kind(value)),
            )
        return value

    def entry(self, where: str, raw: object, fields: tuple[str, ...]) -> dict[str, object]:
        """One entry as a mapping holding exactly ``fields``."""
        expected = ", ".join(fields)
        if not isinstance(raw, dict):
            raise self.fail(
                where,
                _("must be a mapping with {expected}, not {raw}").format(
                    expected=expected, raw=_kind(raw)
                ),
            )
        for name in fields:
            if name not in raw:
                raise self.fail(where, _("'{name}' is missing").format(name=name))
        extra = sorted(str(name) for name in raw if name not in fields)
        if extra:
            raise self.fail(
                where,
                _("unknown key {listed} (expected {expected})").format(
                    listed=", ".join(extra), expected=expected
                ),
            )
        return {str(name): value for name, value in raw.items()}

    def code(self, where: str, value: object, field: str, pattern: re.Pattern[str]) -> str:
        """A code field: text matching ``pattern``; a number means it was left unquoted."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise self.fail(
                where,
                _(
                    '{field} {value} is a number, not text: quote it (e.g. {field}: "01"), '
                    "as YAML reads an unquoted 01 as the number 1"
                ).format(field=field, value=value),
            )
        if not isinstance(value, str):
            raise self.fail(
                where,
                _("{field} must be a quoted code, not {value}").format(
                    field=field, value=_kind(value)
                ),
            )
        if not pattern.fullmatch(value):
            raise self.fail(
                where,
                _("{field} {value} is not a valid INSEE code").format(
                    field=field, value=repr(value)
                ),
            )
        return value

    def name(self, where: str, value: object) -> str:
        """A non-empty name."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, _("name must be non-empty text"))
        return value.strip()


def _where(label: str, raw: object) -> str:
    """An entry's position for error messages, with its code when it has a textual one."""
    if isinstance(raw, dict) and isinstance(raw.get("code"), str):
        return _("{label} (code {code})").format(label=label, code=raw["code"])
    return label


def _kind(value: object) -> str:
    """How a YAML value reads to a person: 'a list', 'a number', 'nothing'…"""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


def _parse(text: str, source: str) -> Geography:
    """Build a Geography from the YAML ``text`` of the file named ``source``."""
    import yaml

    reader = _Reader(source)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise reader.fail(where, _("not valid YAML ({problem})").format(problem=problem)) from exc
    if not isinstance(data, dict):
        raise reader.fail(
            "",
            _("must be a mapping with 'regions' and 'departements', not {data}").format(
                data=_kind(data)
            ),
        )
    extra = sorted(str(key) for key in data if key not in ("regions", "departements"))
    if extra:
        raise reader.fail(
            "",
            _("unknown top-level key {listed} (expected regions and departements)").format(
                listed=", ".join(extra)
            ),
        )

    regions: list[Region] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(reader.entries(data, "regions")):
        label = f"regions[{index}]"
        where = _where(label, raw)
        entry = reader.entry(where, raw, ("code", "name"))
        code = reader.code(where, entry["code"], "code", _REGION_CODE)
        if code in seen:
            raise reader.fail(
                where, _("duplicate code, already used by {seen}").format(seen=seen[code])
            )
        seen[code] = label
        regions.append(Region(code, reader.name(where, entry["name"])))

    departements: list[Departement] = []
    region_codes = {region.code for region in regions}
    seen = {}
    for index, raw in enumerate(reader.entries(data, "departements")):
        label = f"departements[{index}]"
        where = _where(label, raw)
        entry = reader.entry(where, raw, ("code", "name", "region"))
        code = reader.code(where, entry["code"], "code", _DEPARTEMENT_CODE)
        if code in seen:
            raise reader.fail(
                where, _("duplicate code, already used by {seen}").format(seen=seen[code])
            )
        seen[code] = label
        name = reader.name(where, entry["name"])
        region = reader.code(where, entry["region"], "region", _REGION_CODE)
        if region not in region_codes:
            raise reader.fail(where, _("région '{region}' does not exist").format(region=region))
        departements.append(Departement(code, name, region))
    return Geography(regions, departements)


def load_geography(path: Path | None = None) -> Geography:
    """Read and check an annuaire file; by default the copy shipped with domicili.

    Raises ConfigError, naming the file and the entry, when the file is missing,
    unreadable or malformed.
    """
    if path is not None:
        return _parse(_read(path), str(path))
    from importlib import resources

    resource = resources.files("domicili").joinpath(_RESOURCE)
    if resource.is_file():
        try:
            text = resource.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                _("{resource}: cannot be read ({exc}).").format(resource=resource, exc=exc)
            ) from exc
        return _parse(text, str(resource))
    if _REPOSITORY_FILE.is_file():
        return _parse(_read(_REPOSITORY_FILE), str(_REPOSITORY_FILE))
    raise ConfigError(
        _("domicili/{RESOURCE} is missing from this installation; reinstall domicili.").format(
            RESOURCE=_RESOURCE
        )
    )


def _read(path: Path) -> str:
    """The UTF-8 text of ``path``, or ConfigError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(_("{path}: file not found.").format(path=path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{path}: cannot be read ({exc}).").format(path=path, exc=exc)) from exc


@functools.cache
def geography() -> Geography:
    """The geography shipped with domicili, read once and shared."""
    return load_geography()


def departement_for_postcode(postcode: str, *, insee_commune: str | None = None) -> Departement:
    """The département of a postcode (or INSEE commune), using the shipped geography."""
    return geography().departement_for_postcode(postcode, insee_commune=insee_commune)


def check_postcode_in_departement(
    postcode: str, departement_code: str, insee_commune: str | None = None
) -> Departement:
    """Refuse a postcode (or INSEE commune) outside ``departement_code``; return the département."""
    return geography().check_postcode_in_departement(postcode, departement_code, insee_commune)
