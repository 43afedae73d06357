"""Throughput of the classifier with every registered rule, on one core, with big lookups.

    .venv/bin/python -m bench.classify_bench [--invoices 10000] [--history 1000000] [--sample 200]

Builds (synthetically, seeded) 5,000 vendors, a HistoryIndex of 1,000,000 earlier invoices and
10,000 invoices **as model objects** (``robot.model.Invoice``, no XML parsing), then classifies them
with ALL registered rules through ``classifiers.engine.Classifier`` with a full context (customer
criteria, vendor master, history, purchase orders). Prints invoices/s and peak RSS before and after
the run (memory must stay flat). When ``../shared/corpora`` and saxonche are present it also times,
on a sample rendered as Peppol BIS 3 XML, our read + classify against the official artefacts.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import random
import resource
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from stdnum.dk.cvr import compact as compact_cvr

ROOT = Path(__file__).resolve().parent.parent

from classifiers.api import Context, OrderLine, PriorInvoice, PurchaseOrder, Vendor  # noqa: E402
from classifiers.criteria import CustomerCriteria  # noqa: E402
from classifiers.engine import Classifier  # noqa: E402
from classifiers.lookups import HistoryIndex, VendorIndex  # noqa: E402
from robot import model as m  # noqa: E402

EAN = "5798000416604"
ORACLE = ROOT.parent / "shared" / "tools" / "schematron_oracle.py"
TWO = Decimal("0.01")
ROUNDS = 5  # side-by-side rounds


def valid_cvrs(n: int) -> list[str]:
    """``n`` distinct valid (modulus-11) CVR numbers."""
    from stdnum.dk import cvr as stdnum_cvr

    found: list[str] = []
    number = 10_000_000
    while len(found) < n:
        if stdnum_cvr.is_valid(str(number)):
            found.append(str(number))
        number += 1
    return found


def build_vendors(n: int) -> list[Vendor]:
    return [
        Vendor(f"V{i:05d}", f"Leverandør {i} A/S", cvr=cvr, fik_creditor=f"{80000000 + i}", nemkonto=True)
        for i, cvr in enumerate(valid_cvrs(n))
    ]


def build_history(vendors: list[Vendor], n: int, rng: random.Random) -> HistoryIndex:
    start = date(2023, 1, 1)
    history = HistoryIndex()
    per = n // len(vendors)
    for v_i, vendor in enumerate(vendors):
        key = vendor.cvr or ""
        for k in range(per):
            i = v_i * per + k
            history.add(
                PriorInvoice(
                    invoice_id=i,
                    supplier_key=key,
                    number=f"F{k:06d}",
                    issue_date=start + timedelta(days=k % 700),
                    payable=Decimal(rng.randint(100, 10_000_000)) / 100,
                    sha256=None if i % 10 else f"{i:064x}",
                )
            )
    return history


def build_invoice(i: int, vendor: Vendor, rng: random.Random) -> m.Invoice:
    lines = []
    for n in range(1, 4):
        qty = Decimal(rng.randint(1, 20))
        price = Decimal(rng.randint(100, 100_000)) / 100
        lines.append(
            m.Line(
                id=str(n),
                quantity=qty,
                unit="EA",
                net_amount=(qty * price).quantize(TWO),
                price=price,
                item_name=f"Vare {n}",
                seller_item_id=f"ITEM-{n}",
                vat_category="S",
                vat_rate=Decimal("25"),
                order_line_reference=str(n),
            )
        )
    net = sum((line.net_amount or Decimal(0) for line in lines), Decimal(0))
    tax = (net * Decimal("0.25")).quantize(TWO)
    issued = date(2025, 1, 1) + timedelta(days=i % 300)
    return m.Invoice(
        format="peppol-bis3",
        document_type=m.DocumentType.INVOICE,
        number=f"N{i:07d}",
        customization_id="urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        profile_id="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
        type_code="380",
        issue_date=issued,
        due_date=issued + timedelta(days=30),
        currency="DKK",
        buyer_reference="ABC",
        order_reference=f"PO-{i}",
        accounting_cost="4025:123",
        seller=m.Party(
            name=vendor.name,
            legal_id=m.Identifier(f"DK{vendor.cvr}", "0184"),
            vat_id=f"DK{vendor.cvr}",
            endpoint=m.Identifier(vendor.cvr or "", "0184"),
            address=m.Address(street="Vej 1", city="København", postal_code="1000", country="DK"),
        ),
        buyer=m.Party(
            name="Styrelsen",
            endpoint=m.Identifier(EAN, "0088"),
            address=m.Address(street="Vej 2", city="Aarhus", postal_code="8000", country="DK"),
        ),
        payment_means=[
            m.PaymentMeans(code="93", payment_id=f"71#{i:015d}", account=vendor.fik_creditor),
        ],
        vat_breakdown=[m.VatBreakdown("S", Decimal("25"), net, tax, currency="DKK")],
        totals=m.Totals(
            line_extension=net, tax_exclusive=net, tax=tax, tax_inclusive=net + tax, payable=net + tax
        ),
        lines=lines,
    )


def order_for(inv: m.Invoice) -> PurchaseOrder:
    return PurchaseOrder(
        number=inv.order_reference or "",
        customer_id="SAM",
        vendor_cvr=compact_cvr(inv.seller.legal_id.value if inv.seller.legal_id else ""),
        amount=inv.totals.tax_exclusive or Decimal(0),
        lines=tuple(OrderLine(line.id or "", line.quantity or 0, line.price or 0) for line in inv.lines),
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def to_peppol_xml(inv: m.Invoice) -> bytes:
    """The benchmark invoice rendered as Peppol BIS 3 UBL (same data the model run used)."""
    s, b, t = inv.seller, inv.buyer, inv.totals
    pm = inv.payment_means[0]
    lines = "".join(
        f"""<cac:InvoiceLine><cbc:ID>{ln.id}</cbc:ID>
<cbc:InvoicedQuantity unitCode="EA">{ln.quantity}</cbc:InvoicedQuantity>
<cbc:LineExtensionAmount currencyID="DKK">{ln.net_amount}</cbc:LineExtensionAmount>
<cac:OrderLineReference><cbc:LineID>{ln.order_line_reference}</cbc:LineID></cac:OrderLineReference>
<cac:Item><cbc:Name>{ln.item_name}</cbc:Name><cac:SellersItemIdentification><cbc:ID>{ln.seller_item_id}</cbc:ID>
</cac:SellersItemIdentification><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
<cac:Price><cbc:PriceAmount currencyID="DKK">{ln.price}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>"""
        for ln in inv.lines
    )

    def party(p: m.Party) -> str:
        a = p.address or m.Address()
        legal = f'<cbc:CompanyID schemeID="0184">{p.legal_id.value}</cbc:CompanyID>' if p.legal_id else ""
        vat = (
            f"<cac:PartyTaxScheme><cbc:CompanyID>{p.vat_id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
            "</cac:TaxScheme></cac:PartyTaxScheme>"
            if p.vat_id
            else ""
        )
        ep = p.endpoint or m.Identifier("")
        return f"""<cac:Party><cbc:EndpointID schemeID="{ep.scheme}">{ep.value}</cbc:EndpointID>
<cac:PostalAddress><cbc:StreetName>{a.street}</cbc:StreetName><cbc:CityName>{a.city}</cbc:CityName>
<cbc:PostalZone>{a.postal_code}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>{a.country}</cbc:IdentificationCode>
</cac:Country></cac:PostalAddress>{vat}<cac:PartyLegalEntity><cbc:RegistrationName>{p.name}</cbc:RegistrationName>
{legal}</cac:PartyLegalEntity></cac:Party>"""

    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>{inv.customization_id}</cbc:CustomizationID><cbc:ProfileID>{inv.profile_id}</cbc:ProfileID>
<cbc:ID>{inv.number}</cbc:ID><cbc:IssueDate>{inv.issue_date}</cbc:IssueDate><cbc:DueDate>{inv.due_date}</cbc:DueDate>
<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>
<cbc:AccountingCost>{inv.accounting_cost}</cbc:AccountingCost><cbc:BuyerReference>{inv.buyer_reference}</cbc:BuyerReference>
<cac:OrderReference><cbc:ID>{inv.order_reference}</cbc:ID></cac:OrderReference>
<cac:AccountingSupplierParty>{party(s)}</cac:AccountingSupplierParty>
<cac:AccountingCustomerParty>{party(b)}</cac:AccountingCustomerParty>
<cac:PaymentMeans><cbc:PaymentMeansCode>{pm.code}</cbc:PaymentMeansCode><cbc:PaymentID>{pm.payment_id}</cbc:PaymentID>
<cac:PayeeFinancialAccount><cbc:ID>{pm.account}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
<cac:TaxTotal><cbc:TaxAmount currencyID="DKK">{t.tax}</cbc:TaxAmount><cac:TaxSubtotal>
<cbc:TaxableAmount currencyID="DKK">{t.tax_exclusive}</cbc:TaxableAmount>
<cbc:TaxAmount currencyID="DKK">{t.tax}</cbc:TaxAmount>
<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="DKK">{t.line_extension}</cbc:LineExtensionAmount>
<cbc:TaxExclusiveAmount currencyID="DKK">{t.tax_exclusive}</cbc:TaxExclusiveAmount>
<cbc:TaxInclusiveAmount currencyID="DKK">{t.tax_inclusive}</cbc:TaxInclusiveAmount>
<cbc:PayableAmount currencyID="DKK">{t.payable}</cbc:PayableAmount></cac:LegalMonetaryTotal>
{lines}</Invoice>"""
    return xml.encode()


def oracle_side_by_side(invoices: list[m.Invoice], ctxs: list[Context], sample: int) -> None:
    """Official artefacts vs our read + classify, per document, on the same rendered invoices."""
    if not ORACLE.exists():
        print("official artefacts: skipped (../shared/tools/schematron_oracle.py absent)")
        return
    try:
        import saxonche  # noqa: F401
    except ImportError:
        print("official artefacts: skipped (saxonche not installed)")
        return
    from robot.readers import read_document

    docs = [to_peppol_xml(inv) for inv in invoices[:sample]]
    spec = importlib.util.spec_from_file_location("schematron_oracle", ORACLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    oracle = module.Oracle()
    first = oracle.check(docs[0], "peppol")  # compiles the artefacts once, outside the timing
    classifier = Classifier()
    classifier.classify(read_document(docs[0], "doc0.xml"), ctxs[0])  # loads the rules, likewise

    def official_run() -> float:
        t0 = time.perf_counter()
        for doc in docs:
            oracle.check(doc, "peppol")
        return (time.perf_counter() - t0) / len(docs)

    def our_run() -> float:
        t0 = time.perf_counter()
        for n, doc in enumerate(docs):
            classifier.classify(read_document(doc, f"doc{n}.xml"), ctxs[n])
        return (time.perf_counter() - t0) / len(docs)

    # rounds taken in turn, so both sides see the same machine; the median round of each is shown
    officials, ours_runs = [], []
    for _ in range(ROUNDS):
        officials.append(official_run())
        ours_runs.append(our_run())
    official, ours = statistics.median(officials), statistics.median(ours_runs)
    fired = sorted({f["id"] for f in first.get("fired", [])})
    print(
        f"side by side on {len(docs)} of the same invoices rendered as Peppol BIS 3 XML "
        f"(official ids firing on the first: {fired or 'none'}):"
    )
    print(f"  official artefacts (saxonche, EN 16931 + Peppol): {official * 1000:.2f} ms/document")
    print(f"  fakturarobot read + all rules:                   {ours * 1000:.2f} ms/document")
    print(f"  ratio official / ours: {official / ours:.1f}x (median of {ROUNDS} rounds taken in turn)")
    print(
        f"  best rounds: {min(officials) * 1000:.2f} vs {min(ours_runs) * 1000:.2f} ms/document, "
        f"{min(officials) / min(ours_runs):.1f}x"
    )
    print(
        f"  rounds (ms/document): official {' '.join(f'{x * 1000:.2f}' for x in officials)}; "
        f"ours {' '.join(f'{x * 1000:.2f}' for x in ours_runs)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(20250501)

    t0 = time.perf_counter()
    vendors = build_vendors(args.vendors)
    master = VendorIndex(vendors)
    history = build_history(vendors, args.history, rng)
    took = time.perf_counter() - t0
    print(f"built {len(master)} vendors and {len(history):,} earlier invoices in {took:.1f} s")

    invoices = [build_invoice(i, vendors[i % len(vendors)], rng) for i in range(args.invoices)]
    for i, inv in enumerate(invoices):  # some realistic trouble: 10% duplicates, 10% other bank details
        if i % 10 == 0:
            inv.number, inv.issue_date = "F000005", date(2023, 1, 6)
        elif i % 10 == 1:
            inv.payment_means[0].account = "11112222"
    orders = {inv.order_reference or "": order_for(inv) for inv in invoices}
    criteria = CustomerCriteria(auto_post_limit=Decimal("250000"), require_account_string=True)
    ctxs = [
        Context(
            customer_id="SAM",
            criteria=criteria,
            vendors=master,
            orders=orders,
            history=history,
            known_customer_eans={EAN: "SAM"},
            document_sha256=hashlib.sha256(str(n).encode()).hexdigest(),
            metadata={"remark": "godkendt"},
        )
        for n in range(len(invoices))
    ]
    classifier = Classifier()
    print(f"rules: {len(classifier.rules)} registered, all applied")

    for inv, ctx in zip(invoices[:200], ctxs[:200], strict=True):  # warm up
        classifier.classify(inv, ctx)
    rss_before = peak_rss_mb()
    verdicts: dict[str, int] = {}
    t0 = time.perf_counter()
    for inv, ctx in zip(invoices, ctxs, strict=True):
        result = classifier.classify(inv, ctx)
        verdicts[result.verdict.value] = verdicts.get(result.verdict.value, 0) + 1
    elapsed = time.perf_counter() - t0
    rss_after = peak_rss_mb()
    print(
        f"classified {len(invoices):,} invoices (model objects) in {elapsed:.2f} s: "
        f"{len(invoices) / elapsed:,.0f} invoices/s on one core"
    )
    print(f"verdicts: {verdicts}")
    if verdicts.get("return"):  # the bench's invoices are clean but for the planned trouble (holds)
        print("WARNING: some bench invoices were returned: a rule finds them wrong; the numbers measure that")
    print(
        f"peak RSS before the run {rss_before:,.0f} MB, after {rss_after:,.0f} MB "
        f"(+{rss_after - rss_before:,.0f} MB)"
    )
    oracle_side_by_side(invoices, ctxs, args.sample)


if __name__ == "__main__":
    main()
