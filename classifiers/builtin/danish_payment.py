"""Danish payment means: allowed codes, complete bank/giro/FIK/direct-debit details, payment terms.

The DK-R rules apply (as in the Peppol Schematron) to invoices between a Danish supplier and a
Danish customer; OIOUBL 2.x carries the same data in other elements (``PaymentID`` ``71`` plus
``InstructionID`` and ``CreditAccount``) and is checked the same way, without claiming DK-R ids::

    >>> from robot.model import Address, DocumentType, Invoice, Party, PaymentMeans
    >>> from classifiers.engine import Classifier
    >>> from classifiers.api import Context
    >>> dk = Party(address=Address(country="DK"))
    >>> fik = PaymentMeans(code="93", payment_id="71#12345", account="12345678")
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, seller=dk, buyer=dk,
    ...               payment_means=[fik])
    >>> [f.code for f in Classifier(only=["danish_payment"]).classify(inv, Context()).findings]
    ['DK-FIK-FORMAT', 'DK-FIK-INSTRUCTION']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stdnum import iban as stdnum_iban

from classifiers.api import Context, Finding
from classifiers.builtin._family import Family
from classifiers.builtin.danish import criteria_of, danish_trade, peppol_ids
from classifiers.texts import Text
from robot.model import Invoice, PaymentMeans, SourceFormat

PEPPOL_DK_CODES = ("1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97")
OIOUBL_CODES = ("1", "10", "20", "31", "42", "48", "49", "50", "58", "59", "93", "97")
_GIRO_ACCOUNT = re.compile(r"^[0-9]{7,8}$")

#: Payment details Danish payment cannot handle: the supplier must issue a new invoice.
PAYMENT = Family(status="RE", reason="PAY", action="NIN")


@dataclass(frozen=True, slots=True)
class _Card:
    """A giro/FIK instruction read the same way from Peppol (``71#...``) and OIOUBL 2.x."""

    kind: str  # "71", "04", ... ("" when absent or malformed)
    instruction: str  # the payment id after the card type
    account: str  # giro account / FIK creditor number (raw text)


def _card(pm: PaymentMeans, oioubl: bool) -> _Card:
    pid = pm.payment_id or ""
    if oioubl:
        return _Card(pid.strip(), (pm.instruction_id or "").strip(), pm.creditor_account or pm.account or "")
    kind = pid[:2] if pid[2:3] == "#" else ""
    return _Card(kind, pid[3:], pm.account or "")


def _applicable(invoice: Invoice) -> list[PaymentMeans]:
    """The Schematron's context: invoices (not credit notes) between Danish parties."""
    if invoice.is_credit_note or not danish_trade(invoice):
        return []
    return invoice.payment_means


def _oioubl(invoice: Invoice) -> bool:
    return invoice.format == SourceFormat.OIOUBL_2


def _cards(invoice: Invoice, code: str) -> Iterator[tuple[PaymentMeans, _Card]]:
    """The giro (``50``) or FIK (``93``) payment means the DK-R rules judge, each with its card."""
    oioubl = _oioubl(invoice)
    for pm in _applicable(invoice):
        if pm.code == code:
            yield pm, _card(pm, oioubl)


@dataclass(frozen=True, slots=True)
class _Slip:
    """A payment slip as DK-R-008 (giro, ``50``) and DK-R-010 (FIK, ``93``) judge it: a card type
    in the payment id and an account."""

    code: str  # its payment means code
    payment: Text  # the payment, as messages name it
    kinds: tuple[str, ...]  # the card types it allows
    account: Text  # the account it needs, as messages say it
    account_short: Text  # the same in ``expected``
    account_ok: Callable[[str], bool]


GIRO = _Slip(
    "50",
    Text("Girobetaling", "Giro payment"),
    ("01", "04", "15"),
    Text("et girokontonummer på 7-8 cifre (BT-84)", "a giro account of 7-8 digits (BT-84)"),
    Text("girokonto på 7-8 cifre", "7-8 digit account"),
    lambda account: bool(_GIRO_ACCOUNT.match(account)),
)
FIK = _Slip(
    "93",
    Text("FIK-betaling", "FIK payment"),
    ("71", "73", "75"),
    Text("et kreditornummer på præcis 8 tegn", "a creditor number of exactly 8 characters"),
    Text("kreditornummer på 8 tegn", "8-character creditor number"),
    lambda account: len(account) == 8,
)


def _slip_ids(invoice: Invoice, ctx: Context, slip: _Slip, official: str) -> Iterator[Finding]:
    """The slip's payment means whose card type or account is not one the slip allows."""
    kinds_da = f"{', '.join(slip.kinds[:-1])} eller {slip.kinds[-1]}"
    kinds_en = f"{', '.join(slip.kinds[:-1])} or {slip.kinds[-1]}"
    cards = "|".join(f"{kind}#" for kind in slip.kinds)
    for pm, card in _cards(invoice, slip.code):
        if not (card.kind in slip.kinds and slip.account_ok(card.account)):
            yield ctx.finding(
                da=f"{slip.payment.da} ({slip.code}) kræver korttype {kinds_da} i betalings-id (BT-83) og "
                f"{slip.account.da}; fundet '{pm.payment_id or ''}' og '{card.account}'. "
                "Leverandøren skal sende en ny faktura.",
                en=f"{slip.payment.en} ({slip.code}) needs card type {kinds_en} in the payment id (BT-83) "
                f"and {slip.account.en}; found '{pm.payment_id or ''}' and '{card.account}'. "
                "The supplier must issue a new invoice.",
                found=f"{pm.payment_id or '-'} / {card.account or '-'}",
                expected=Text(f"{cards} og {slip.account_short.da}", f"{cards} and {slip.account_short.en}"),
                official_ids=peppol_ids(invoice, official),
            )


@PAYMENT.rule("DK-PAYMEANS-CODE", official_ids=("DK-R-005", "F-LIB100"), field="BT-81")
def payment_means_code(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Payment means code (BT-81) must be one Danish payment can handle: 1, 10, 31, 42, 48, 49, 50, 58,
    59, 93, 97 (OIOUBL 2.x also 20)."""
    allowed: tuple[str, ...]
    official: tuple[str, ...]
    if _oioubl(invoice):
        means, allowed, official = invoice.payment_means, OIOUBL_CODES, ("F-LIB100",)
    else:
        means, allowed, official = _applicable(invoice), PEPPOL_DK_CODES, peppol_ids(invoice, "DK-R-005")
    for pm in means:
        code = (pm.code or "").strip()
        if code not in allowed:
            yield ctx.finding(
                da=f"Betalingsmåden (BT-81) '{code}' kan ikke bruges til danske betalinger; tilladt er "
                f"{', '.join(allowed)}. Leverandøren skal sende en ny faktura med en gyldig betalingsmåde.",
                en=f"Payment means code (BT-81) '{code}' cannot be used for Danish payments; allowed are "
                f"{', '.join(allowed)}. The supplier must issue a new invoice with a valid payment means.",
                found=code or None,
                expected=" ".join(allowed),
                official_ids=official,
            )


@PAYMENT.rule("DK-BANK-DETAILS", official_ids=("DK-R-006",), field="BT-84")
def bank_details(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Bank transfer (31, 42) needs the account (BT-84) and the reg. no./branch (BT-86)."""
    for pm in _applicable(invoice):
        account = (pm.account or "").strip()
        if _oioubl(invoice) and account[:2].isalpha() and pm.code == "31":
            continue  # OIOUBL 2.x international transfer: an IBAN alone identifies the account
        if pm.code in ("31", "42") and not (account and (pm.branch or "").strip()):
            yield ctx.finding(
                da=f"Betaling ved bankoverførsel ({pm.code}) kræver både kontonummer (BT-84) og "
                f"registreringsnummer/filial (BT-86); fundet konto '{pm.account or ''}', reg.nr. "
                f"'{pm.branch or ''}'. Leverandøren skal sende en ny faktura med begge.",
                en=f"Bank transfer ({pm.code}) needs both the account number (BT-84) and the registration "
                f"number/branch (BT-86); found account '{pm.account or ''}', branch '{pm.branch or ''}'. "
                "The supplier must issue a new invoice with both.",
                found=f"{pm.branch or '-'}/{pm.account or '-'}",
                expected=Text("kontonummer og reg.nr.", "account and branch"),
                field="BT-84" if not (pm.account or "").strip() else "BT-86",
                official_ids=peppol_ids(invoice, "DK-R-006"),
            )


@PAYMENT.rule("DK-BANK-ACCOUNT", field="BT-84")
def bank_account_valid(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A bank account must be a valid IBAN (checked with python-stdnum) or a Danish account of at most
    10 digits with a reg. no. of at most 4 digits."""
    for pm in _applicable(invoice):
        account = (pm.account or "").replace(" ", "")
        if pm.code not in ("31", "42") or not account:
            continue
        if account[:2].isalpha():
            if not stdnum_iban.is_valid(account):
                yield ctx.finding(
                    da=f"IBAN (BT-84) '{pm.account}' er ugyldig (kontrolciffer eller længde). "
                    "Leverandøren skal sende en ny faktura med det rigtige IBAN.",
                    en=f"The IBAN (BT-84) '{pm.account}' is invalid (check digits or length). "
                    "The supplier must issue a new invoice with the correct IBAN.",
                    found=pm.account,
                    expected=Text("et gyldigt IBAN", "a valid IBAN"),
                )
            continue
        branch = (pm.branch or "").replace(" ", "")
        if not (account.isdigit() and len(account) <= 10) or (
            pm.code == "42" and branch and not (branch.isdigit() and len(branch) <= 4)
        ):
            yield ctx.finding(
                da=f"Dansk bankkonto reg.nr. '{pm.branch or ''}' (BT-86) konto '{pm.account}' (BT-84) har "
                "ikke formen højst 4 + 10 cifre. Leverandøren skal sende en ny faktura.",
                en=f"Danish bank account branch '{pm.branch or ''}' (BT-86) account '{pm.account}' "
                "(BT-84) is not at most 4 + 10 digits. The supplier must issue a new invoice.",
                found=f"{pm.branch or '-'}/{pm.account}",
                expected=Text(
                    "reg.nr. højst 4 cifre, konto højst 10 cifre",
                    "reg. no. at most 4 digits, account at most 10 digits",
                ),
            )


@PAYMENT.rule("DK-DIRECT-DEBIT", official_ids=("DK-R-007",), field="BT-89")
def direct_debit(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Direct debit (49, Betalingsservice) needs the mandate id (BT-89) and the payer's account (BT-91)."""
    for pm in _applicable(invoice):
        if pm.code == "49" and not ((pm.mandate or "").strip() and (pm.debited_account or "").strip()):
            yield ctx.finding(
                da="Betalingsservice (49) kræver både mandat-id (BT-89) og betalerens konto (BT-91); "
                f"fundet mandat '{pm.mandate or ''}', konto '{pm.debited_account or ''}'. "
                "Leverandøren skal sende en ny faktura med begge.",
                en="Direct debit (49) needs both the mandate id (BT-89) and the payer's account (BT-91); "
                f"found mandate '{pm.mandate or ''}', account '{pm.debited_account or ''}'. "
                "The supplier must issue a new invoice with both.",
                found=f"{pm.mandate or '-'}/{pm.debited_account or '-'}",
                expected=Text("mandat-id og betalerens konto", "mandate id and payer account"),
                field="BT-89" if not (pm.mandate or "").strip() else "BT-91",
                official_ids=peppol_ids(invoice, "DK-R-007"),
            )


@PAYMENT.rule("DK-GIRO-ID", official_ids=("DK-R-008",), field="BT-83")
def giro_id(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Giro (50) needs card type 01, 04 or 15 in the payment id (BT-83, '01#', '04#...', '15#...') and a
    giro account (BT-84) of 7 or 8 digits."""
    yield from _slip_ids(invoice, ctx, GIRO, "DK-R-008")


@PAYMENT.rule("DK-GIRO-INSTRUCTION", official_ids=("DK-R-009",), field="BT-83")
def giro_instruction(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Giro card types 04 and 15 need the 16-digit instruction id ('04#1234567890123456')."""
    for pm, card in _cards(invoice, "50"):
        if card.kind in ("04", "15") and len(card.instruction) != 16:
            yield ctx.finding(
                da=f"Girokort {card.kind} kræver et betalings-id på 16 cifre (BT-83), fundet "
                f"'{card.instruction}'. Leverandøren skal sende en ny faktura.",
                en=f"Giro card {card.kind} needs a 16-digit payment id (BT-83), found '{card.instruction}'. "
                "The supplier must issue a new invoice.",
                found=pm.payment_id,
                expected=Text(f"{card.kind}#<16 cifre>", f"{card.kind}#<16 digits>"),
                official_ids=peppol_ids(invoice, "DK-R-009"),
            )


@PAYMENT.rule("DK-FIK-ID", official_ids=("DK-R-010",), field="BT-83")
def fik_id(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """FIK (93) needs card type 71, 73 or 75 in the payment id (BT-83) and an 8-character creditor
    number (BT-84 / CreditAccount)."""
    yield from _slip_ids(invoice, ctx, FIK, "DK-R-010")


@PAYMENT.rule("DK-FIK-INSTRUCTION", official_ids=("DK-R-011",), field="BT-83")
def fik_instruction(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """FIK card types 71 and 75 need a payment id of 15-16 digits after the card type."""
    for pm, card in _cards(invoice, "93"):
        if card.kind in ("71", "75") and len(card.instruction) not in (15, 16):
            yield ctx.finding(
                da=f"FIK-kort {card.kind} kræver et betalings-id på 15-16 cifre (BT-83), fundet "
                f"'{card.instruction}'. Leverandøren skal sende en ny faktura med det rigtige betalings-id.",
                en=f"FIK card {card.kind} needs a payment id of 15-16 digits (BT-83), found "
                f"'{card.instruction}'. The supplier must issue a new invoice with the right payment id.",
                found=pm.payment_id,
                expected=Text(f"{card.kind}#<15-16 cifre>", f"{card.kind}#<15-16 digits>"),
                official_ids=peppol_ids(invoice, "DK-R-011"),
            )


@PAYMENT.rule("DK-FIK-FORMAT", severity="warning", status="UQ", action="PIN", field="BT-83")
def fik_format(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """FIK payment ids are digits only: 15 after card type 71, 16 after 75; the creditor number is 8
    digits (stricter than DK-R-010/011, so only a warning)."""
    for pm, card in _cards(invoice, "93"):
        if card.kind not in ("71", "73", "75"):
            continue
        want = {"71": 15, "75": 16}.get(card.kind)
        bad_id = want is not None and not (card.instruction.isdigit() and len(card.instruction) == want)
        bad_creditor = not (card.account.isdigit() and len(card.account) == 8)
        if bad_id or bad_creditor:
            yield ctx.finding(
                da=f"FIK-oplysningerne ser forkerte ud: betalings-id '{pm.payment_id or ''}' (BT-83) og "
                f"kreditornummer '{card.account}'. Forventet +{card.kind}<{want or 0} cifre>+<8 cifre>. "
                "Kontrollér dem mod indbetalingskortet før betaling.",
                en=f"The FIK details look wrong: payment id '{pm.payment_id or ''}' (BT-83) and creditor "
                f"number '{card.account}'. Expected +{card.kind}<{want or 0} digits>+<8 digits>. "
                "Check them against the payment slip before paying.",
                found=f"{pm.payment_id or '-'} / {card.account or '-'}",
                expected=Text(
                    f"{card.kind}#<{want or 0} cifre>, kreditornummer 8 cifre",
                    f"{card.kind}#<{want or 0} digits>, creditor 8 digits",
                ),
            )


@PAYMENT.rule(
    "DK-PAYTERMS-30", severity="warning", disposition="hold", status="UQ", action="PIN", field="BT-9"
)
def payment_terms(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Public authorities may not agree payment terms over 30 days (criteria.max_payment_days): due date
    (BT-9) minus issue date (BT-2)."""
    due_dates = [pm.due_date for pm in invoice.payment_means if pm.due_date is not None]
    due = invoice.due_date or (min(due_dates) if due_dates else None)
    if due is None or invoice.issue_date is None:
        return
    limit = int(ctx.param("max_days", criteria_of(ctx).max_payment_days))
    days = (due - invoice.issue_date).days
    if days > limit:
        yield ctx.finding(
            da=f"Betalingsfristen er {days} dage (forfald {due}, BT-9; fakturadato {invoice.issue_date}). "
            f"Offentlige myndigheder må højst aftale {limit} dage; kontrollér aftalen med leverandøren.",
            en=f"The payment term is {days} days (due {due}, BT-9; issued {invoice.issue_date}). "
            f"Public authorities may agree at most {limit} days; check the agreement with the supplier.",
            found=Text(f"{days} dage", f"{days} days"),
            expected=Text(f"højst {limit} dage", f"at most {limit} days"),
        )
