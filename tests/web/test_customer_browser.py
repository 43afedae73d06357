"""A customer user in a real browser (issue 13's Must show): served by uvicorn on 127.0.0.1.

A user of the Ministry (MFP) logs in, lands on its invoices with their states in plain words,
opens one, reads its rules; then asks for another institution's (SFE's) invoice by every route the
console has — its page, its number, its supplier, the CSV export, its notice's attachment, and the
creditor pages and file downloads — and gets exactly what a missing invoice gets, or a refusal.

Required in CI; skipped elsewhere when no chromium is installed (tests/support/browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from robot.store.schema import InvoiceRow
from tests.web.conftest import PASSWORD, serve_console

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store

FOOTER = re.compile(r"<footer.*?</footer>", re.S)


@pytest.fixture
def console(web_config: LoadedConfig, web_store: Store) -> Iterator[str]:
    from robot.store.users import Users

    Users(web_store.sessions).add("mfp-karen", "customer", PASSWORD, customer_id="MFP")
    with serve_console(web_config, web_store) as base_url:
        yield base_url


def rows_of(store: Store, customer: str) -> list[InvoiceRow]:
    with store.sessions() as s:
        return list(
            s.scalars(select(InvoiceRow).where(InvoiceRow.customer_id == customer).order_by(InvoiceRow.id))
        )


def listed(page: Page) -> set[str]:
    links = page.locator("a[href^='/my/invoices/']")
    return {links.nth(i).get_attribute("href") or "" for i in range(links.count())}


def test_a_customer_sees_its_invoices_and_cannot_reach_another_institutions(
    page: Page, console: str, web_store: Store
) -> None:
    page.goto(f"{console}/login")
    page.fill("input[name=username]", "mfp-karen")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{console}/my")

    # its invoices, each with its state in plain words; the menu has only the customer's pages
    own = rows_of(web_store, "MFP")
    assert listed(page) == {f"/my/invoices/{r.id}" for r in own}
    states = page.locator("td.my-state").all_inner_texts()
    assert len(states) == len(own)
    assert any(s.startswith("Bogført") for s in states) and "Returneret til leverandøren" in states
    assert "Venter på jer" in states
    menu = page.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert menu == ["/my", "/my/rules"]

    # one of them: state and journey; its rules
    returned = next(r for r in own if r.state == "returned")
    page.click(f"a[href='/my/invoices/{returned.id}']")
    page.wait_for_url(f"{console}/my/invoices/{returned.id}")
    assert page.inner_text("#my-state") == "Returneret til leverandøren"
    assert "Fakturaen er sendt retur til leverandøren" in page.inner_text("ol.my-journey")
    assert page.locator("section.notice a[href$='/notice/1']").count() == 1
    page.click("nav a[href='/my/rules']")
    page.wait_for_url(f"{console}/my/rules")
    assert "Kun disse leverandører bogføres automatisk" in page.inner_text("main")

    # another institution's invoice, by every route: as a missing one
    other = next(r for r in rows_of(web_store, "SFE") if r.state == "returned" and r.notice_id)
    assert other.invoice_number and other.supplier_name
    with web_store.sessions() as s:
        gone = int(s.scalar(select(func.max(InvoiceRow.id))) or 0) + 1000
    for path in ("/my/invoices/{}", "/my/invoices/{}/notice/1"):
        theirs = page.request.get(console + path.format(other.id), headers={"Accept": "text/html"})
        nobody = page.request.get(console + path.format(gone), headers={"Accept": "text/html"})
        assert theirs.status == nobody.status == 404, path
        same = [FOOTER.sub("", r.text()).replace(f"/invoices/{i}", "/invoices/N") for r, i in
                ((theirs, other.id), (nobody, gone))]  # fmt: skip
        assert same[0] == same[1], path
    shown = page.goto(f"{console}/my/invoices/{other.id}")
    assert shown is not None and shown.status == 404 and "Findes ikke" in page.inner_text("main")
    mine = {f"/my/invoices/{r.id}" for r in own}
    for field, value in (("number", other.invoice_number), ("supplier", other.supplier_name)):
        page.goto(f"{console}/my")
        page.fill(f"input[name={field}]", value)
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url(re.compile(rf".*/my\?.*{field}=.*"))
        assert f"/my/invoices/{other.id}" not in listed(page) and listed(page) <= mine, field
        export = page.request.get(f"{console}/my/invoices.csv?{field}={value}")
        assert export.status == 200
        assert {line.split(",")[0] for line in export.text().splitlines()[1:]} <= {str(r.id) for r in own}
    for path in (
        f"/invoices/{other.id}",
        f"/invoices/{other.id}/document",
        f"/invoices/{other.id}/raw",
        f"/invoices/{other.id}/invoice-response",
        f"/search?number={other.invoice_number}",
        "/holds",
        "/error-types.csv?table=by-type",
    ):
        answer = page.request.get(console + path, headers={"Accept": "text/html"})
        assert answer.status in (403, 404), (path, answer.status)
        main = re.search(r"<main.*?</main>", answer.text(), re.S)  # the header echoes the URL (lang links)
        assert main is not None and other.invoice_number not in main.group(0), path
    assert page.dialogs == []  # type: ignore[attr-defined]
