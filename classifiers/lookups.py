"""In-memory lookups the rules read: the vendor master and the invoice history, both indexed.

Every lookup a rule makes is one dict access; the only scan is the fuzzy comparison of an invoice
number against the earlier numbers *of the same supplier*::

    >>> from classifiers.api import PriorInvoice, Vendor
    >>> vendors = VendorIndex([Vendor(number="V1", name="Kontorland A/S", cvr="12345678")])
    >>> vendors.by_cvr("DK 12345678").number
    'V1'
    >>> history = HistoryIndex([PriorInvoice(1, "12345678", "INV-001", None, None)])
    >>> [p.invoice_id for p in history.by_number("12345678", normalise_invoice_number(" inv-001 "))]
    [1]
    >>> canonical_invoice_number("INV-0O1") == canonical_invoice_number("INV 1")
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from classifiers.api import PriorInvoice, Vendor
from classifiers.keys import HistoryKey, canonical_invoice_number, cvr_of, normalise_invoice_number


@runtime_checkable
class RunHistory(Protocol):
    """The history a run decides against: the lookups the rules make, growing as the run decides.

    ``prefetch`` answers the questions of a batch of invoices at once (one query for the
    store-backed history; nothing for the in-memory index); ``for_invoice`` is called before the
    rules run on one invoice (:meth:`robot.processing.context.MasterData.context`) and uses the
    batch's answer for it, or asks now.
    """

    def by_number(self, supplier_key: str, normalised_number: str) -> list[PriorInvoice]: ...
    def by_amount_date(self, supplier_key: str, payable: Decimal, issue_date: Any) -> list[PriorInvoice]: ...
    def by_sha256(self, sha256: str) -> list[PriorInvoice]: ...
    def numbers_like(
        self, supplier_key: str, canonical_number: str, payable: Decimal | None
    ) -> tuple[Sequence[PriorInvoice], Sequence[str]]: ...
    def add(self, prior: PriorInvoice) -> None: ...
    def prefetch(self, keys: Iterable[HistoryKey]) -> None: ...
    def for_invoice(self, key: HistoryKey) -> None: ...


class VendorIndex:
    """The vendor master in memory, keyed by CVR, electronic address and folded name."""

    def __init__(self, vendors: Iterable[Vendor]) -> None:
        self._by_cvr: dict[str, Vendor] = {}
        self._by_endpoint: dict[str, Vendor] = {}
        self._by_name: dict[str, Vendor] = {}
        for vendor in vendors:
            cvr = cvr_of(vendor.cvr)
            if cvr:
                self._by_cvr.setdefault(cvr, vendor)
            if vendor.endpoint_id:
                self._by_endpoint.setdefault(vendor.endpoint_id.strip(), vendor)
            self._by_name.setdefault(vendor.name, vendor)

    def by_cvr(self, cvr: str) -> Vendor | None:
        key = cvr_of(cvr)
        return self._by_cvr.get(key) if key else None

    def by_endpoint(self, endpoint_id: str) -> Vendor | None:
        return self._by_endpoint.get(endpoint_id.strip())

    def names(self) -> Mapping[str, Vendor]:
        return self._by_name

    def __len__(self) -> int:
        return len(self._by_name)


_Bucket = PriorInvoice | list[PriorInvoice]


def _add(index: dict[Any, _Bucket], key: Any, prior: PriorInvoice) -> None:
    # most keys hold one invoice: store it bare and only grow a list on the second (saves memory)
    held = index.get(key)
    if held is None:
        index[key] = prior
    elif isinstance(held, list):
        held.append(prior)
    else:
        index[key] = [held, prior]


def _get(index: Mapping[Any, _Bucket], key: Any) -> list[PriorInvoice]:
    held = index.get(key)
    if held is None:
        return []
    return list(held) if isinstance(held, list) else [held]


class HistoryIndex:
    """Earlier invoices for duplicate checks (implements :class:`classifiers.api.History`).

    Indexes: (supplier, normalised number), (supplier, number, year), (supplier, payable, date),
    sha256, and per supplier the list of invoices with their canonical numbers for fuzzy checks.
    """

    def __init__(self, priors: Iterable[PriorInvoice] = ()) -> None:
        self._by_number: dict[tuple[str, str], _Bucket] = {}
        self._by_number_year: dict[tuple[str, str, int | None], _Bucket] = {}
        self._by_amount_date: dict[tuple[str, Decimal, date], _Bucket] = {}
        self._by_sha: dict[str, _Bucket] = {}
        self._of_supplier: dict[str, list[PriorInvoice]] = {}
        self._canonical: dict[str, list[str]] = {}
        self._count = 0
        for prior in priors:
            self.add(prior)

    def add(self, prior: PriorInvoice) -> None:
        key = prior.supplier_key
        number = normalise_invoice_number(prior.number)
        _add(self._by_number, (key, number), prior)
        year = prior.issue_date.year if isinstance(prior.issue_date, date) else None
        _add(self._by_number_year, (key, number, year), prior)
        if prior.payable is not None and prior.payable != 0 and isinstance(prior.issue_date, date):
            _add(self._by_amount_date, (key, prior.payable, prior.issue_date), prior)
        if prior.sha256:
            _add(self._by_sha, prior.sha256, prior)
        self._of_supplier.setdefault(key, []).append(prior)
        self._canonical.setdefault(key, []).append(canonical_invoice_number(prior.number))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def by_number(self, supplier_key: str, normalised_number: str) -> list[PriorInvoice]:
        return _get(self._by_number, (supplier_key, normalised_number))

    def by_number_year(
        self, supplier_key: str, normalised_number: str, year: int | None
    ) -> list[PriorInvoice]:
        return _get(self._by_number_year, (supplier_key, normalised_number, year))

    def by_amount_date(self, supplier_key: str, payable: Decimal, issue_date: Any) -> list[PriorInvoice]:
        if payable is None or payable == 0 or not isinstance(issue_date, date):
            return []
        return _get(self._by_amount_date, (supplier_key, payable, issue_date))

    def numbers_of(self, supplier_key: str) -> list[PriorInvoice]:
        return self._of_supplier.get(supplier_key, [])

    def canonical_numbers_of(self, supplier_key: str) -> list[str]:
        """Canonical numbers parallel to :meth:`numbers_of` (precomputed for the fuzzy check)."""
        return self._canonical.get(supplier_key, [])

    def by_sha256(self, sha256: str) -> list[PriorInvoice]:
        return _get(self._by_sha, sha256)

    def numbers_like(
        self, supplier_key: str, canonical_number: str, payable: Decimal | None
    ) -> tuple[Sequence[PriorInvoice], Sequence[str]]:
        """All of the supplier's invoices and their canonical numbers (the fuzzy check filters)."""
        return self.numbers_of(supplier_key), self.canonical_numbers_of(supplier_key)

    def prefetch(self, keys: Iterable[HistoryKey]) -> None:
        """Nothing to fetch: everything is in memory."""

    def for_invoice(self, key: HistoryKey) -> None:
        """Nothing to prepare: every lookup is a dict access."""
