"""Reading CII XML back in tests: amounts as cents, per-rate groups, parties."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def cents(text: str | None) -> int:
    assert text is not None
    whole, _, frac = text.partition(".")
    assert len(frac) == 2, text
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(frac))


@dataclass
class ReadInvoice:
    root: ET.Element

    def text(self, path: str) -> str:
        found = self.root.find(path, NS)
        assert found is not None, path
        return found.text or ""

    def all(self, path: str) -> list[ET.Element]:
        return self.root.findall(path, NS)

    @property
    def line_totals(self) -> list[int]:
        return [
            cents(e.text)
            for e in self.all(
                ".//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/"
                "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
            )
        ]

    @property
    def groups(self) -> list[tuple[int, int, str]]:
        """(basis, vat, category) of each header VAT breakdown."""
        out = []
        for tax in self.all(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"):
            basis = tax.find("ram:BasisAmount", NS)
            amount = tax.find("ram:CalculatedAmount", NS)
            category = tax.find("ram:CategoryCode", NS)
            assert basis is not None
            assert amount is not None
            assert category is not None
            out.append((cents(basis.text), cents(amount.text), category.text or ""))
        return out

    def total(self, name: str) -> int:
        return cents(
            self.text(f".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{name}")
        )


def read(xml: bytes) -> ReadInvoice:
    return ReadInvoice(ET.fromstring(xml))
