"""BusinessCentralLedger against the Business Central test server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from connectors.base import Ledger, Posting, PostingLine
from connectors.business_central import BusinessCentralLedger, Settings
from connectors.testing.bc_server import DEFAULT_COMPANY_ID, INVOICE, BcError, create_app, get_state
from robot.errors import BusinessError, ConfigError, ConnectorError, LedgerConflict
from tests.support.bc import SECRET, bc_settings, killed_while_posting
from tests.support.servers import serve

VENDORS = {"K10001": "Kontorland A/S", "K10002": "Papirhuset ApS", "K10003": "Spærret ApS"}
DOCUMENT = b"<Invoice>original</Invoice>"


def make_posting(
    number: str = "F-1001", *, vendor: str = "K10001", customer: str = "SAM", **kw: Any
) -> Posting:
    lines = kw.pop(
        "lines",
        (
            PostingLine(
                "Kopipapir A4",
                Decimal("2"),
                Decimal("150.00"),
                Decimal("300.00"),
                Decimal("25"),
                Decimal("75.00"),
            ),
            PostingLine(
                "Kuglepenne",
                Decimal("1"),
                Decimal("99.95"),
                Decimal("99.95"),
                Decimal("25.00"),
                Decimal("24.99"),
            ),
        ),
    )
    net = sum((ln.net_amount for ln in lines), Decimal("0"))
    vat = sum((ln.vat_amount for ln in lines), Decimal("0"))
    values: dict[str, Any] = dict(
        idempotency_key=f"{vendor}:invoice:{number}:2025",
        vendor_number=vendor,
        vendor_invoice_number=number,
        document_type="invoice",
        invoice_date=date(2025, 3, 1),
        due_date=date(2025, 3, 31),
        currency="DKK",
        net_amount=net,
        vat_amount=vat,
        gross_amount=net + vat,
        customer_id=customer,
        account_string=None,
        lines=lines,
        document_sha256="ab" * 32,
        document=DOCUMENT,
        filename=f"{number}.xml",
    )
    values.update(kw)
    return Posting(**values)


def make_credit_note(number: str = "KN-501", *, vendor: str = "K10001", **kw: Any) -> Posting:
    """The two lines of :func:`make_posting`, credited: positive amounts, as the supplier sends them."""
    kw.setdefault("idempotency_key", f"{vendor}:credit_note:{number}:2025")
    kw.setdefault("document_type", "credit_note")
    return make_posting(number, vendor=vendor, **kw)


def settings_for(base_url: str, **overrides: Any) -> Settings:
    return bc_settings(
        base_url,
        **{
            "customers": {
                "SAM": {"default_account": "4000", "shortcut_dimension_1_code": "ADM"},
                "UNI": {"account_string_pattern": r"(?P<account>\d{4})\.(?P<dim1>[A-Z]+)(\.(?P<dim2>\d+))?"},
                "NODIM": {"default_account": "4000"},
            },
            "mandatory_dimensions": ["shortcutDimension1Code"],
            "max_attempts": 4,
            "timeout_seconds": 2,
            **overrides,
        },
    )


@pytest.fixture()
def bc_app() -> FastAPI:
    return create_app(
        vendors=VENDORS,
        blocked_vendors=["K10003"],
        accounts=["4000", "4010", "5000"],
        mandatory_dimensions=["shortcutDimension1Code"],
        client_secret=SECRET,
    )


@pytest.fixture()
def base_url(bc_app: FastAPI) -> Iterator[str]:
    with serve(bc_app) as url:
        yield url


@pytest.fixture()
def ledger(base_url: str) -> Iterator[BusinessCentralLedger]:
    led = BusinessCentralLedger(settings_for(base_url), secret=SECRET)
    yield led
    led.close()


def test_happy_path_posts_with_lines_dimensions_and_attachment(
    ledger: BusinessCentralLedger, bc_app: FastAPI
) -> None:
    assert isinstance(ledger, Ledger)
    posting = make_posting()
    assert ledger.find(posting) is None
    number = ledger.post(posting)
    assert number == "108001"
    [invoice] = get_state(bc_app).snapshot()
    assert invoice["status"] == "Open" and invoice["number"] == "108001" and invoice["draftNumber"] == "1001"
    assert invoice["vendorInvoiceNumber"] == "F-1001" and invoice["shortcutDimension1Code"] == "ADM"
    assert invoice["invoiceDate"] == "2025-03-01" and invoice["dueDate"] == "2025-03-31"
    assert invoice["totalAmountExcludingTax"] == Decimal("399.95")
    assert invoice["totalTaxAmount"] == Decimal("99.99")
    assert [
        (ln["lineObjectNumber"], ln["quantity"], ln["unitCost"], ln["taxCode"]) for ln in invoice["lines"]
    ] == [
        ("4000", Decimal("2"), Decimal("150.00"), "MOMS25"),
        ("4000", Decimal("1"), Decimal("99.95"), "MOMS25"),
    ]
    [attachment] = invoice["attachments"]
    assert attachment["fileName"] == "F-1001.xml"
    assert get_state(bc_app).contents[attachment["id"]] == DOCUMENT
    assert ledger.find(posting) == "108001"
    assert getattr(ledger.auth, "fetches", None) == 1  # one OAuth2 token, cached for every call


def test_post_twice_gives_one_invoice(ledger: BusinessCentralLedger, bc_app: FastAPI) -> None:
    posting = make_posting()
    first = ledger.post(posting)
    assert ledger.post(posting) == first
    other = BusinessCentralLedger(ledger.settings, secret=SECRET)
    assert other.post(posting) == first  # a later run, a new connection
    other.close()
    assert len(get_state(bc_app).snapshot()) == 1
    assert get_state(bc_app).post_calls == 1


@pytest.mark.parametrize(("method", "nth"), [("action", 1), ("create", 2), ("upload", 1)])
@pytest.mark.parametrize(
    ("make", "kind", "booked_number"),
    [(make_posting, "invoice", "108001"), (make_credit_note, "credit_memo", "109001")],
)
def test_crash_midway_resumes_the_draft(
    base_url: str,
    bc_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    nth: int,
    make: Callable[[], Posting],
    kind: str,
    booked_number: str,
) -> None:
    """A run dies after creating the draft of an invoice or a credit memo (before/while adding
    lines, attaching, posting); the next run books that draft."""
    settings, state, posting = settings_for(base_url), get_state(bc_app), make()
    killed_while_posting(monkeypatch, settings, posting, method, nth)
    [draft] = state.snapshot()
    assert draft["status"] == "Draft" and draft["documentType"] == kind
    with BusinessCentralLedger(settings, secret=SECRET) as resumed:
        assert resumed.find(posting) is None  # a draft is not booked yet
        assert resumed.post(posting) == booked_number
    [booked] = state.snapshot()
    assert booked["id"] == draft["id"] and booked["status"] == "Open"
    assert [ln["description"] for ln in booked["lines"]] == ["Kopipapir A4", "Kuglepenne"]
    assert len(booked["attachments"]) == 1 and booked["attachments"][0]["byteSize"] == len(DOCUMENT)
    assert state.post_calls == 1  # the killed attempt never reached the post action


def test_business_refusal_carries_the_erp_message(base_url: str, bc_app: FastAPI) -> None:
    ledger = BusinessCentralLedger(
        settings_for(
            base_url, customers={"SAM": {"default_account": "9999", "shortcut_dimension_1_code": "ADM"}}
        ),
        secret=SECRET,
    )
    with pytest.raises(BusinessError, match=r"contains a value \(9999\).*G/L Account"):
        ledger.post(make_posting())
    with pytest.raises(BusinessError, match="vendor K40404 does not exist"):
        ledger.post(make_posting(vendor="K40404"))
    with pytest.raises(BusinessError, match="vendor K10003 is blocked"):
        ledger.post(make_posting(vendor="K10003"))
    ledger.close()
    [draft] = get_state(bc_app).snapshot()  # the draft stays for the creditor team; nothing posted
    assert draft["status"] == "Draft" and draft["lines"] == []


def test_mandatory_dimension_checked_before_handing_over(
    ledger: BusinessCentralLedger, bc_app: FastAPI
) -> None:
    with pytest.raises(
        BusinessError, match="mandatory dimension shortcutDimension1Code is missing for customer NODIM"
    ):
        ledger.post(make_posting(customer="NODIM"))
    assert get_state(bc_app).snapshot() == []  # refused before any call


def test_erp_enforces_the_dimension_too(base_url: str, bc_app: FastAPI) -> None:
    lax = BusinessCentralLedger(settings_for(base_url, mandatory_dimensions=[]), secret=SECRET)
    with pytest.raises(BusinessError, match="Shortcut Dimension 1 Code must have a value"):
        lax.post(make_posting(customer="NODIM"))
    lax.close()
    assert [i["status"] for i in get_state(bc_app).snapshot()] == ["Draft"]


def test_account_string_pattern_sets_account_and_dimensions(
    ledger: BusinessCentralLedger, bc_app: FastAPI
) -> None:
    ledger.post(make_posting(customer="UNI", account_string="4010.IT.77"))
    [invoice] = get_state(bc_app).posted()
    assert invoice["shortcutDimension1Code"] == "IT" and invoice["shortcutDimension2Code"] == "77"
    assert {ln["lineObjectNumber"] for ln in invoice["lines"]} == {"4010"}
    with pytest.raises(BusinessError, match="does not match customer UNI's format"):
        ledger.post(make_posting("F-2", customer="UNI", account_string="konto 4010"))


def test_vat_mismatch_is_not_posted(base_url: str, bc_app: FastAPI) -> None:
    wrong = BusinessCentralLedger(settings_for(base_url, tax_codes={"25": "MOMSFRI"}), secret=SECRET)
    with pytest.raises(BusinessError, match=r"VAT 0\.00 .* VAT 99\.99; not posted"):
        wrong.post(make_posting())
    wrong.close()
    assert get_state(bc_app).posted() == []


def test_document_level_allowance_and_line_discount(ledger: BusinessCentralLedger, bc_app: FastAPI) -> None:
    lines = (
        PostingLine(
            "Stol", Decimal("3"), Decimal("100.00"), Decimal("270.00"), Decimal("25"), Decimal("62.50")
        ),
    )
    posting = make_posting(lines=lines, net_amount=Decimal("250.00"), vat_amount=Decimal("62.50"))
    ledger.post(posting)
    [invoice] = get_state(bc_app).posted()
    assert [(ln["quantity"], ln["unitCost"]) for ln in invoice["lines"]] == [
        (Decimal("1"), Decimal("270.00")),  # 3 × 100 less a line discount: the net is booked
        (Decimal("1"), Decimal("-20.00")),  # document-level allowance
    ]
    assert invoice["totalAmountExcludingTax"] == Decimal("250.00")


def test_throttling_honours_retry_after(bc_app: FastAPI) -> None:
    throttled = create_app(
        vendors=VENDORS, client_secret=SECRET, max_requests_per_second=3, retry_after_seconds=1
    )
    with (
        serve(throttled) as url,
        BusinessCentralLedger(settings_for(url, max_attempts=3), secret=SECRET) as led,
    ):
        started = time.monotonic()
        assert led.post(make_posting()) == "108001"  # 3 requests a second: only the throttled one repeats
        elapsed = time.monotonic() - started
    assert throttled.state.faults.counts["throttled"] >= 1
    assert elapsed >= 1.0  # waited as asked instead of hammering


def test_if_match_on_patch_and_delete(ledger: BusinessCentralLedger, base_url: str, bc_app: FastAPI) -> None:
    token = ledger.auth.token()
    root = f"{base_url}/api/v2.0/companies({DEFAULT_COMPANY_ID})"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        created = http.post(
            f"{root}/purchaseInvoices", json={"vendorNumber": "K10002", "vendorInvoiceNumber": "X"}
        )
        assert created.status_code == 201 and created.headers["etag"] == created.json()["@odata.etag"]
        url = f"{root}/purchaseInvoices({created.json()['id']})"
        assert http.patch(url, json={"shortcutDimension1Code": "IT"}).status_code == 428
        stale = http.patch(url, json={"shortcutDimension1Code": "IT"}, headers={"If-Match": 'W/"old"'})
        assert stale.status_code == 412 and stale.json()["error"]["code"] == "Request_EntityChanged"
        ok = http.patch(
            url, json={"shortcutDimension1Code": "IT"}, headers={"If-Match": created.headers["etag"]}
        )
        assert ok.status_code == 200 and ok.headers["etag"] != created.headers["etag"]
        assert http.delete(url, headers={"If-Match": created.headers["etag"]}).status_code == 412
        assert http.delete(url, headers={"If-Match": ok.headers["etag"]}).status_code == 204
        dup = {"vendorNumber": "K10001", "vendorInvoiceNumber": "D-1"}
        assert http.post(f"{root}/purchaseInvoices", json=dup).status_code == 201
        again = http.post(f"{root}/purchaseInvoices", json=dup)
        assert (
            again.status_code == 409
            and "already has Vendor Invoice No. D-1" in again.json()["error"]["message"]
        )
        unknown = http.post(
            f"{root}/purchaseInvoices", json={"vendorNumber": "NOPE", "vendorInvoiceNumber": "1"}
        )
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "Internal_RecordNotFound"
        assert httpx.get(f"{root}/vendors").status_code == 401


def test_wrong_client_secret_and_missing_env(
    base_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    led = BusinessCentralLedger(settings_for(base_url), secret="wrong")
    with pytest.raises(ConnectorError, match="token endpoint refused"):
        led.post(make_posting())
    led.close()
    settings = settings_for(base_url)
    monkeypatch.delenv("FAKTURAROBOT_BC_CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="FAKTURAROBOT_BC_CLIENT_SECRET"):
        BusinessCentralLedger.from_settings(settings, tmp_path)
    monkeypatch.setenv("FAKTURAROBOT_BC_CLIENT_SECRET", SECRET)
    from_env = BusinessCentralLedger.from_settings(settings, tmp_path)
    assert from_env.post(make_posting()) == "108001"
    from_env.close()
    with pytest.raises(ValueError, match="client_secret"):
        Settings.model_validate(
            {
                **settings.model_dump(),
                "auth": {"type": "oauth2", "token_url": "x", "client_id": "y", "client_secret": "z"},
            }
        )


def test_bearer_auth(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    app = create_app(vendors=VENDORS, bearer_tokens=["static-token"])
    with serve(app) as url:
        monkeypatch.setenv("FR_TEST_BC_TOKEN", "static-token")
        settings = settings_for(url, auth={"type": "bearer", "token_env": "FR_TEST_BC_TOKEN"})
        led = BusinessCentralLedger.from_settings(settings, tmp_path)
        assert led.post(make_posting()) == "108001"
        led.close()


def test_revoked_token_is_fetched_again(ledger: BusinessCentralLedger, bc_app: FastAPI) -> None:
    ledger.post(make_posting("F-1"))
    bc_app.state.tokens.clear()  # the identity platform revokes every issued token
    ledger.post(make_posting("F-2"))
    assert getattr(ledger.auth, "fetches", None) == 2
    assert len(get_state(bc_app).posted()) == 2


def test_no_invoice_date_is_refused_before_any_call(ledger: BusinessCentralLedger, bc_app: FastAPI) -> None:
    """The year of the date is part of the ERP identity: without it the invoice could not be found again."""
    dateless = make_posting(invoice_date=None, idempotency_key="K10001:invoice:F-1001:-")
    assert ledger.find(dateless) is None
    with pytest.raises(BusinessError, match="F-1001 from vendor K10001: no invoice date"):
        ledger.post(dateless)
    assert get_state(bc_app).snapshot() == []


def test_a_draft_of_the_same_identity_with_another_date_is_not_resumed(
    ledger: BusinessCentralLedger, bc_app: FastAPI
) -> None:
    """A draft someone left for vendor K10001's F-1001 of 2025, dated otherwise, is not ours to post."""
    state = get_state(bc_app)
    draft = state.create(
        INVOICE, {"vendorNumber": "K10001", "vendorInvoiceNumber": "F-1001", "invoiceDate": "2025-07-01"}
    )
    posting = make_posting()
    for call in (ledger.find, ledger.post):
        with pytest.raises(LedgerConflict) as caught:
            call(posting)
        assert caught.value.differs == ("date",)
        assert (
            f"The ERP's draft purchase invoice {draft['number']}: dated 2025-07-01, no amount yet"
            in caught.value.message
        )
    assert state.posted() == [] and state.lines[draft["id"]] == []
    assert ledger.post(
        make_posting(invoice_date=date(2026, 3, 1), idempotency_key="K10001:invoice:F-1001:2026")
    )
    assert [d["invoiceDate"] for d in state.posted()] == ["2026-03-01"]


def test_the_server_refuses_a_number_twice_in_one_year_only(base_url: str, bc_app: FastAPI) -> None:
    led = BusinessCentralLedger(settings_for(base_url), secret=SECRET)
    root = f"{base_url}/api/v2.0/companies({DEFAULT_COMPANY_ID})"
    with httpx.Client(headers={"Authorization": f"Bearer {led.auth.token()}"}) as http:
        body = {"vendorNumber": "K10001", "vendorInvoiceNumber": "Y-1", "invoiceDate": "2025-12-31"}
        assert http.post(f"{root}/purchaseInvoices", json=body).status_code == 201
        same_year = http.post(f"{root}/purchaseInvoices", json={**body, "invoiceDate": "2025-01-01"})
        assert same_year.status_code == 409
        next_year = http.post(f"{root}/purchaseInvoices", json={**body, "invoiceDate": "2026-01-01"})
        assert next_year.status_code == 201
    led.close()
    strict = create_app(vendors=VENDORS, client_secret=SECRET, same_number_in_another_year=False)
    state = get_state(strict)
    state.create(
        INVOICE, {"vendorNumber": "K10001", "vendorInvoiceNumber": "Y-1", "invoiceDate": "2025-12-31"}
    )
    with pytest.raises(BcError, match=r"already has Vendor Invoice No\. Y-1"):
        state.create(
            INVOICE, {"vendorNumber": "K10001", "vendorInvoiceNumber": "Y-1", "invoiceDate": "2026-01-01"}
        )
