"""Duplicates: an invoice the robot has already seen must never be paid twice.

* same supplier + same (normalised) number in the same year, or the same document bytes →
  duplicate: returned (RE/OTH/NOA) naming the earlier invoice;
* same supplier + same non-zero amount + same date, or a number that differs only by punctuation,
  leading zeros or look-alike characters (O/0, I/1/l, S/5, B/8), or is nearly the same (rapidfuzz)
  with the same amount → *suspected* duplicate: held for a person (an unattended robot blocks, it
  does not warn).

Every lookup is one index access; the fuzzy comparison runs only over that supplier's numbers::

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from classifiers.api import Context, PriorInvoice
    >>> from classifiers.engine import Classifier
    >>> from classifiers.lookups import HistoryIndex
    >>> from robot.model import DocumentType, Identifier, Invoice, Party
    >>> history = HistoryIndex([PriorInvoice(7, "12345674", "INV-1", date(2025, 1, 2), Decimal("100"))])
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="inv-1",
    ...               issue_date=date(2025, 3, 1), seller=Party(legal_id=Identifier("12345674", "0184")))
    >>> result = Classifier(only=["duplicates"]).classify(inv, Context(history=history))
    >>> [(f.code, f.found) for f in result.findings]
    [('DUP-NUMBER', 'invoice INV-1 from the same supplier of 2 January 2025 (amount 100.00)')]

The earlier invoice is named as the customer knows it (number, supplier, date, amount), never by
the robot's internal id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

from classifiers.api import Context, Finding, History, PriorInvoice
from classifiers.builtin._family import Family
from classifiers.context import HistoryLookup
from classifiers.deferred import deferred
from classifiers.keys import canonical_invoice_number, normalise_invoice_number, supplier_key
from classifiers.texts import Text, amount_da, amount_en, date_long_da, date_long_en
from robot.model import Invoice

if TYPE_CHECKING:
    from rapidfuzz import fuzz, process
else:  # imported when numbers are first compared (validate without a history never does)
    fuzz, process = deferred("rapidfuzz.fuzz", "rapidfuzz.process")


#: An invoice seen before: never paid twice, and no action for the supplier to take.
DUPLICATES = Family(reason="OTH", action="NOA", field="BT-1", needs=("history",))


def _year(value: object) -> int | None:
    return getattr(value, "year", None)


def _others(priors: list[PriorInvoice], ctx: Context) -> list[PriorInvoice]:
    """Earlier invoices, never the invoice being classified itself."""
    return [p for p in priors if ctx.invoice_id is None or p.invoice_id != ctx.invoice_id]


def exact_duplicates(invoice: Invoice, history: HistoryLookup | History, ctx: Context) -> list[PriorInvoice]:
    """Same supplier, same normalised number, same year (any year if either date is unknown)."""
    number = normalise_invoice_number(invoice.number)
    if not number:
        return []
    year = _year(invoice.issue_date)
    priors = _others(history.by_number(supplier_key(invoice), number), ctx)
    return [p for p in priors if year is None or _year(p.issue_date) in (None, year)]


def _describe(prior: PriorInvoice, invoice: Invoice) -> Text:
    """``faktura F-100 fra Leverandør A/S af 3. februar 2026 (beløb 22.650,00)``, and in English."""
    name = notice_name(invoice.seller.name or invoice.seller.trading_name)
    da = f"faktura {prior.number} fra {name or 'samme leverandør'}"
    en = f"invoice {prior.number} from {name or 'the same supplier'}"
    when = prior.issue_date if isinstance(prior.issue_date, date) else None
    if when is not None:
        da, en = f"{da} af {date_long_da(when)}", f"{en} of {date_long_en(when)}"
    if prior.payable is not None:
        da, en = f"{da} (beløb {amount_da(prior.payable)})", f"{en} (amount {amount_en(prior.payable)})"
    return Text(da, en)


def notice_name(name: str | None) -> str | None:
    """A supplier name on one line (it is quoted inside a sentence)."""
    return " ".join(name.split()) if name and name.strip() else None


@DUPLICATES.rule("DUP-NUMBER", status="RE")
def duplicate_number(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Same supplier and invoice number (BT-1, ignoring case and spaces) in the same year as an earlier
    invoice → duplicate, returned."""
    if ctx.history is None:
        return
    for prior in exact_duplicates(invoice, ctx.history, ctx)[:1]:
        earlier = _describe(prior, invoice)
        yield ctx.finding(
            da=f"Fakturaen er en dublet: leverandøren har allerede sendt fakturanummer (BT-1) "
            f"'{invoice.number}' i {_year(invoice.issue_date) or 'samme år'}, se {earlier.da}. "
            "Den betales ikke igen; ingen handling nødvendig.",
            en=f"The invoice is a duplicate: the supplier already sent invoice number (BT-1) "
            f"'{invoice.number}' in {_year(invoice.issue_date) or 'the same year'}, see "
            f"{earlier.en}. It will not be paid again; no action needed.",
            found=earlier,
            expected=Text(
                "et fakturanummer, som leverandøren ikke har brugt før",
                "an invoice number not used before by this supplier",
            ),
        )


@DUPLICATES.rule("DUP-DOCUMENT", status="RE")
def duplicate_document(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The same document bytes (sha256) were received before → duplicate, returned."""
    if ctx.history is None or not ctx.document_sha256:
        return
    for prior in _others(ctx.history.by_sha256(ctx.document_sha256), ctx)[:1]:
        earlier = _describe(prior, invoice)
        yield ctx.finding(
            da=f"Præcis samme dokument (sha256 {ctx.document_sha256[:12]}…) er modtaget før som "
            f"{earlier.da}. Det betales ikke igen; ingen handling nødvendig.",
            en=f"Exactly the same document (sha256 {ctx.document_sha256[:12]}…) was received before as "
            f"{earlier.en}. It will not be paid again; no action needed.",
            found=earlier,
            expected=Text("et dokument, der ikke er modtaget før", "a document not received before"),
        )


def _fuzzy_candidates(
    invoice: Invoice, history: HistoryLookup | History, key: str, min_ratio: float
) -> list[PriorInvoice]:
    """That supplier's invoices whose canonical number equals ours or is at least ``min_ratio`` alike.

    The history names the candidates (:meth:`~classifiers.context.HistoryLookup.numbers_like`: at
    least those of the same canonical number or the same amount, the only ones that can make a
    finding); a history of the older protocol gives all of the supplier's numbers.
    """
    canonical = canonical_invoice_number(invoice.number)
    if not canonical:
        return []
    like = getattr(history, "numbers_like", None)
    priors: Sequence[PriorInvoice]
    numbers: Sequence[str]
    if like is not None:
        priors, numbers = like(key, canonical, invoice.totals.payable)
    else:
        priors = history.numbers_of(key)  # type: ignore[union-attr]  # the older protocol
        fast = getattr(history, "canonical_numbers_of", None)
        numbers = fast(key) if fast is not None else [canonical_invoice_number(p.number) for p in priors]
    hits = process.extract(
        canonical, numbers, scorer=fuzz.ratio, score_cutoff=min_ratio, limit=None, processor=None
    )
    return [priors[index] for _, _, index in hits]


@DUPLICATES.rule("DUP-SUSPECT", disposition="hold", status="UQ", defaults={"min_ratio": 90})
def suspected_duplicate(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Suspected duplicate → hold: same supplier, same non-zero amount (BT-115) and date (BT-2); or an
    invoice number equal after folding punctuation, leading zeros and look-alike characters; or nearly
    equal (rapidfuzz ratio >= min_ratio) with the same amount."""
    history = ctx.history
    if history is None:
        return
    exact = {p.invoice_id for p in exact_duplicates(invoice, history, ctx)}
    if exact:
        return  # DUP-NUMBER already returns it
    key = supplier_key(invoice)
    payable = invoice.totals.payable
    found: dict[int, tuple[PriorInvoice, str, str]] = {}
    if payable is not None and payable != 0 and invoice.issue_date is not None:
        for prior in _others(history.by_amount_date(key, payable, invoice.issue_date), ctx):
            found[prior.invoice_id] = (prior, "samme beløb og dato", "same amount and date")
    canonical = canonical_invoice_number(invoice.number)
    number = normalise_invoice_number(invoice.number)
    for prior in _others(_fuzzy_candidates(invoice, history, key, float(ctx.param("min_ratio"))), ctx):
        # the very same number in another year is the supplier's yearly series, judged by DUP-NUMBER
        if prior.invoice_id in found or normalise_invoice_number(prior.number) == number:
            continue
        if canonical_invoice_number(prior.number) == canonical:
            found[prior.invoice_id] = (prior, "næsten samme nummer", "nearly the same number")
        elif payable is not None and payable != 0 and prior.payable == payable:
            found[prior.invoice_id] = (prior, "lignende nummer og samme beløb", "similar number, same amount")
    for prior, why_da, why_en in list(found.values())[:3]:
        earlier = _describe(prior, invoice)
        yield ctx.finding(
            da=f"Mulig dublet ({why_da}): faktura '{invoice.number}' (BT-1) ligner {earlier.da}. "
            "Kreditorteamet skal kontrollere, at den ikke allerede er betalt.",
            en=f"Suspected duplicate ({why_en}): invoice '{invoice.number}' (BT-1) resembles "
            f"{earlier.en}. The creditor team must check it is not paid already.",
            found=earlier,
            expected=Text("ingen tidligere faktura som denne", "no earlier invoice like this one"),
        )
