"""The customer's own pages (issue 13): /my, /my/invoices/{id}, its notice, the CSV, and isolation.

Over the demo store of conftest.py (the customers SFE, ITD, MFP, EKU of samples/customers.yaml).
A customer user of MFP sees MFP's invoices with their states in plain words; every way of asking for
another institution's invoice (id, number, supplier, notice file, CSV) answers as a missing one: the
same 404 and the same body. A customer user gets no creditor page, and creditor users get no /my.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from robot.store.schema import FindingRow, InvoiceRow
from robot.store.users import UserError, Users
from tests.web.conftest import BASE_URL, HTML, PASSWORD, ClientAs, log_in

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store

FOOTER = re.compile(r"<footer.*?</footer>", re.S)


def body(response: Any, invoice_id: int) -> str:
    """The page without its footer (which shows the minute it was made) and with the id asked for
    (the page's own links, e.g. to itself in English) as ``N``."""
    return FOOTER.sub("", response.text).replace(f"/invoices/{invoice_id}", "/invoices/N")


def invoices(store: Store, customer: str, **where: Any) -> list[InvoiceRow]:
    with store.sessions() as s:
        query = select(InvoiceRow).where(InvoiceRow.customer_id == customer).order_by(InvoiceRow.id)
        for k, v in where.items():
            query = query.where(getattr(InvoiceRow, k) == v)
        return list(s.scalars(query))


def held_with(store: Store, customer: str, code: str) -> InvoiceRow:
    with store.sessions() as s:
        found = s.scalar(
            select(InvoiceRow)
            .join(FindingRow, FindingRow.invoice_id == InvoiceRow.id)
            .where(InvoiceRow.customer_id == customer, InvoiceRow.state == "held", FindingRow.code == code)
        )
    assert found is not None, f"no held {customer} invoice with {code} in the demo"
    return found


def missing_id(store: Store) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(func.max(InvoiceRow.id))) or 0) + 1000


@pytest.fixture
def mfp(client_as: ClientAs) -> TestClient:
    return client_as("customer", "MFP")


def test_my_lists_only_the_institutions_invoices_with_their_states(mfp: TestClient, web_store: Store) -> None:
    page = mfp.get("/my", headers=HTML)
    assert page.status_code == 200
    own = invoices(web_store, "MFP")
    links = set(re.findall(r'href="/my/invoices/(\d+)"', page.text))
    assert links == {str(r.id) for r in own}
    posted = next(r for r in own if r.state == "posted")
    assert f"Bogført (bilag {posted.erp_document_no})" in page.text
    assert "Returneret til leverandøren" in page.text
    assert "Ministeriet for Prøvesager" in page.text
    assert "/holds" not in page.text and "/runs" not in page.text  # no creditor links in the menu
    english = mfp.get("/my?lang=en", headers=HTML).text
    assert (
        f"Posted (ERP document {posted.erp_document_no})" in english and "Returned to the supplier" in english
    )


def test_holds_say_who_is_waiting_and_what_is_missing(mfp: TestClient, web_store: Store) -> None:
    theirs = held_with(web_store, "MFP", "CUST-SUPPLIER-ALLOW")
    page = mfp.get(f"/my/invoices/{theirs.id}", headers=HTML)
    assert page.status_code == 200
    assert "Venter på jer" in page.text and "kundens liste over leverandører" in page.text
    bank = held_with(web_store, "MFP", "VENDOR-BANK")
    page = mfp.get(f"/my/invoices/{bank.id}?lang=en", headers=HTML)
    assert "Being checked by the creditor team" in page.text and "vendor master" in page.text


def test_a_returned_invoice_shows_why_the_next_step_and_its_notice(mfp: TestClient, web_store: Store) -> None:
    returned = invoices(web_store, "MFP", state="returned")[0]
    page = mfp.get(f"/my/invoices/{returned.id}?lang=en", headers=HTML)
    assert page.status_code == 200
    assert "Returned to the supplier" in page.text and "Next step:" in page.text
    assert "The notice you were sent" in page.text and "Returnerede fakturaer" in page.text
    files = re.findall(rf'href="(/my/invoices/{returned.id}/notice/\d+)"', page.text)
    assert files
    download = mfp.get(files[0])
    assert download.status_code == 200 and download.content.startswith(b"<?xml")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["content-security-policy"]


def test_no_internal_details_on_the_invoice_page(mfp: TestClient, web_store: Store) -> None:
    posted = invoices(web_store, "MFP", state="posted")[0]
    with web_store.sessions.begin() as s:
        s.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == posted.id)
            .values(claimed_by="worker-7@host", last_error="Traceback (most recent call last)")
        )
    web_store.event(posted.id, None, "comment", by="ANJE", text="intern note om leverandøren")
    web_store.event(posted.id, None, "lease-lost", worker="worker-7@host")
    text = mfp.get(f"/my/invoices/{posted.id}", headers=HTML).text
    for internal in ("worker-7", "Traceback", "intern note", "ANJE", "lease", "idempotency", "K100"):
        assert internal not in text
    assert "Fakturaen er bogført" in text


def test_paid_and_payment_failed_in_plain_words(mfp: TestClient, web_store: Store) -> None:
    posted = [r for r in invoices(web_store, "MFP", state="posted") if r.due_date is not None][:2]
    one, two = posted
    web_store.event(one.id, None, "paid", booking_date=str(one.due_date), amount=str(one.payable),
                    currency="DKK", bank_reference="BANK-1")  # fmt: skip
    web_store.event(
        two.id, None, "paid", booking_date="2026-12-01", amount="1", currency="DKK", bank_reference="B2"
    )
    web_store.event(two.id, None, "payment-failed", status="RJCT", reason="AC04 lukket konto")
    page = mfp.get(f"/my/invoices/{one.id}", headers=HTML).text
    assert "Betalt " in page and "Betalt til tiden." in page and "BANK-1" not in page
    failed = mfp.get(f"/my/invoices/{two.id}?lang=en", headers=HTML).text
    assert "Payment failed" in failed and "AC04 lukket konto" in failed
    listing = mfp.get("/my?lang=en", headers=HTML).text
    assert "Paid on " in listing and "Payment failed" in listing


def test_search_by_number_supplier_date_and_amount(mfp: TestClient, web_store: Store) -> None:
    own = [r for r in invoices(web_store, "MFP") if r.invoice_number and r.issue_date and r.payable]
    target = own[0]
    assert target.invoice_number and target.issue_date and target.payable
    by_number = mfp.get("/my", params={"number": target.invoice_number.lower()}, headers=HTML).text
    assert set(re.findall(r'href="/my/invoices/(\d+)"', by_number)) == {str(target.id)}
    day = target.issue_date.isoformat()
    amount = f"{target.payable:.2f}"
    exact = mfp.get(
        "/my",
        params={"issued_from": day, "issued_to": day, "amount_min": amount, "amount_max": amount},
        headers=HTML,
    ).text
    assert str(target.id) in re.findall(r'href="/my/invoices/(\d+)"', exact)
    word = (target.supplier_name or "").split()[0]
    by_supplier = re.findall(r'href="/my/invoices/(\d+)"', mfp.get("/my", params={"supplier": word}).text)
    assert str(target.id) in by_supplier
    bad = mfp.get("/my", params={"amount_min": "lots"}, headers=HTML)
    assert bad.status_code == 400 and "amount_min" in bad.text


def test_keyset_paging(client_as: ClientAs, web_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import robot.web.reads.customer as reads

    monkeypatch.setattr(reads, "PAGE", 2)
    monkeypatch.setattr(reads.my_invoices, "__kwdefaults__", {"limit": 2})
    client = client_as("customer", "MFP")
    seen: list[str] = []
    url: str | None = "/my"
    while url:
        page = client.get(url, headers=HTML).text
        ids = re.findall(r'href="/my/invoices/(\d+)"', page)
        assert len(ids) <= 2
        seen += ids
        found = re.search(r'rel="next" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == [str(r.id) for r in reversed(invoices(web_store, "MFP"))]


def test_another_institutions_invoice_answers_as_a_missing_one_by_every_route(
    mfp: TestClient, web_store: Store
) -> None:
    other = invoices(web_store, "SFE", state="returned")[0]  # has a notice with attachments
    assert other.notice_id is not None and other.invoice_number
    gone = missing_id(web_store)
    for template in ("/my/invoices/{}", "/my/invoices/{}/notice/1", "/my/invoices/{}/notice/2"):
        for accept in (HTML, {"Accept": "application/json"}):
            theirs = mfp.get(template.format(other.id), headers=accept)
            nobody = mfp.get(template.format(gone), headers=accept)
            assert theirs.status_code == nobody.status_code == 404, template
            assert body(theirs, other.id) == body(nobody, gone), template
    assert mfp.get("/my/invoices/abc", headers=HTML).status_code == 404
    # by number, by supplier (an SFE-only supplier) and in the CSV: nothing of SFE's
    mfp_ids = {str(r.id) for r in invoices(web_store, "MFP")}
    for params in ({"number": other.invoice_number}, {"supplier": other.supplier_name or ""}):
        found = set(
            re.findall(r'href="/my/invoices/(\d+)"', mfp.get("/my", params=params, headers=HTML).text)
        )
        assert found <= mfp_ids and str(other.id) not in found
        csv = mfp.get("/my/invoices.csv", params=params).text.splitlines()
        assert {line.split(",")[0] for line in csv[1:]} <= mfp_ids
    everything = mfp.get("/my/invoices.csv").text.splitlines()
    assert {line.split(",")[0] for line in everything[1:]} == mfp_ids


def test_a_customer_user_gets_no_creditor_page(mfp: TestClient, web_app: FastAPI, web_store: Store) -> None:
    own = invoices(web_store, "MFP")[0].id
    tried = 0
    from fastapi.routing import iter_route_contexts

    for route in iter_route_contexts(web_app.routes):
        path = route.path or ""
        if "GET" not in (route.methods or ()) or path.startswith(("/my", "/static", "/login")):
            continue
        if path in ("/healthz", "/metrics"):
            continue
        url = re.sub(r"\{[^}]+\}", str(own), path)
        answer = mfp.get(url, headers=HTML, follow_redirects=False)
        if path == "/":
            assert answer.status_code == 303 and answer.headers["location"] == "/my"
        elif path.startswith("/api/"):  # the status API takes its own tokens, never a console session
            assert answer.status_code == 401, (url, answer.status_code)
        else:
            assert answer.status_code in (403, 404), (url, answer.status_code)
        tried += 1
    assert tried >= 10
    assert mfp.get("/search?number=x", headers=HTML).status_code == 403
    assert mfp.get("/invoices/1", headers={"Accept": "application/json"}).status_code == 403


@pytest.mark.parametrize("role", ["viewer", "creditor", "admin"])
def test_the_creditor_team_gets_no_customer_page(client_as: ClientAs, role: str) -> None:
    client = client_as(role)
    assert client.get("/my", headers=HTML).status_code == 403
    assert client.get("/my/invoices/1", headers=HTML).status_code == 403
    limited = client_as(role, "MFP")
    assert limited.get("/my", headers=HTML).status_code == 403


def test_after_login_a_customer_lands_on_my(web_app: FastAPI, web_store: Store) -> None:
    from fastapi.testclient import TestClient

    Users(web_store.sessions).add("mfp-anne", "customer", PASSWORD, customer_id="MFP")
    with TestClient(web_app, base_url=BASE_URL) as client:
        log_in(client, "mfp-anne")
        landed = client.get("/", headers=HTML)
        assert landed.status_code == 200 and landed.url.path == "/my"
    with TestClient(web_app, base_url=BASE_URL) as anon:
        assert anon.get("/my", headers=HTML, follow_redirects=False).status_code == 303


def test_a_customer_user_needs_its_institution(web_store: Store) -> None:
    with pytest.raises(UserError, match="customer"):
        Users(web_store.sessions).add("nobody", "customer", PASSWORD)


def test_user_add_role_customer_from_the_command_line(web_config: LoadedConfig, web_store: Store) -> None:
    from robot.cli.app import _register, app

    _register()
    assert web_config.cfg.database
    db = ["--database", web_config.cfg.database]
    args = ["user", "add", "eku-ole", "--role", "customer", "--customer", "EKU", "--password-stdin", *db]
    done = CliRunner().invoke(app, args, input=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    person = Users(web_store.sessions).get("eku-ole")
    assert person is not None and (person.role, person.customer_id) == ("customer", "EKU")
    refused = CliRunner().invoke(app, ["user", "add", "x-ole", "--role", "customer", "--password-stdin", *db],
                                 input=PASSWORD + "\n")  # fmt: skip
    assert refused.exit_code == 2 and "customer" in refused.output


def test_supplier_text_is_escaped(mfp: TestClient, web_store: Store) -> None:
    target = invoices(web_store, "MFP")[0]
    with web_store.sessions.begin() as s:
        s.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == target.id)
            .values(supplier_name='<script>alert(1)</script><img src=x onerror="alert(2)">')
        )
    for url in ("/my", f"/my/invoices/{target.id}"):
        text = mfp.get(url, headers=HTML).text
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    csv = mfp.get("/my/invoices.csv").text
    assert "<script>" in csv  # CSV is data, not HTML; a formula prefix would be quoted


# --- Your rules -----------------------------------------------------------------------------------


def test_your_rules_from_the_institutions_criteria(client_as: ClientAs) -> None:
    mfp = client_as("customer", "MFP").get("/my/rules", headers=HTML).text
    assert "Ministeriet for Prøvesager" in mfp
    assert "en personreference (BT-10) eller et ordrenummer (BT-13)" in mfp
    assert "over 500.000,00 kr." in mfp and "Valutaer I tager imod: DKK." in mfp
    assert "Kun disse leverandører" in mfp and "(CVR 91200015)" in mfp and "TIL SAM" in mfp
    assert "Vagt &amp; Sikring A/S (CVR 91209918)" in mfp  # the vendor master's name, escaped
    itd = client_as("customer", "ITD").get("/my/rules?lang=en", headers=HTML).text
    assert "an order number (BT-13)" in itd and "account string" in itd and "^ITD-[0-9]{4}-[0-9]{3}$" in itd
    assert "PDF-TEXT: switched off." in itd and "under query (status UQ)" in itd
    assert "Every supplier is posted automatically" in itd and "at most 2% or DKK 100.00" in itd
    eku = client_as("customer", "EKU").get("/my/rules", headers=HTML).text
    assert "både en personreference" in eku and "MANUEL" in eku


def test_your_rules_follow_the_model_not_a_text_per_customer() -> None:
    from classifiers.criteria import Customer, CustomerCriteria, RuleSetting
    from classifiers.engine import load_rules
    from robot.web.pages.customer_rules import explain

    rules = {spec.code: spec for spec in load_rules()}
    plain = {line.en for s in explain(Customer(id="X", name="X"), rules, {}) for line in s.lines}
    assert (
        "There is no amount limit." in plain and "Otherwise the invoice is returned to the supplier." in plain
    )
    changed = Customer(
        id="X",
        name="X",
        criteria=CustomerCriteria(
            reference="both",
            auto_post_limit=Decimal("1234.5"),
            four_eyes=("bank-details",),
            rules={
                "DK-REFERENCE": RuleSetting(disposition="hold"),
                "CUST-CURRENCY": RuleSetting(enabled=False),
            },
        ),
    )
    sections = {s.en: [line.en for line in s.lines] for s in explain(changed, rules, {})}
    assert sections["References"][1] == "Otherwise the invoice is held for the creditor team."
    assert "Invoices above DKK 1,234.50 are not posted automatically." in sections["Limits"]
    currency = sections["Limits"].index("Currencies you accept: DKK.")
    assert sections["Limits"][currency + 1] == "The robot does not check this for you."
    assert (
        "Releasing these needs two different people: bank-details."
        in sections["What is held for the creditor team"]
    )
    assert sections["Rules changed for you"] == ["CUST-CURRENCY: switched off.", "DK-REFERENCE: held."]
    held = next(x for x in sections["What is held for the creditor team"] if x.startswith("Rules that hold"))
    assert "DK-REFERENCE" in held and "VENDOR-BANK" in held


def test_your_rules_only_for_customer_users(client_as: ClientAs) -> None:
    assert client_as("creditor").get("/my/rules", headers=HTML).status_code == 403


def test_a_formula_in_supplier_text_reaches_the_csv_as_text(mfp: TestClient, web_store: Store) -> None:
    target = invoices(web_store, "MFP")[0]
    with web_store.sessions.begin() as s:
        named = update(InvoiceRow).where(InvoiceRow.id == target.id)
        s.execute(named.values(supplier_name='=HYPERLINK("x")'))
    rows = list(csv.reader(io.StringIO(mfp.get("/my/invoices.csv").text)))
    (row,) = [r for r in rows if r and r[0] == str(target.id)]
    assert row[2] == '\'=HYPERLINK("x")'
