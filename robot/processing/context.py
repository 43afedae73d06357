"""What the rules may look up, assembled once per run: customers, vendors, orders, history.

    >>> from robot.readers import read_document
    >>> samples = Path("samples")
    >>> files = [samples / name for name in ("customers.yaml", "vendors.yaml", "orders.yaml")]
    >>> master = MasterData.load(*files)
    >>> invoice = read_document((samples / "inbox" / "0001-peppol-clean.xml").read_bytes())
    >>> ctx = master.context(invoice, metadata={}, sha256="…", invoice_id=7)  # found by BT-49
    >>> ctx.customer_id, ctx.criteria is not None, len(ctx.orders) > 0
    ('SFE', True, True)

The customer is the one the purchase system names in the metadata, else the one whose EAN the
invoice is addressed to (BT-49). Rules never touch the database: they read the history of
earlier invoices through a lookup (:class:`classifiers.lookups.RunHistory`), in a run the store's
indexed queries (:class:`robot.store.history.StoreHistory`, nothing loaded at the start), for
``validate`` and the what-if replay an in-memory index of the invoices given; either grows with the
invoices the run decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from classifiers.api import Context, PriorInvoice, PurchaseOrder, Vendor
from classifiers.criteria import Customer, CustomersFile
from classifiers.keys import HistoryKey
from classifiers.lookups import HistoryIndex, RunHistory, VendorIndex
from robot.configuration.masterdata import load_customers, load_orders, load_vendors
from robot.model import Invoice


@dataclass(slots=True)
class MasterData:
    customers: tuple[Customer, ...] = ()
    vendors: VendorIndex = field(default_factory=lambda: VendorIndex(()))
    orders: Mapping[str, PurchaseOrder] = field(default_factory=dict)
    history: RunHistory = field(default_factory=HistoryIndex)
    by_id: dict[str, Customer] = field(default_factory=dict)
    by_ean: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.customers}
        self.by_ean = {ean: c.id for c in self.customers for ean in c.eans}

    @classmethod
    def load(cls, customers: Path, vendors: Path, orders: Path | None) -> MasterData:
        customers_file: CustomersFile = load_customers(customers)
        vendor_list: list[Vendor] = load_vendors(vendors)
        order_map = load_orders(orders) if orders is not None else {}
        return cls(customers=customers_file.customers, vendors=VendorIndex(vendor_list), orders=order_map)

    def with_history(self, priors: Iterable[PriorInvoice] | RunHistory) -> MasterData:
        """Decide against this history: a lookup as it is (the store's), or an index of ``priors``."""
        self.history = priors if isinstance(priors, RunHistory) else HistoryIndex(priors)
        return self

    def customer_for(self, invoice: Invoice | None, metadata: Mapping[str, str]) -> Customer | None:
        named = metadata.get("customer")
        if named and named in self.by_id:
            return self.by_id[named]
        endpoint = invoice.buyer.endpoint if invoice is not None else None
        if endpoint is not None and endpoint.value in self.by_ean:
            return self.by_id[self.by_ean[endpoint.value]]
        return None

    def context(
        self,
        invoice: Invoice,
        *,
        metadata: Mapping[str, str] | None = None,
        sha256: str | None = None,
        invoice_id: int | None = None,
        document: bytes | None = None,
    ) -> Context:
        meta = dict(metadata or {})
        customer = self.customer_for(invoice, meta)
        self.history.for_invoice(HistoryKey.of(invoice, sha256))  # the store's: one query, or the batch's
        return Context(
            customer_id=customer.id if customer else None,
            criteria=customer.criteria if customer else None,
            vendors=self.vendors,
            orders=self.orders,
            history=self.history,
            known_customer_eans=self.by_ean,
            document_sha256=sha256,
            invoice_id=invoice_id,
            metadata=meta,
            document=document,
        )
