"""The *Unmatched payments* page (/payments): payments the robot matched to no invoice or to
several, with their candidates, escaped, in Danish and English; the creditor team only."""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape
from sqlalchemy import update

from robot.bank.importer import PaymentImporter
from robot.store.repo import Store
from robot.store.schema import InvoiceRow
from robot.web.reads.payments import unmatched
from tests.support.bankfiles import camt054, entry, tx
from tests.web.conftest import HTML, ClientAs

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> KL-2026-0266'
KONTORLAND = "0003458721"


def _import(store: Store, tmp_path: Path) -> None:
    """An unmatched payment with a hostile text naming KL-2026-0266 (wrong amount), an ambiguous one
    (two invoices numbered BL20260356), and one that matches KL-2026-0264 (not listed)."""
    with store.sessions.begin() as s:
        renumbered = update(InvoiceRow).where(InvoiceRow.invoice_number == "BL20260357")
        s.execute(renumbered.values(invoice_number="BL20260356"))
    content = camt054(
        "08",
        [
            entry(
                "DBIT",
                "1.00",
                [
                    tx(
                        amount="1.00",
                        ustrd=[HOSTILE],
                        creditor_iban=KONTORLAND,
                        creditor_name="<b>Evil</b> A/S",
                    )
                ],
                bank_reference="BR-<1>",
            ),
            entry(
                "DBIT",
                "7818.75",
                [tx(amount="7818.75", referred_documents=[("BL20260356", None)])],
                bank_reference="BR-2",
            ),
            entry(
                "DBIT",
                "22650.00",
                [tx(amount="22650.00", referred_documents=[("KL-2026-0264", None)])],
                bank_reference="BR-3",
            ),
        ],
    )
    path = tmp_path / "ntf.xml"
    path.write_bytes(content)
    [outcome] = PaymentImporter(store).import_files([path])
    assert (outcome.unmatched, outcome.ambiguous, outcome.matched) == (1, 1, 1)


def test_the_unmatched_payments_with_their_candidates_escaped(
    web_store: Store, client_as: ClientAs, tmp_path: Path
) -> None:
    _import(web_store, tmp_path)
    page = client_as("viewer").get("/payments", headers=HTML)
    assert page.status_code == 200
    html = page.text
    assert HOSTILE not in html and "<b>Evil</b>" not in html and "BR-<1>" not in html
    assert str(escape(HOSTILE)) in html and str(escape("<b>Evil</b> A/S")) in html
    assert "Ingen faktura" in html and "Flere mulige fakturaer" in html
    assert "BR-3" not in html  # matched: not listed
    assert (
        html.count('href="/invoices/') == 3
    )  # KL-2026-0266 for the first, the two BL20260356 for the second
    english = client_as("creditor").get("/payments?lang=en", headers=HTML).text
    assert "Unmatched payments" in english and "Several possible invoices" in english


def test_a_customer_user_may_not_see_it_and_anonymous_is_sent_to_login(
    web_store: Store, client_as: ClientAs, anon: object
) -> None:
    assert client_as("customer", "SFE").get("/payments", headers=HTML).status_code == 403
    response = anon.get("/payments", headers=HTML, follow_redirects=False)  # type: ignore[attr-defined]
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_paging_newest_first_and_a_customers_person_sees_only_its_candidates(
    web_store: Store, tmp_path: Path
) -> None:
    _import(web_store, tmp_path)
    first = unmatched(web_store, limit=1)
    assert first.total == 2 and len(first.payments) == 1 and first.older is not None
    second = unmatched(web_store, before=first.older, limit=1)
    assert [p.status for p in first.payments + second.payments] == ["ambiguous", "unmatched"]
    assert second.older is None
    customers = {c.customer_id for p in unmatched(web_store).payments for c in p.candidates}
    only = customers.pop()
    limited = unmatched(web_store, only_customer=only)
    assert all(c.customer_id == only for p in limited.payments for c in p.candidates)


def test_no_unmatched_payments(client_as: ClientAs) -> None:
    page = client_as("admin").get("/payments", headers=HTML)
    assert page.status_code == 200 and 'id="no-payments"' in page.text
