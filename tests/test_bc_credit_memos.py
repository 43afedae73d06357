"""Credit notes to Business Central as purchaseCreditMemos, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from connectors.business_central import BusinessCentralLedger
from connectors.testing.bc_server import DEFAULT_COMPANY_ID, get_state
from robot.errors import BusinessError
from tests.support.bc import SECRET
from tests.test_business_central import DOCUMENT, make_credit_note, make_posting

pytest_plugins = ["tests.test_business_central"]  # the bc_app, base_url and ledger fixtures


def test_credit_note_is_posted_as_a_purchase_credit_memo(
    ledger: BusinessCentralLedger, bc_app: FastAPI
) -> None:
    credit = make_credit_note()
    assert ledger.find(credit) is None
    assert ledger.post(credit) == "109001"
    state = get_state(bc_app)
    assert state.posted("invoice") == [] and state.invoices == {}
    [memo] = state.posted()
    assert memo == state.posted_credit_memos()[0]
    assert memo["documentType"] == "credit_memo" and memo["status"] == "Open"
    assert memo["number"] == "109001" and memo["draftNumber"] == "1001"
    assert memo["vendorCreditMemoNumber"] == "KN-501" and "vendorInvoiceNumber" not in memo
    assert memo["creditMemoDate"] == "2025-03-01" and memo["dueDate"] == "2025-03-31"
    assert memo["shortcutDimension1Code"] == "ADM"
    assert memo["totalAmountExcludingTax"] == Decimal("399.95")  # positive: BC turns the sign on posting
    assert memo["totalTaxAmount"] == Decimal("99.99")
    assert [(ln["lineObjectNumber"], ln["unitCost"], ln["taxCode"]) for ln in memo["lines"]] == [
        ("4000", Decimal("150.00"), "MOMS25"),
        ("4000", Decimal("99.95"), "MOMS25"),
    ]
    [attachment] = memo["attachments"]
    assert attachment["fileName"] == "KN-501.xml" and state.contents[attachment["id"]] == DOCUMENT
    assert ledger.find(credit) == "109001"


def test_invoice_and_credit_note_with_the_same_number_are_two_documents(
    ledger: BusinessCentralLedger, bc_app: FastAPI
) -> None:
    invoice, credit = make_posting("77"), make_credit_note("77")
    assert ledger.post(invoice) == "108001"
    assert ledger.find(credit) is None  # the invoice is not mistaken for the credit memo
    assert ledger.post(credit) == "109001"
    assert ledger.post(credit) == "109001" and ledger.post(invoice) == "108001"
    other = BusinessCentralLedger(ledger.settings, secret=SECRET)  # a later run
    assert other.find(credit) == "109001" and other.post(credit) == "109001"
    other.close()
    state = get_state(bc_app)
    assert sorted(d["documentType"] for d in state.snapshot()) == ["credit_memo", "invoice"]
    assert state.post_calls == 2


def test_refusals_name_the_credit_note(ledger: BusinessCentralLedger, bc_app: FastAPI) -> None:
    negative = make_credit_note("KN-9", net_amount=Decimal("-10.00"), gross_amount=Decimal("-12.50"))
    with pytest.raises(BusinessError, match=r"credit memo KN-9 .*total is negative \(-12\.50\)"):
        ledger.post(negative)
    with pytest.raises(BusinessError, match=r"credit memo KN-8 .*mandatory dimension shortcutDimension1Code"):
        ledger.post(make_credit_note("KN-8", customer="NODIM"))
    with pytest.raises(BusinessError, match="debit_note cannot be booked"):
        ledger.post(make_credit_note("KN-7", document_type="debit_note"))
    assert ledger.find(make_credit_note("KN-7", document_type="debit_note")) is None
    with pytest.raises(BusinessError, match="vendor K10003 is blocked"):
        ledger.post(make_credit_note(vendor="K10003"))
    assert get_state(bc_app).snapshot() == []  # all refused before a document was created


def test_server_enforces_etags_duplicates_fields_and_sign_for_credit_memos(
    ledger: BusinessCentralLedger, base_url: str, bc_app: FastAPI
) -> None:
    root = f"{base_url}/api/v2.0/companies({DEFAULT_COMPANY_ID})"
    with httpx.Client(headers={"Authorization": f"Bearer {ledger.auth.token()}"}) as http:
        body = {"vendorNumber": "K10002", "vendorCreditMemoNumber": "C-1", "creditMemoDate": "2025-04-01"}
        created = http.post(f"{root}/purchaseCreditMemos", json=body)
        assert created.status_code == 201 and created.headers["etag"] == created.json()["@odata.etag"]
        memo = created.json()
        assert memo["number"] == "1001" and memo["vendorName"] == "Papirhuset ApS"
        url = f"{root}/purchaseCreditMemos({memo['id']})"
        patch = {"shortcutDimension1Code": "IT"}
        assert http.patch(url, json=patch).status_code == 428
        assert http.patch(url, json=patch, headers={"If-Match": 'W/"old"'}).status_code == 412
        ok = http.patch(url, json=patch, headers={"If-Match": created.headers["etag"]})
        assert ok.status_code == 200 and ok.json()["shortcutDimension1Code"] == "IT"
        again = http.post(f"{root}/purchaseCreditMemos", json=body)
        assert again.status_code == 409
        assert "already has Vendor Cr. Memo No. C-1" in again.json()["error"]["message"]
        other_vendor = http.post(f"{root}/purchaseCreditMemos", json={**body, "vendorNumber": "K10001"})
        assert other_vendor.status_code == 201
        as_invoice = http.post(
            f"{root}/purchaseInvoices", json={"vendorNumber": "K10002", "invoiceDate": "x"}
        )
        assert as_invoice.status_code == 400 and "Edm.Date" in as_invoice.json()["error"]["message"]
        wrong = http.post(
            f"{root}/purchaseCreditMemos", json={"vendorNumber": "K10002", "vendorInvoiceNumber": "1"}
        )
        assert wrong.status_code == 400
        assert "'Microsoft.NAV.purchaseCreditMemo'" in wrong.json()["error"]["message"]
        line = {"lineObjectNumber": "4000", "quantity": "1", "unitCost": "-50", "taxCode": "MOMS25"}
        added = http.post(f"{url}/purchaseCreditMemoLines", json=line)
        assert added.status_code == 201 and added.json()["netAmount"] == -50.0
        refused = http.post(f"{url}/Microsoft.NAV.post")
        assert refused.status_code == 400
        assert "credit memo must be 0 or greater" in refused.json()["error"]["message"]
        http.post(f"{url}/purchaseCreditMemoLines", json={**line, "unitCost": "80"})
        assert http.post(f"{url}/Microsoft.NAV.post").status_code == 204
        posted = http.get(url).json()
        assert posted["status"] == "Open" and posted["number"] == "109001"
        assert posted["totalAmountIncludingTax"] == 37.5
        assert http.patch(url, json=patch, headers={"If-Match": "*"}).status_code == 400  # posted
        lines = http.get(f"{url}/purchaseCreditMemoLines").json()["value"]
        assert [ln["unitCost"] for ln in lines] == [-50.0, 80.0]
        found = http.get(f"{root}/purchaseCreditMemos", params={"$filter": "vendorCreditMemoNumber eq 'C-1'"})
        assert len(found.json()["value"]) == 2
        assert http.get(f"{root}/purchaseInvoices").json()["value"] == []
        listing = httpx.get(f"{base_url}/_test/invoices").json()
        assert {d["documentType"] for d in listing} == {"credit_memo"}
    state = get_state(bc_app)
    assert [m["vendorCreditMemoNumber"] for m in state.posted_credit_memos()] == ["C-1"]
