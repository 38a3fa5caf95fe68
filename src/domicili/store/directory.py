"""Providers, their offers, and the directory search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ..annuaire import SearchResult
from ..models import (
    TRUSTED,
    Agrement,
    Offer,
    Provider,
    add_years,
)
from ..records import to_json as _json
from ._base import StoreBase
from ._rows import _columns, _like_escape, _offer
from ._sql import json_values

__all__ = ["DirectoryStore"]


class DirectoryStore(StoreBase):
    """Providers, their offers, and the directory search."""

    # -- providers --------------------------------------------------------------
    def insert_provider(self, provider: Provider) -> int:
        # Fields left empty are not written: a database of an older schema (one without a
        # newer optional column) still takes a provider that does not use it.
        row = provider.model_dump(
            exclude={"id", "departements", "services"}, exclude_none=True, mode="json"
        )
        row["suspended"] = int(provider.suspended)
        if provider.vat_on_debits:  # the default is not written (see above)
            row["vat_on_debits"] = 1
        else:
            row.pop("vat_on_debits", None)
        row["agrement_expires"] = provider.agrement_expires.isoformat()
        provider_id = self.sql.insert("providers", row)
        self._set_provider_lists(provider_id, provider.departements, provider.services)
        self.insert_agrement(
            Agrement(
                provider_id=provider_id,
                numero=provider.agrement_numero,
                prefecture=provider.agrement_prefecture,
                date=provider.agrement_date,
                expires=provider.agrement_expires,
                recorded_at=provider.created_at or row["created_at"],
            )
        )
        return provider_id

    # -- the agréments a provider held ------------------------------------------
    def insert_agrement(self, agrement: Agrement) -> int:
        row = agrement.model_dump(exclude={"id"}, mode="json")
        return self.sql.insert("provider_agrements", row)

    def update_agrement(self, agrement_id: int, **fields: Any) -> None:
        self.sql.update("provider_agrements", agrement_id, _columns(fields))

    def agrements(self, provider_id: int) -> list[Agrement]:
        """Every agrément of a provider, the oldest first."""
        rows = self.sql.all(
            "SELECT * FROM provider_agrements WHERE provider_id = ? ORDER BY date, id",
            (provider_id,),
        )
        return [Agrement.model_validate(r, context=TRUSTED) for r in rows]

    def _set_provider_lists(
        self, provider_id: int, departements: list[str], services: list[str]
    ) -> None:
        self.sql.execute("DELETE FROM provider_departements WHERE provider_id = ?", (provider_id,))
        self.sql.executemany(
            "INSERT INTO provider_departements (provider_id, departement) VALUES (?, ?)",
            [(provider_id, d) for d in departements],
        )
        self.sql.execute("DELETE FROM provider_services WHERE provider_id = ?", (provider_id,))
        self.sql.executemany(
            "INSERT INTO provider_services (provider_id, service, position) VALUES (?, ?, ?)",
            [(provider_id, s, n) for n, s in enumerate(services)],
        )

    def update_provider(self, provider_id: int, **fields: Any) -> None:
        departements = fields.pop("departements", None)
        services = fields.pop("services", None)
        if "agrement_date" in fields:
            fields["agrement_expires"] = add_years(
                date.fromisoformat(str(fields["agrement_date"])), 6
            )
        if fields:
            self.sql.update("providers", provider_id, _columns(fields))
        if departements is not None or services is not None:
            current = self.get_provider(provider_id)
            assert current is not None
            self._set_provider_lists(
                provider_id,
                current.departements if departements is None else departements,
                current.services if services is None else services,
            )

    def get_provider(self, provider_id: int) -> Provider | None:
        found = self._providers("WHERE id = ?", (provider_id,))
        return found[0] if found else None

    def provider_id_by_siren(self, siren: str) -> int | None:
        row = self.sql.one("SELECT id FROM providers WHERE siren = ?", (siren,))
        return int(row["id"]) if row else None

    def list_providers(
        self, *, before: int | None = None, limit: int | None = None
    ) -> Iterator[Provider]:
        """Providers newest first (highest id), below ``before`` when given, in batches."""
        rows = self._newest_first(
            self._provider_select(), [], [], before=before, limit=limit, id_column="providers.id"
        )
        return (_provider(row) for row in rows)

    def _provider_select(self) -> str:
        # The two lists come with each row (one query): departements in their order,
        # services as "position:code" put back in theirs.
        departements = self.sql.json_list("departement")
        services = self.sql.json_list("position || ':' || service")
        return (
            f"SELECT *, (SELECT {departements} FROM provider_departements d "
            "WHERE d.provider_id = providers.id) AS departements_list, "
            f"(SELECT {services} FROM provider_services s "
            "WHERE s.provider_id = providers.id) AS services_list FROM providers"
        )

    def _providers(self, where: str, params: tuple[Any, ...]) -> list[Provider]:
        rows = self.sql.all(f"{self._provider_select()} {where} ORDER BY id", params)
        return [_provider(row) for row in rows]

    # -- offers -----------------------------------------------------------------
    def insert_offer(self, offer: Offer) -> int:
        row = offer.model_dump(exclude={"id"}, mode="json")
        row["services"] = _json(offer.services)
        row["mail_terms"] = _json(row["mail_terms"])
        row["is_default"] = int(offer.is_default)
        row["monthly_ht_cents"] = offer.monthly_ht_cents
        if offer.is_default:
            self.sql.execute(
                "UPDATE offers SET is_default = 0 WHERE provider_id = ?", (offer.provider_id,)
            )
        return self.sql.insert("offers", row)

    def update_offer(self, offer: Offer) -> None:
        assert offer.id is not None
        row = offer.model_dump(exclude={"id", "created_at"}, mode="json")
        row["services"] = _json(offer.services)
        row["mail_terms"] = _json(row["mail_terms"])
        row["is_default"] = int(offer.is_default)
        row["monthly_ht_cents"] = offer.monthly_ht_cents
        if offer.is_default:
            self.sql.execute(
                "UPDATE offers SET is_default = 0 WHERE provider_id = ?", (offer.provider_id,)
            )
        self.sql.update("offers", offer.id, row)

    def get_offer(self, offer_id: int) -> Offer | None:
        row = self.sql.one("SELECT * FROM offers WHERE id = ?", (offer_id,))
        return _offer(row) if row else None

    def list_offers(self, provider_id: int | None = None) -> list[Offer]:
        if provider_id is None:
            rows = self.sql.all("SELECT * FROM offers ORDER BY provider_id, id")
        else:
            rows = self.sql.all(
                "SELECT * FROM offers WHERE provider_id = ? ORDER BY id", (provider_id,)
            )
        return [_offer(r) for r in rows]

    # -- directory search -------------------------------------------------------
    def search_providers(
        self,
        *,
        on: date,
        departements: list[str] | None,
        services: list[str],
        max_monthly_ht_cents: int | None,
        sort: str = "price",
        limit: int | None = None,
        provider_id: int | None = None,
    ) -> list[SearchResult]:
        """Listed providers (agrément valid ``on``, not suspended) serving the place.

        Each row carries the provider and its cheapest offer that includes every
        requested service (no offer: ``offer_id`` is NULL, excluded under a price cap).
        Portable SQL: joins, ``IN`` lists and ``GROUP BY`` only.
        """
        day = on.isoformat()
        params: list[Any] = [day, day]
        where = ["p.suspended = 0", "p.agrement_date <= ?", "p.agrement_expires > ?"]
        if departements is not None:
            marks = ", ".join("?" * len(departements))
            where.append(
                f"p.id IN (SELECT provider_id FROM provider_departements "
                f"WHERE departement IN ({marks}))"
            )
            params.extend(departements)
        if provider_id is not None:  # a session scoped to one provider
            where.append("p.id = ?")
            params.append(provider_id)
        for service in services:
            where.append("p.id IN (SELECT provider_id FROM provider_services WHERE service = ?)")
            params.append(service)
        # Services are stored as a JSON list: match the quoted code, wildcards escaped.
        offer_filter = "".join(" AND o.services LIKE ? ESCAPE '\\'" for _ in services)
        offer_params = [f'%"{_like_escape(s)}"%' for s in services]
        sql = (
            "SELECT p.id, p.name, p.city, p.postcode, p.departement, p.agrement_expires, "
            "o.id AS offer_id, o.name AS offer_name, o.monthly_ht_cents, o.price_ht_cents, "
            "o.period FROM providers p "
            "LEFT JOIN offers o ON o.id = (SELECT o2.id FROM offers o2 WHERE "
            "o2.provider_id = p.id"
            + offer_filter.replace("o.", "o2.")
            + " ORDER BY o2.monthly_ht_cents, o2.id LIMIT 1) "
            "WHERE " + " AND ".join(where)
        )
        params = offer_params + params
        if max_monthly_ht_cents is not None:
            sql += " AND o.monthly_ht_cents <= ?"
            params.append(max_monthly_ht_cents)
        if sort == "price":
            sql += " ORDER BY o.monthly_ht_cents IS NULL, o.monthly_ht_cents, p.name, p.id"
        else:
            sql += " ORDER BY p.name, p.id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.sql.all(sql, tuple(params))
        listed = self._provider_lists(
            "provider_services", "service", [r["id"] for r in rows], "position"
        )
        return [
            SearchResult(
                provider_id=r["id"],
                name=r["name"],
                city=r["city"],
                postcode=r["postcode"],
                departement=r["departement"],
                services=listed.get(r["id"], []),
                offer_id=r["offer_id"],
                offer_name=r["offer_name"],
                monthly_ht_cents=r["monthly_ht_cents"],
                price_ht_cents=r["price_ht_cents"],
                period=r["period"],
                agrement_expires=r["agrement_expires"],
            )
            for r in rows
        ]

    def _provider_lists(
        self, table: str, column: str, ids: list[int], order: str
    ) -> dict[int, list[str]]:
        """provider id → values of a side table (départements, services), in their order.

        Asked by chunks so that any number of providers stays under the SQL variable limit.
        """
        found: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for provider_id, value in self.sql.rows(
                f"SELECT provider_id, {column} FROM {table} WHERE provider_id IN ({marks}) "
                f"ORDER BY provider_id, {order}",
                chunk,
            ):
                found.setdefault(provider_id, []).append(value)
        return found


def _provider(row: dict[str, Any]) -> Provider:
    row.pop("agrement_expires", None)
    row["suspended"] = bool(row["suspended"])
    row["vat_on_debits"] = bool(row.get("vat_on_debits", 0))
    row["departements"] = sorted(json_values(row.pop("departements_list")))
    ranked = (item.split(":", 1) for item in json_values(row.pop("services_list")))
    row["services"] = [code for _, code in sorted(ranked, key=lambda r: int(r[0]))]
    return Provider.model_validate(row, context=TRUSTED)
