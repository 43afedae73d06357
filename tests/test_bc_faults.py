"""Fifty postings against a Business Central that fails 30% of calls (500, 429, timeouts).

Like the robot over several runs: each round calls find() then post() for what is still pending;
a TransientError leaves the posting for a later round. In the end every posting is in the ERP
exactly once, with exactly its lines and one attachment, and was posted exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal

import pytest

from connectors.bc_testserver import create_app, get_state
from connectors.business_central import BusinessCentralLedger
from robot.errors import TransientError
from tests.servers import serve
from tests.test_business_central import SECRET, VENDORS, make_posting, settings_for

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
    postings = [make_posting(f"F-{i:04d}", vendor=vendors[i % 2]) for i in range(POSTINGS)]
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
    invoices = state.snapshot()
    faults = app.state.faults.counts
    assert faults["500"] > 0 and faults["429"] > 0 and faults["slow"] > 0
    assert abs(sum(faults[k] for k in ("500", "429", "slow")) / faults["requests"] - FAIL_RATE) < 0.06
    assert transient_failures > 0  # some postings needed a later "run"
    # exactly once: one ERP invoice per posting, each posted once, with exactly its own lines
    keys = Counter((i["vendorNumber"], i["vendorInvoiceNumber"]) for i in invoices)
    assert keys == Counter((p.vendor_number, p.vendor_invoice_number) for p in postings)
    assert all(i["status"] == "Open" for i in invoices)
    assert state.post_calls == POSTINGS
    for invoice in invoices:
        assert [ln["description"] for ln in invoice["lines"]] == ["Kopipapir A4", "Kuglepenne"]
        assert invoice["totalAmountIncludingTax"] == Decimal("499.94")
        assert len(invoice["attachments"]) == 1 and invoice["attachments"][0]["byteSize"] > 0
    by_key = {f"{i['vendorNumber']}:invoice:{i['vendorInvoiceNumber']}:2025": i["number"] for i in invoices}
    assert numbers == by_key  # the robot was told the number the ERP really has
    print(
        f"\n{POSTINGS} postings, {faults['requests']} requests, faults {faults}, "
        f"{transient_failures} transient failures, {rounds} rounds, {elapsed:.1f} s"
    )
