"""The error scenarios of the demo set: each a clean document with exactly one thing broken.

The expected verdict and Invoice Response reason code follow domain.md §5; ``official_ids`` are
the official rules the document fires (checked against the oracle by ``tests/test_samplegen.py``)::

    >>> from robot.demo.samplegen.scenarios import build
    >>> entries, _ = build(2026)  # build() calls add_errors() after the clean invoices
    >>> sorted({e.verdict for e in entries})
    ['hold', 'post', 'return']
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from robot.demo.samplegen.builder import Builder, Entry
from robot.demo.samplegen.customers import BAD_CHECK_EAN, UNKNOWN_EAN
from robot.demo.samplegen.parties import SampleVendor
from robot.demo.samplegen.scenarios_base import LIMIT_NET
from robot.demo.samplegen.vendors import UNKNOWN_VENDOR


def _err(b: Builder, fmt: str, cid: str, vnum: str | SampleVendor, *, order: bool = True, **kw: Any) -> Any:
    doc = b.doc(fmt, cid, vnum, max_net=LIMIT_NET[cid], **kw)
    if order:
        b.order_for(doc)
    return doc


def add_errors(b: Builder, first: Entry, suspect_of: Entry, resend_of: Entry) -> None:
    """One document per common error, each a clean document with one thing broken."""
    oid: tuple[str, ...]
    ref = "REF"
    for fmt, vnum, oid in (("peppol", "K10001", ()), ("oioubl", "K10004", ("F-INV051",))):
        doc = _err(b, fmt, "SFE", vnum)
        doc.person_ref = None
        b.add(
            f"{fmt}-missing-person-reference",
            "missing-person-reference",
            doc,
            "return",
            ref,
            "Personreference mangler (kunden kræver personreference)",
            "Person reference missing (the customer requires one)",
            official_ids=oid,
        )
    for fmt, vnum, oid in (("peppol", "K10002", ()), ("oioubl", "K10010", ())):
        doc = _err(b, fmt, "ITD", vnum, order=False)
        doc.order_ref = None
        b.add(
            f"{fmt}-missing-order-number",
            "missing-order-number",
            doc,
            "return",
            ref,
            "Ordrenummer mangler (kunden kræver ordrenummer)",
            "Order number missing (the customer requires one)",
            official_ids=oid,
        )
    doc = _err(b, "peppol", "SFE", "K10005", order=False)
    doc.buyer_ean, doc.order_ref = UNKNOWN_EAN, None
    b.add(
        "peppol-unknown-ean",
        "unknown-ean",
        doc,
        "return",
        "REC",
        "EAN-nummeret tilhører ingen kunde",
        "The EAN location number belongs to no customer",
        customer_id="",
    )
    for fmt, oid in (("peppol", ("PEPPOL-COMMON-R040",)), ("oioubl", ())):
        doc = _err(b, fmt, "SFE", "K10012", order=False)
        doc.buyer_ean, doc.order_ref = BAD_CHECK_EAN, None
        b.add(
            f"{fmt}-bad-ean-check-digit",
            "bad-ean-check-digit",
            doc,
            "return",
            "REC",
            "EAN-nummerets kontrolciffer er forkert",
            "The EAN location number has a wrong check digit",
            customer_id="",
            official_ids=oid,
        )
    #: the arithmetic errors: (scenario, what is tampered, Danish, English, (format, customer, vendor,
    #: official rules fired) per document)
    arithmetic: list[
        tuple[str, dict[str, Decimal], str, str, list[tuple[str, str, str, tuple[str, ...]]]]
    ] = [
        (
            "line-sum-mismatch",
            {"line_extension": Decimal("100.00")},
            "Summen af linjebeløb svarer ikke til fakturaens linjetotal",
            "The sum of line amounts differs from the invoice's line total",
            [
                ("peppol", "EKU", "K10012", ("BR-CO-10", "BR-CO-13")),
                ("oioubl", "SFE", "K10005", ("F-INV126", "F-INV128", "F-INV133")),
            ],
        ),
        (
            "vat-wrong",
            {"tax": Decimal("50.00")},
            "Momsbeløbet er forkert beregnet",
            "The VAT amount is calculated wrongly",
            [("peppol", "MFP", "K10010", ("BR-CO-17", "BR-S-09")), ("oioubl", "ITD", "K10001", ())],
        ),
    ]
    for scenario, tamper, da, en, cases in arithmetic:
        for fmt, cid, vnum, oid in cases:
            doc = _err(b, fmt, cid, vnum)
            doc.tamper = dict(tamper)
            b.add(f"{fmt}-{scenario}", scenario, doc, "return", "LEG", da, en, official_ids=oid)
    doc = _err(b, "peppol", "SFE", "K10006")
    doc.tamper = {"payable": Decimal("100.00")}
    b.add(
        "peppol-payable-wrong",
        "payable-wrong",
        doc,
        "return",
        "LEG",
        "Beløb til betaling er forkert",
        "The amount due for payment is wrong",
        official_ids=("BR-CO-16",),
    )
    dup = replace(first.doc, note="Genfremsendt faktura", uuid=first.doc.uuid[:-1] + "0")
    b.add(
        "peppol-duplicate",
        "duplicate",
        dup,
        "return",
        "OTH",
        f"Dublet af faktura {first.doc.number} (samme leverandør og nummer)",
        f"Duplicate of invoice {first.doc.number} (same supplier and number)",
        related_to=first,
    )
    b.add(
        "oioubl-resent-same-bytes",
        "resent-same-bytes",
        resend_of.doc,
        "return",
        "OTH",
        "Nøjagtig samme fil modtaget igen under et andet navn",
        "Exactly the same file received again under another name",
        same_bytes_as=resend_of,
        related_to=resend_of,
    )
    orig = suspect_of.doc
    suspect = replace(
        orig,
        number=orig.number.replace("-", "").replace("ITS", "ITS-"),
        issue_date=orig.issue_date + timedelta(days=4),
        due_date=orig.due_date + timedelta(days=4),
        uuid=orig.uuid[:-1] + "1",
    )
    b.add(
        "oioubl-suspected-duplicate",
        "suspected-duplicate",
        suspect,
        "hold",
        "OTH",
        f"Mulig dublet af {orig.number}: nummeret afviger kun i tegnsætning, samme beløb",
        f"Suspected duplicate of {orig.number}: number differs only in punctuation, same amount",
        related_to=suspect_of,
    )
    doc = _err(b, "oioubl", "MFP", "K10005")
    doc.payment = replace(doc.payment, account="0009988776")
    b.add(
        "oioubl-bank-account-differs",
        "bank-account-differs",
        doc,
        "hold",
        "PAY",
        "Bankkontoen på fakturaen afviger fra leverandørens stamdata",
        "The bank account on the invoice differs from the vendor master",
    )
    doc = _err(b, "peppol", "SFE", "K10009")
    doc.payment = replace(doc.payment, fik_id=(doc.payment.fik_id or "")[:14])
    b.add(
        "peppol-bad-fik-payment-id",
        "bad-fik-payment-id",
        doc,
        "return",
        "PAY",
        "FIK-betalings-id har forkert længde (71 kræver 15 cifre)",
        "FIK payment id has the wrong length (71 needs 15 digits)",
        official_ids=("DK-R-011",),
    )
    doc = _err(b, "peppol", "SFE", UNKNOWN_VENDOR, order=False)
    doc.order_ref = None
    b.add(
        "peppol-unknown-supplier",
        "unknown-supplier",
        doc,
        "hold",
        "OTH",
        "Leverandørens CVR-nummer findes ikke i kreditorstamdata (navnet ligner Kontorland A/S)",
        "The supplier's CVR is not in the vendor master (the name resembles Kontorland A/S)",
    )
    doc = _err(b, "oioubl", "ITD", "K10012", order=False)
    doc.order_ref = "PO-2026-9999"
    b.add(
        "oioubl-order-not-found",
        "order-not-found",
        doc,
        "return",
        ref,
        "Ordrenummeret findes ikke i indkøbssystemet",
        "The order number does not exist in the purchase system",
    )
    doc = _err(b, "peppol", "ITD", "K10003", quantities=(40, 0))
    doc.lines = [replace(ln, price=ln.unit_price * Decimal("1.10")) for ln in doc.lines]
    b.add(
        "peppol-price-off-order",
        "price-off-order",
        doc,
        "return",
        "PRI",
        "Prisen afviger 10 % fra ordren",
        "The price is 10% above the order",
    )
    doc = _err(b, "oioubl", "ITD", "K10005", quantities=(4, 0))
    doc.lines = [replace(ln, quantity=Decimal(6)) for ln in doc.lines]
    b.add(
        "oioubl-quantity-off-order",
        "quantity-off-order",
        doc,
        "return",
        "QTY",
        "Der er faktureret 6 stk., men bestilt 4",
        "6 units invoiced, 4 ordered",
    )
    doc = b.doc("peppol", "SFE", "K10005", quantities=(30, 0))
    b.order_for(doc)
    b.add(
        "peppol-above-auto-post-limit",
        "above-auto-post-limit",
        doc,
        "hold",
        "OTH",
        "Beløbet overstiger kundens grænse for automatisk bogføring",
        "The amount exceeds the customer's auto-post limit",
    )
    doc = _err(b, "peppol", "ITD", "K10010")
    doc.accounting_cost = None
    b.add(
        "peppol-missing-account-string",
        "missing-account-string",
        doc,
        "return",
        ref,
        "Kontostreng mangler (kunden kræver kontostreng)",
        "Account string missing (the customer requires one)",
    )
    doc = _err(b, "peppol", "MFP", "K10001", order=False)
    doc.currency = "EUR"
    b.order_for(doc)
    b.add(
        "peppol-disallowed-currency",
        "disallowed-currency",
        doc,
        "return",
        "FIN",
        "Kunden modtager ikke fakturaer i EUR",
        "The customer does not accept invoices in EUR",
    )
    doc = _err(b, "oioubl", "SFE", "K10012")
    b.add(
        "oioubl-remark-til-sam",
        "remark-til-sam",
        doc,
        "hold",
        "OTH",
        "Kundens bemærkning starter med »TIL SAM«",
        "The customer's remark starts with 'TIL SAM'",
        remark="TIL SAM: varen er ikke leveret, afvent kreditnota",
    )
    doc = _err(b, "peppol", "EKU", "K10008")
    doc.due_date, doc.payment_terms_days = doc.issue_date + timedelta(days=45), 45
    b.add(
        "peppol-payment-terms-45-days",
        "payment-terms-over-30-days",
        doc,
        "post",
        None,
        "Betalingsfrist 45 dage (over 30 dage): kun en advarsel",
        "Payment terms 45 days (over 30): a warning only",
        warnings=("PAY",),
    )
    doc = _err(b, "peppol", "MFP", "K10009")
    b.add(
        "peppol-supplier-not-allowed",
        "supplier-not-on-allow-list",
        doc,
        "hold",
        "OTH",
        "Leverandøren er ikke på kundens liste over godkendte leverandører",
        "The supplier is not on the customer's allow-list",
    )
