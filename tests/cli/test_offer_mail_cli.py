"""``domicili offer add|update|show`` with the mail terms, and the mailbox's fees on the
next invoice of ``billing run``, through the real command on a copy of the command world
(dossier 5: provider A's, in force since 2 March, billed monthly)."""

from __future__ import annotations

from typing import Any

JUNE = "2026-06-02T09:00:00+02:00"
ADD = (
    "offer", "add", "1", "--name", "Courrier+", "--price-ht", "29",
    "--mail-pieces", "20", "--mail-pages", "100", "--piece-fee", "0,90", "--page-fee", "0,10",
    "--letter-free-days", "15", "--storage-fee", "0,50", "--forward-fee", "2",
)  # fmt: skip


def test_staff_set_an_offer_s_mail_terms_and_see_them(command_world: Any, tmp_path: Any) -> None:
    cli = command_world(tmp_path / "w").cli
    added = cli.json(*ADD)
    assert added["mail_terms"] == {
        "pieces_per_month": 20,
        "pages_per_month": 100,
        "piece_fee_cents": 90,
        "page_fee_cents": 10,
        "letter_free_days": 15,
        "parcel_free_days": 14,
        "storage_fee_cents": 50,
        "retention_days": 90,
        "forward_fee_cents": 200,
    }
    offer_id = str(added["id"])
    shown = cli.ok("offer", "show", offer_id, env={"DOMICILI_LANG": "fr"}).stdout
    assert "Plis par mois" in shown
    assert "20 plis" in shown
    assert "15 jours pour une lettre, 14 jours pour un colis" in shown
    assert "2,00\xa0€ HT par envoi, plus son affranchissement" in shown

    updated = cli.ok(
        "offer", "update", offer_id, "--mail-pages", "unlimited", "--retention-days", "60"
    )
    assert f"Offer {offer_id} updated." in updated.stderr
    terms = cli.json("offer", "show", offer_id)["mail_terms"]
    assert (terms["pages_per_month"], terms["retention_days"], terms["pieces_per_month"]) == (
        None,
        60,
        20,
    )
    listed = next(o for o in cli.json("offer", "list", "1") if o["id"] == added["id"])
    assert listed["mail_terms"] == terms


def test_bad_mail_terms_are_one_sentence_and_change_nothing(
    command_world: Any, tmp_path: Any
) -> None:
    cli = command_world(tmp_path / "w").cli
    offer_id = str(cli.json(*ADD)["id"])
    before = cli.json("offer", "show", offer_id)
    nothing = cli("offer", "update", offer_id)
    assert nothing.exit_code == 2
    assert "Give the mail terms to change (--mail-pieces, --mail-pages" in nothing.stderr
    for bad, said in [
        (
            ("--mail-pieces", "beaucoup"),
            "'beaucoup' is not an allowance (0 to 100000, or unlimited)",
        ),
        (("--piece-fee", "2000"), "at most 1\u202f000,00\xa0€"),
        (("--letter-free-days", "400"), "'400' is not a number of days (0 to 365)"),
        (("--retention-days", "0"), "'0' is not a number of days (1 to 3650)"),
    ]:
        refused = cli("offer", "update", offer_id, *bad)
        assert refused.exit_code == 2, refused.stderr
        assert said in refused.stderr
        assert "Traceback" not in refused.stderr
    amount = cli("offer", "update", offer_id, "--storage-fee", "-1")
    assert amount.exit_code == 1
    assert amount.stderr == "Error: --storage-fee: '-1' must be a positive amount in euros.\n"
    missing = cli("offer", "update", "999", "--mail-pieces", "3")
    assert missing.exit_code == 1
    assert "Offer 999 not found" in missing.stderr
    assert cli.json("offer", "show", offer_id) == before
    assert cli("offer", "add", *ADD[2:6], "--mail-pieces", "-2").exit_code == 2
    assert len(cli.json("offer", "list", "1")) == len(
        [o for o in cli.json("offer", "list") if o["provider_id"] == 1]
    )


def test_the_postage_of_a_forward_is_on_the_next_invoice_without_asking(
    command_world: Any, tmp_path: Any
) -> None:
    cli = command_world(tmp_path / "w").cli
    got = cli.json("courrier", "receive", "5", "--sender", "URSSAF", "--kind", "lettre")
    piece = str(got["piece"]["id"])
    cli.ok("courrier", "instruct", piece, "forward", "--to", "12 rue des Lilas, 69003 Lyon")
    cli.ok("courrier", "forward-batch", "--postage", "2,50")
    cli.json("billing", "run", now=JUNE)  # April to June, each month's invoice at once
    invoices = {
        r["period_start"]: cli.json("--provider", "1", "invoice", "show", r["number"])["lines"]
        for r in cli.json("billing", "list", "--dossier", "5")
    }
    # March's forward on April's invoice, once; the offer charges nothing else.
    (_period, postage) = invoices.pop("2026-04-02")
    assert postage["description"] == "Affranchissement du courrier réexpédié, par envoi"
    assert (postage["quantity"], postage["unit_price_ht_cents"]) == (1, 250)
    assert (postage["period_start"], postage["period_end"]) == ("2026-03-02", "2026-04-01")
    assert [len(lines) for lines in invoices.values()] == [1, 1]
    assert cli.json("billing", "run", now=JUNE)["issued"] == 0
