"""A generated history for the report's tests: six months of invoices for several customers, each
customer with its own known mix of journeys (:data:`MIXES`), written by SQLAlchemy bulk inserts in
seconds.

Each :class:`Journey` is what the robot's own steps leave in the store for one kind of invoice: its
state, its blocking findings and error types, and its events (``received``, ``held`` with the codes
that held it, a person's decision, ``posted``, ``returned``, the bank matching's ``paid``), at known
offsets from receipt. :func:`plan` lists every invoice (:class:`Planned`) from the parameters alone,
so a test can count what it expects without the store; :func:`fill` writes exactly that plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from robot.store.repo import Store
from robot.store.schema import Document, ErrorTypeRow, Event, FindingRow, InvoiceRow, Run

YEAR, FIRST_MONTH, MONTHS = 2026, 1, 6
SUPPLIERS = 40
HOSTILE_NAME = "Evil [/bold] [link=http://x]A/S\x1b[31m\u202e"


@dataclass(frozen=True, slots=True)
class Journey:
    name: str
    state: str
    findings: tuple[tuple[str, str, str], ...] = ()  # (code, disposition, error type)
    error_types: tuple[str, ...] = ()
    held_by: str | None = None  # the held event's reason (a comma list of codes); default: the hold findings
    decision: str | None = None  # released | returned-by-hand | retry
    approved: bool = False  # four eyes: a first person's approval (release-approved) before the release
    paid: bool = False

    def __post_init__(self) -> None:
        if self.held_by is None and (holds := [code for code, what, _ in self.findings if what == "hold"]):
            object.__setattr__(self, "held_by", ",".join(holds))

    @property
    def end(self) -> str | None:
        """The robot's last step: ``posted`` or ``returned`` (the state it leaves); None: still held."""
        return None if self.state == "held" else self.state


JOURNEYS = {
    j.name: j
    for j in (
        Journey("clean", "posted", paid=True),
        Journey("clean-unpaid", "posted"),
        Journey("no-reference", "returned", (("DK-REFERENCE", "return", "REF"),), ("REF",)),
        Journey("totals", "returned", (("BR-CO-15", "return", "LEG"),), ("LEG",)),
        Journey("duplicate", "returned", (("DUP-NUMBER", "return", "OTH"),), ("OTH",)),
        Journey("suspect", "held", (("DUP-SUSPECT", "hold", "OTH"),), ("OTH",)),
        Journey("bank-held", "held", (("VENDOR-BANK", "hold", "PAY"),), ("PAY",)),
        Journey("released", "posted", (("VENDOR-UNKNOWN", "hold", "REC"),), decision="released", paid=True),
        Journey(
            "released-two",
            "posted",
            (("VENDOR-UNKNOWN", "hold", "REC"), ("CUST-AMOUNT-LIMIT", "hold", "OTH")),
            decision="released",
        ),
        Journey(
            "by-hand", "returned", (("VENDOR-BANK", "hold", "PAY"),), ("PAY",), decision="returned-by-hand"
        ),
        Journey("retried", "posted", held_by="BR-CO-15", decision="retry"),
        Journey("four-eyes", "posted", (("VENDOR-BANK", "hold", "PAY"),), decision="released", approved=True),
    )
}

#: invoices per month per journey, per customer: each customer has its own error mix
MIXES: dict[str, dict[str, int]] = {
    "SFE": {"clean": 700, "clean-unpaid": 80, "no-reference": 60, "totals": 10, "duplicate": 5,
            "suspect": 4, "bank-held": 3, "released": 30, "released-two": 2, "retried": 6},
    "UFM": {"clean": 600, "clean-unpaid": 120, "no-reference": 15, "totals": 40, "duplicate": 8,
            "suspect": 6, "bank-held": 10, "released": 2, "by-hand": 12, "retried": 3, "four-eyes": 4},
    "KUM": {"clean": 800, "clean-unpaid": 50, "no-reference": 5, "totals": 5, "duplicate": 2,
            "suspect": 1, "released": 8, "by-hand": 1},
    "DST": {"clean": 500, "clean-unpaid": 200, "no-reference": 90, "totals": 25, "duplicate": 12,
            "suspect": 9, "bank-held": 6, "released-two": 5, "by-hand": 4, "retried": 10},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Planned:
    id: int
    customer: str
    month: int
    journey: Journey
    supplier: str
    received_at: datetime
    payable: Decimal
    to_posting: timedelta  # the robot's last step after receipt (posting, return or hold)
    to_payment: timedelta  # the bank's payment after receipt (if paid)


def supplier_cvr(index: int) -> str:
    return f"{30000000 + index:08d}"


def supplier_name(index: int) -> str:
    return HOSTILE_NAME if index == 0 else f"Leverandør {index} A/S"


def plan() -> list[Planned]:
    """Every invoice of the history, in id order (deterministic)."""
    planned: list[Planned] = []
    for customer, mix in MIXES.items():
        for m in range(MONTHS):
            month = FIRST_MONTH + m
            k = 0
            for name, count in mix.items():
                for _ in range(count):
                    i = len(planned) + 1
                    # days 1-28, 07:00-15:59 UTC: the same Copenhagen day in winter and in summer
                    received = datetime(YEAR, month, 1 + k % 28, 7 + k % 9, (7 * k) % 60, tzinfo=UTC)
                    planned.append(
                        Planned(
                            id=i,
                            customer=customer,
                            month=month,
                            journey=JOURNEYS[name],
                            supplier=supplier_cvr(i % SUPPLIERS),
                            received_at=received,
                            payable=Decimal(100 + i % 900) + Decimal("0.25"),
                            to_posting=timedelta(minutes=10 + (i * 37) % 600),
                            to_payment=timedelta(days=5 + i % 30, hours=i % 24),
                        )
                    )
                    k += 1
    return planned


def _events(p: Planned, next_id: int) -> list[dict[str, Any]]:
    j, at = p.journey, p.received_at
    steps: list[tuple[str, datetime, dict[str, Any]]] = [("received", at, {"source": "history"})]
    if j.held_by is not None:
        steps.append(("held", at + timedelta(minutes=1), {"reason": j.held_by}))
    if j.approved:
        steps.append(("release-approved", at + timedelta(minutes=3), {"by": "BENT"}))
    if j.decision is not None:
        steps.append((j.decision, at + timedelta(minutes=5), {"by": "ANJE"}))
    if j.end is not None:
        steps.append((j.end, at + p.to_posting, {}))
    if j.paid:
        steps.append(("paid", at + p.to_payment, {"amount": str(p.payable)}))
    return [
        {"id": next_id + n, "invoice_id": p.id, "run_id": 1, "at": when, "kind": kind, "detail": detail}
        for n, (kind, when, detail) in enumerate(steps)
    ]


def fill(store: Store, planned: list[Planned]) -> None:
    """Write ``planned`` into an empty, migrated ``store``."""
    start = datetime(YEAR, FIRST_MONTH, 1, tzinfo=UTC)
    invoices: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    error_types: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for p in planned:
        j = p.journey
        index = int(p.supplier) - 30000000
        invoices.append(
            {
                "id": p.id, "document_id": 1, "source": "history", "source_ref": f"h/{p.id}.xml",
                "source_meta": {}, "received_at": p.received_at, "updated_at": p.received_at,
                "first_run_id": 1, "last_run_id": 1, "state": j.state, "customer_id": p.customer,
                "format": "peppol-bis3", "document_type": "380", "invoice_number": f"H-{p.id}",
                "number_normalised": f"h-{p.id}", "supplier_key": p.supplier,
                "supplier_name": supplier_name(index), "issue_date": p.received_at.date(),
                "payable": p.payable, "currency": "DKK",
                "error_types": ",".join(j.error_types) or None,
            }
        )  # fmt: skip
        for code, disposition, reason in j.findings:
            findings.append(
                {
                    "invoice_id": p.id, "code": code, "severity": "error", "disposition": disposition,
                    "status": "RE" if disposition == "return" else "UQ", "reason": reason,
                    "action": "NOA", "message_da": code, "message_en": code,
                }
            )  # fmt: skip
        error_types += [{"invoice_id": p.id, "code": code} for code in j.error_types]
        events += _events(p, len(events) + 1)
    with store.engine.begin() as conn:
        conn.execute(insert(Run), [{"id": 1, "started_at": start, "status": "ok", "counts": {}}])
        document = {"id": 1, "sha256": "0" * 64, "size": 1, "content": b"x", "filename": "h.xml"}
        conn.execute(insert(Document), [document])
        conn.execute(insert(InvoiceRow), invoices)
        conn.execute(insert(FindingRow), findings)
        conn.execute(insert(ErrorTypeRow), error_types)
        conn.execute(insert(Event), events)
