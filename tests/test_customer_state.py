"""The states a customer understands, from hand-built journeys (robot.processing.customer_state),
and the share paid on time per customer and supplier on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from robot.processing.customer_state import (
    CHECKING,
    KEYS,
    PAID,
    PAYMENT_FAILED,
    POSTED,
    RECEIVED,
    RETURNED,
    WAITING,
    customer_state,
    on_time_shares,
)
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow
from tests.support.storerows import add_invoice

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Inv:
    state: str
    erp_document_no: str | None = None
    due_date: date | None = date(2026, 3, 15)


@dataclass
class Ev:
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = T0


@dataclass
class Fi:
    code: str
    disposition: str
    reason: str
    action: str
    message_da: str
    message_en: str


def journey(*kinds: str | Ev) -> list[Ev]:
    """Events an hour apart, in order."""
    out = []
    for i, k in enumerate(kinds):
        e = Ev(k) if isinstance(k, str) else k
        out.append(Ev(e.kind, e.detail, T0 + timedelta(hours=i)))
    return out


def paid(day: str, amount: str = "1000.00", ref: str = "B1") -> Ev:
    return Ev("paid", {"booking_date": day, "amount": amount, "currency": "DKK", "bank_reference": ref})


POSTED_JOURNEY = ("received", "read", "classified", "posting", Ev("posted", {"erp_document_no": "PI-7"}))
LIMIT = Fi("CUST-AMOUNT-LIMIT", "hold", "OTH", "NOA", "Beløbet er over grænsen.", "Above the limit.")
BANK = Fi("VENDOR-BANK", "hold", "PAY", "PIN", "Bankkontoen afviger.", "The bank account differs.")
NO_REF = Fi("DK-REFERENCE", "return", "REF", "PIN", "Personreference mangler.", "Person reference missing.")


def test_received_and_being_checked() -> None:
    assert customer_state(Inv("received"), journey("received")).key == RECEIVED
    read = customer_state(Inv("classified"), journey("received", "read", "classified"))
    assert (read.key, read.da, read.en) == (CHECKING, "Under kontrol", "Being checked")
    assert read.details == ()


def test_a_decided_hold_is_being_checked_until_the_next_run() -> None:
    state = customer_state(Inv("classified"), journey("received", "classified", "held", "released"))
    assert state.key == CHECKING
    assert "næste kørsel" in state.details[0].da and "next run" in state.details[0].en


def test_held_on_the_customers_criteria_waits_for_you_with_what_is_missing() -> None:
    state = customer_state(Inv("held"), journey("received", "classified", "held"), [LIMIT])
    assert (state.key, state.da, state.en) == (WAITING, "Venter på jer", "Waiting for you")
    assert [(d.da, d.en) for d in state.details] == [("Beløbet er over grænsen.", "Above the limit.")]


def test_held_for_the_creditor_teams_own_check_is_being_checked() -> None:
    state = customer_state(Inv("held"), journey("received", "classified", "held"), [BANK])
    assert state.key == CHECKING
    assert state.en == "Being checked by the creditor team"
    assert state.details[0].en == "The bank account differs."


def test_returned_says_why_and_what_the_supplier_was_asked() -> None:
    other = Fi("PO-PRICE", "return", "PRI", "CNP", "Prisen er for høj.", "The price is too high.")
    warning = Fi("DK-PAYTERMS-30", "hold", "PAY", "PIN", "45 dage.", "45 days.")
    state = customer_state(Inv("returned"), journey("received", "returned"), [NO_REF, other, warning])
    assert state.key == RETURNED
    texts = [d.en for d in state.details]
    assert texts == [
        "Person reference missing.",
        "Next step: Provide the missing information, or ask the supplier to resend the invoice with it.",
        "The price is too high.",
        "Next step: Ask the supplier for a partial credit note.",
    ]
    assert state.details[1].da.startswith("Næste skridt: Oplys det manglende")


def test_posted_names_the_erp_document() -> None:
    state = customer_state(Inv("posted", "PI-7"), journey(*POSTED_JOURNEY))
    assert (state.key, state.da, state.en) == (POSTED, "Bogført (bilag PI-7)", "Posted (ERP document PI-7)")
    assert state.erp_document_no == "PI-7" and state.on_time is None


def test_paid_on_time_with_the_booking_date() -> None:
    state = customer_state(Inv("posted", "PI-7"), journey(*POSTED_JOURNEY, paid("2026-03-12")))
    assert (state.key, state.da, state.en) == (PAID, "Betalt 12. marts 2026", "Paid on 12 March 2026")
    assert state.paid_on == date(2026, 3, 12) and state.paid_amount == Decimal("1000.00")
    assert state.on_time is True and state.details[0].en == "Paid on time."


def test_paid_on_the_due_date_is_on_time_and_a_day_after_is_late() -> None:
    on_due = customer_state(Inv("posted"), journey(*POSTED_JOURNEY, paid("2026-03-15")))
    late = customer_state(Inv("posted"), journey(*POSTED_JOURNEY, paid("2026-03-18")))
    assert on_due.on_time is True
    assert late.on_time is False
    assert late.details[0].en == "Paid 3 days after the due date (15 March 2026)."
    undated = customer_state(Inv("posted", due_date=None), journey(*POSTED_JOURNEY, paid("2026-03-18")))
    assert undated.on_time is None and undated.details == ()


def test_payment_failed_with_the_banks_reason() -> None:
    failed = Ev("payment-failed", {"status": "RJCT", "reason": "AC04 closed account"})
    state = customer_state(Inv("posted", "PI-7"), journey(*POSTED_JOURNEY, paid("2026-03-12"), failed))
    assert (state.key, state.en) == (PAYMENT_FAILED, "Payment failed")
    assert state.details[0].en == "The bank's answer: AC04 closed account"
    assert "posted but not paid" in state.details[1].en
    only_status = customer_state(
        Inv("posted"), journey(*POSTED_JOURNEY, Ev("payment-failed", {"status": "RJCT"}))
    )
    assert only_status.details[0].da == "Bankens svar: RJCT"


def test_paid_again_after_a_failed_payment_and_partial_payments() -> None:
    failed = Ev("payment-failed", {"status": "RJCT", "reason": "closed"})
    state = customer_state(
        Inv("posted"),
        journey(
            *POSTED_JOURNEY, paid("2026-03-10"), failed, paid("2026-03-20", "400"), paid("2026-03-21", "600")
        ),
    )
    assert state.key == PAID and state.paid_on == date(2026, 3, 21) and state.on_time is False
    assert state.details[-1].en == "Paid in 2 payments."


def test_every_key_has_a_danish_and_english_label() -> None:
    from robot.processing.customer_state import LABELS

    assert set(LABELS) == set(KEYS)
    assert all(da and en and da != en for da, en in LABELS.values())


# --- the share paid on time (SQL) ---------------------------------------------------------------


def _invoice(store: Store, n: int, customer: str, supplier: str, due: date | None) -> int:
    with store.sessions.begin() as s:
        row = add_invoice(
            s,
            n,
            customer_id=customer,
            supplier_key=supplier,
            supplier_name=f"Supplier {supplier}",
            due_date=due,
            invoice_number=f"N{n}",
        )
        return int(row.id)


def _event(store: Store, invoice_id: int, kind: str, **detail: Any) -> None:
    store.event(invoice_id, None, kind, **detail)


def test_on_time_shares_with_no_paid_invoices_is_empty(store: Store) -> None:
    _invoice(store, 1, "SFE", "111", date(2026, 3, 15))
    with store.sessions() as s:
        assert on_time_shares(s) == []


def test_on_time_shares_per_customer_and_supplier(store: Store) -> None:
    due = date(2026, 3, 15)
    a1 = _invoice(store, 1, "SFE", "111", due)
    a2 = _invoice(store, 2, "SFE", "111", due)
    a3 = _invoice(store, 3, "SFE", "111", due)
    a4 = _invoice(store, 4, "SFE", "111", None)
    b1 = _invoice(store, 5, "MFP", "111", due)
    b2 = _invoice(store, 6, "MFP", "222", due)
    _invoice(store, 7, "MFP", "222", due)  # posted, not paid: not counted
    _event(store, a1, "paid", booking_date="2026-03-15", amount="10", currency="DKK", bank_reference="r1")
    _event(store, a2, "paid", booking_date="2026-03-01", amount="5", currency="DKK", bank_reference="r2")
    _event(store, a2, "paid", booking_date="2026-03-16", amount="5", currency="DKK", bank_reference="r3")
    _event(store, a3, "paid", booking_date="2026-03-01", amount="10", currency="DKK", bank_reference="r4")
    _event(store, a3, "payment-failed", status="RJCT", reason="closed")  # no longer paid
    _event(store, a4, "paid", booking_date="2026-04-01", amount="10", currency="DKK", bank_reference="r5")
    _event(store, b1, "paid", booking_date="2026-03-14", amount="10", currency="DKK", bank_reference="r6")
    _event(store, b2, "payment-failed", status="RJCT", reason="closed")
    _event(store, b2, "paid", booking_date="2026-03-20", amount="10", currency="DKK", bank_reference="r7")
    with store.sessions() as s:
        shares = {(x.customer_id, x.supplier_key): x for x in on_time_shares(s)}
        only_mfp = on_time_shares(s, customer_id="MFP")
    sfe = shares[("SFE", "111")]
    assert (sfe.paid, sfe.on_time, sfe.without_due_date) == (3, 1, 1)  # a1 on time, a2 late, a4 undated
    assert sfe.share == Decimal("0.5000") and sfe.supplier_name == "Supplier 111"
    assert (shares[("MFP", "111")].on_time, shares[("MFP", "111")].share) == (1, Decimal("1.0000"))
    assert (shares[("MFP", "222")].paid, shares[("MFP", "222")].on_time) == (1, 0)
    assert {x.customer_id for x in only_mfp} == {"MFP"} and len(only_mfp) == 2


def test_the_events_are_stored_as_the_bank_matching_writes_them(store: Store) -> None:
    """A store round trip: the event detail comes back as the state reads it."""
    iid = _invoice(store, 1, "SFE", "111", date(2026, 3, 15))
    _event(store, iid, "paid", booking_date="2026-03-12", amount="10.50", currency="DKK", bank_reference="r")
    with store.sessions() as s:
        row = s.get_one(InvoiceRow, iid)
        events = list(s.query(Event).where(Event.invoice_id == iid).order_by(Event.id))
        state = customer_state(row, events)
    assert state.key == PAID and state.paid_amount == Decimal("10.50") and state.on_time is True
