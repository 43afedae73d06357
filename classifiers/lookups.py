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

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from stdnum.dk.cvr import compact as compact_cvr

from classifiers.api import PriorInvoice, Vendor

if TYPE_CHECKING:
    from robot.model import Invoice

_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
# Characters that OCR, typing and fonts confuse: letter → the digit it is mistaken for.
_LOOK_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8"})


def normalise_invoice_number(number: str | None) -> str:
    """The invoice number as the supplier meant it: case and whitespace do not count.

    >>> normalise_invoice_number(" inv 2024-17 ")
    'INV2024-17'
    """
    return _SPACE.sub("", number or "").upper()


def canonical_invoice_number(number: str | None) -> str:
    """A number with punctuation, leading zeros and look-alike letters folded away (for suspicion).

    >>> canonical_invoice_number("F-00O17"), canonical_invoice_number("f 17")
    ('F17', 'F17')
    >>> canonical_invoice_number("INV-5O1") == canonical_invoice_number("1NV-S01")
    True
    """
    groups = _NOT_ALNUM.split((number or "").upper().translate(_LOOK_ALIKE))
    return "".join(_LEADING_ZEROS.sub("", group) for group in groups)


@lru_cache(maxsize=65536)
def cvr_of(value: str | None) -> str | None:
    """The 8-digit CVR in ``DK12345678``, ``12345678`` or ``DK 1234 5678``; else ``None``."""
    if not value:
        return None
    digits = compact_cvr(value)  # python-stdnum: no separators, no ``DK``
    return digits if len(digits) == 8 and digits.isdigit() else None


def supplier_cvr(invoice: Invoice) -> str | None:
    """The seller's CVR from its legal id (BT-30), else its VAT id (BT-31) when Danish."""
    seller = invoice.seller
    if seller.legal_id is not None:
        cvr = cvr_of(seller.legal_id.value)
        if cvr:
            return cvr
    vat = (seller.vat_id or "").replace(" ", "").upper()
    return cvr_of(vat) if vat.startswith("DK") else None


def supplier_key(invoice: Invoice) -> str:
    """How earlier invoices of the same supplier are found: CVR, else endpoint id, else name."""
    cvr = supplier_cvr(invoice)
    if cvr:
        return cvr
    endpoint = invoice.seller.endpoint
    if endpoint is not None and endpoint.value.strip():
        return endpoint.value.strip()
    return _SPACE.sub(" ", (invoice.seller.name or "").strip()).casefold()


@dataclass(frozen=True, slots=True)
class HistoryKey:
    """What the duplicate rules ask the history about one invoice (one indexed query answers all).

    >>> from robot.model import DocumentType, Identifier, Invoice, Party
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="f-0O17",
    ...               seller=Party(legal_id=Identifier("DK 1234 5674", "0184")))
    >>> key = HistoryKey.of(inv, "ab12")
    >>> key.supplier_key, key.number, key.canonical, key.payable, key.sha256
    ('12345674', 'F-0O17', 'F17', None, 'ab12')
    """

    supplier_key: str
    number: str  # normalise_invoice_number: DUP-NUMBER
    canonical: str  # canonical_invoice_number: DUP-SUSPECT's "nearly the same number"
    payable: Decimal | None  # DUP-SUSPECT: the same amount (and date)
    issue_date: date | None
    sha256: str | None  # DUP-DOCUMENT

    @classmethod
    def of(cls, invoice: Invoice, sha256: str | None) -> HistoryKey:
        issued = invoice.issue_date if isinstance(invoice.issue_date, date) else None
        return cls(
            supplier_key(invoice),
            normalise_invoice_number(invoice.number),
            canonical_invoice_number(invoice.number),
            invoice.totals.payable,
            issued,
            sha256 or None,
        )


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
