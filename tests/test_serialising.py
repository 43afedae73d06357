"""What two workers take turns on while deciding (robot.store.history.serialising_names): every pair
of invoices where one's duplicate rules can find the other shares a lock, and invoices of one
supplier that cannot find each other share none, so they are decided side by side (PostgreSQL)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest

from classifiers.api import Context, PriorInvoice
from classifiers.keys import HistoryKey, normalise_invoice_number
from classifiers.lookups import HistoryIndex
from robot.model import Invoice
from robot.store.history import serialising_names
from robot.store.repo import Store
from tests.support.duplicates import DUPLICATE_RULES, LOOK_ALIKE_NUMBERS, bare_invoice

SUPPLIERS = ("12345674", "acme a/s")
NUMBERS = (*LOOK_ALIKE_NUMBERS, "F-1700", "", "---")  # and a longer series, no number, no digits
AMOUNTS = (Decimal("100.00"), Decimal("100"), Decimal("1E+2"), Decimal("250.50"), Decimal("0"), None)
DATES = (date(2025, 1, 2), date(2025, 1, 3), date(2024, 1, 2), None)
SHAS = ("aa", "bb", "")


def _random(rng: random.Random) -> tuple[Invoice, str]:
    invoice = bare_invoice(rng.choice(SUPPLIERS), rng.choice(NUMBERS), rng.choice(DATES), rng.choice(AMOUNTS))
    return invoice, rng.choice(SHAS)


def _finds(new: tuple[Invoice, str], prior: tuple[Invoice, str]) -> bool:
    """Whether the duplicate rules on ``new`` make a finding when ``prior`` is the only earlier invoice."""
    invoice, sha = prior
    key = HistoryKey.of(invoice, sha)
    earlier = PriorInvoice(
        1, key.supplier_key, invoice.number or "", invoice.issue_date, key.payable, sha or None
    )
    ctx = Context(history=HistoryIndex([earlier]), document_sha256=new[1] or None, invoice_id=2)
    return bool(DUPLICATE_RULES.classify(new[0], ctx).findings)


def _names(item: tuple[Invoice, str]) -> set[str]:
    return set(serialising_names(HistoryKey.of(*item)))


def test_invoices_that_can_find_each_other_share_a_lock_and_others_of_a_supplier_do_not() -> None:
    rng = random.Random(11)
    found = disjoint = 0
    missed = []
    for _ in range(6000):
        a, b = _random(rng), _random(rng)
        if _finds(b, a) or _finds(a, b):
            found += 1
            if not _names(a) & _names(b):
                missed.append(
                    (a[0].number, a[0].totals.payable, a[1], b[0].number, b[0].totals.payable, b[1])
                )
        elif HistoryKey.of(*a).supplier_key == HistoryKey.of(*b).supplier_key and not _names(a) & _names(b):
            disjoint += 1
    assert not missed, missed[:5]
    assert found > 500  # the generator makes plenty of duplicates and suspected ones
    assert disjoint > 500  # one supplier's unrelated invoices do not wait for each other


def test_every_kind_of_finding_is_covered_by_its_own_lock() -> None:
    """The same number, a folded number, the same amount and date, the same bytes: each alone."""
    base = (bare_invoice("12345674", "F-0017", date(2025, 1, 2), Decimal("100.00")), "aa")
    cases = {
        "DUP-NUMBER": (bare_invoice("12345674", "f-0017", date(2025, 1, 9), Decimal("7.00")), "cc"),
        "DUP-SUSPECT folded": (bare_invoice("12345674", "FO17", date(2025, 1, 9), Decimal("7.00")), "cc"),
        "DUP-SUSPECT amount": (bare_invoice("12345674", "Q-9", date(2025, 1, 2), Decimal("100.0")), "cc"),
        "DUP-DOCUMENT": (bare_invoice("87654321", "Q-9", date(2026, 1, 2), Decimal("9.00")), "aa"),
    }
    for what, other in cases.items():
        assert _finds(other, base), what
        shared = _names(base) & _names(other)
        assert len(shared) == 1, (what, shared)
    unrelated = (bare_invoice("12345674", "Q-9", date(2025, 1, 9), Decimal("7.00")), "cc")
    assert not _finds(unrelated, base) and not _names(base) & _names(unrelated)
    assert normalise_invoice_number("f-0017") == "F-0017"


def test_two_workers_wait_for_each_other_only_on_a_shared_name(pg_fresh_url: str) -> None:
    """PostgreSQL: a transaction holding one invoice's locks does not hold up an unrelated invoice of
    the same supplier, and holds up one with the same number until it commits."""
    store = Store.open(pg_fresh_url)
    first = serialising_names(HistoryKey.of(bare_invoice("12345674", "F-17", None, Decimal("5.00")), "aa"))
    unrelated = serialising_names(
        HistoryKey.of(bare_invoice("12345674", "F-18", None, Decimal("6.00")), "bb")
    )
    same_number = serialising_names(
        HistoryKey.of(bare_invoice("12345674", "F17", None, Decimal("7.00")), "cc")
    )
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.batch_transaction([], "w1", timedelta(minutes=1), first):
            holding.set()
            release.wait(30)

    def take(names: list[str]) -> None:
        with store.batch_transaction([], "w2", timedelta(minutes=1), names):
            pass

    try:
        with ThreadPoolExecutor(3) as pool:
            held = pool.submit(hold)
            assert holding.wait(10)
            pool.submit(take, unrelated).result(timeout=10)  # not held up
            waiting = pool.submit(take, same_number)
            with pytest.raises(TimeoutError):
                waiting.result(timeout=0.5)
            release.set()
            held.result(timeout=10)
            waiting.result(timeout=10)
    finally:
        release.set()
        store.close()
