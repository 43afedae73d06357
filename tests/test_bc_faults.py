"""Fifty postings (every fifth a credit note) against a Business Central that fails 30% of calls.

Like the robot over several runs: each round calls find() then post() for what is still pending;
a TransientError leaves the posting for a later round. In the end every posting is in the ERP
exactly once (invoices as purchaseInvoices, credit notes as purchaseCreditMemos), with exactly its
lines and one attachment, and was posted exactly once; faults are 500, 429 and timeouts.
"""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal

import pytest

from connectors.business_central import BusinessCentralLedger
from connectors.testing.bc_server import create_app, get_state
from robot.errors import TransientError
from tests.support.bc import SECRET
from tests.support.servers import serve
from tests.test_bc_credit_memos import make_credit_note
from tests.test_business_central import VENDORS, make_posting, settings_for

POSTINGS = 50
FAIL_RATE = 0.3


@pytest.mark.slow
def test_postings_survive_a_flaky_erp_exactly_once() -> None:
    app = create_app(
        vendors=VENDORS,
        fail_rate=FAIL_RATE,
        seed=20250301,
        client_secret=SECRET,
        retry_after_seconds=0,
        slow_seconds=0.4,
        mandatory_dimensions=["shortcutDimension1Code"],
    )
    vendors = ["K10001", "K10002"]
    postings = [
        (make_credit_note if i % 5 == 4 else make_posting)(f"F-{i:04d}", vendor=vendors[i % 2])
        for i in range(POSTINGS)
    ]
    numbers: dict[str, str] = {}
    transient_failures = 0
    rounds = 0
    started = time.monotonic()
    with serve(app) as url:
        settings = settings_for(
            url, timeout_seconds=0.2, backoff_base_seconds=0.01, backoff_max_seconds=0.05, max_attempts=3
        )
        with BusinessCentralLedger(settings, secret=SECRET) as ledger:
            pending = list(postings)
            while pending and rounds < 40:
                rounds += 1
                later = []
                for posting in pending:
                    try:
                        numbers[posting.idempotency_key] = ledger.find(posting) or ledger.post(posting)
                    except TransientError:
                        transient_failures += 1
                        later.append(posting)
                pending = later
    elapsed = time.monotonic() - started
    assert pending == [], f"{len(pending)} postings still pending after {rounds} rounds"

    state = get_state(app)
    documents = state.snapshot()
    faults = app.state.faults.counts
    assert faults["500"] > 0 and faults["429"] > 0 and faults["slow"] > 0
    assert abs(sum(faults[k] for k in ("500", "429", "slow")) / faults["requests"] - FAIL_RATE) < 0.06
    assert transient_failures > 0  # some postings needed a later "run"
    # exactly once: one ERP document per posting, each posted once, with exactly its own lines
    own = {"invoice": "vendorInvoiceNumber", "credit_memo": "vendorCreditMemoNumber"}
    kinds = {"invoice": "invoice", "credit_memo": "credit_note"}
    keys = Counter(
        (kinds[d["documentType"]], d["vendorNumber"], d[own[d["documentType"]]]) for d in documents
    )
    assert keys == Counter((p.document_type, p.vendor_number, p.vendor_invoice_number) for p in postings)
    assert Counter(d["documentType"] for d in documents) == {"invoice": 40, "credit_memo": 10}
    assert all(d["status"] == "Open" for d in documents)
    assert state.post_calls == POSTINGS
    for document in documents:
        assert [ln["description"] for ln in document["lines"]] == ["Kopipapir A4", "Kuglepenne"]
        assert document["totalAmountIncludingTax"] == Decimal("499.94")
        assert len(document["attachments"]) == 1 and document["attachments"][0]["byteSize"] > 0
    by_key = {
        f"{d['vendorNumber']}:{kinds[d['documentType']]}:{d[own[d['documentType']]]}:2025": d["number"]
        for d in documents
    }
    assert numbers == by_key  # the robot was told the number the ERP really has
    assert sorted(numbers.values())[-1] == "109010" and sorted(numbers.values())[0] == "108001"
    print(
        f"\n{POSTINGS} postings, {faults['requests']} requests, faults {faults}, "
        f"{transient_failures} transient failures, {rounds} rounds, {elapsed:.1f} s"
    )
