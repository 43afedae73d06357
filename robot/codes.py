"""The robot's code lists, written once: what the model, the rules and the store say in codes.

- :class:`SourceFormat`: the syntax a document was read from (``Invoice.format``);
- :class:`Verdict`: post, return or hold (``classifiers.api.verdict_of``);
- :class:`InvoiceState`: where an invoice is in ``received → read → classified → posted |
  returned | held`` (the ``invoices.state`` column);
- the Peppol BIS 3 Invoice Response (T111) code lists, also used by OIOUBL 3 (docs/domain.md §5):
  :class:`Status` (the UNCL4343 subset T111 allows in ``cbc:ResponseCode``), :class:`Reason`
  (``OPStatusReason``, a finding's error type) and :class:`Action` (``OPStatusAction``, what the
  supplier must do), each code with its Danish and English label (``.da``, ``.en``).

Every list is a :class:`enum.StrEnum` whose values are the strings stored in the database and
written to XML, so a member equals its code (``Reason.REF == "REF"``) and stored rows keep working.
A code outside a list is refused, naming the list and its codes, never replaced by ``OTH``::

    >>> Reason.of("REF").en, Action.of("PIN") == "PIN", Status.RE.da
    ('Missing or wrong reference', True, 'Afvist')
    >>> Reason.of("REFF")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.codes.UnknownCodeError: 'REFF' is not a clarification reason code (OPStatusReason); allowed: ...

This module imports nothing of the robot: the model, the rules (classifiers), the connectors and
the store all speak it, as they all speak :mod:`robot.model` and :mod:`robot.errors`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Self


class UnknownCodeError(ValueError):
    """A code that is not in its code list (a mistyped reason, an unknown state, ...)."""


def allowed(codes: Iterable[str]) -> str:
    """The codes as a sorted, comma-separated list for error messages."""
    return ", ".join(sorted(str(c) for c in codes))


class _CodeList(enum.StrEnum):
    """A code list: ``of`` refuses a value outside it, naming the list and its codes."""

    @classmethod
    def describe(cls) -> str:
        return cls.__name__

    @classmethod
    def of(cls, value: str) -> Self:
        """The member whose code is ``value``; :class:`UnknownCodeError` for anything else."""
        try:
            return cls(value)
        except ValueError:
            raise UnknownCodeError(f"{value!r} is not {cls.describe()}; allowed: {allowed(cls)}") from None


class _LabelledCodes(_CodeList):
    """A code list whose codes carry a Danish and an English label."""

    _value_: str
    da: str
    en: str
    short: str  # a short English meaning for the creditor team's tables (reasons only)

    def __new__(cls, value: str, da: str, en: str, short: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.da = da
        member.en = en
        member.short = short or en
        return member


class SourceFormat(_CodeList):
    """The syntax a document was read from (recorded on the invoice)."""

    PEPPOL_BIS3 = "peppol-bis3"
    EN16931_UBL = "en16931-ubl"
    OIOUBL_2 = "oioubl-2"
    OIOUBL_3 = "oioubl-3"
    CII = "cii"
    PDF = "pdf"
    PDF_TEXT = "pdf-text"  # a printed PDF read from its text by a template (robot.pdftext)
    PDF_LAYOUT = "pdf-layout"  # a printed PDF read from its text without a template (labels found)

    @classmethod
    def describe(cls) -> str:
        return "a source format"


class Verdict(_CodeList):
    """What the robot does with an invoice: no findings → post; any hold → hold; else return."""

    POST = "post"
    RETURN = "return"
    HOLD = "hold"

    @classmethod
    def describe(cls) -> str:
        return "a verdict"


class InvoiceState(_CodeList):
    """Processing state of one received document (stored as text)."""

    RECEIVED = "received"  # stored, not yet read
    READ = "read"  # read into the model
    CLASSIFIED = "classified"  # findings and verdict recorded, action pending
    POSTED = "posted"
    RETURNED = "returned"
    HELD = "held"

    PENDING = enum.nonmember((RECEIVED, READ, CLASSIFIED))
    DONE = enum.nonmember((POSTED, RETURNED, HELD))

    @classmethod
    def describe(cls) -> str:
        return "an invoice state"


class Status(_LabelledCodes):
    """UNCL4343 subset allowed in T111 (``cbc:ResponseCode``)."""

    AB = "AB", "Modtaget", "Acknowledged"
    IP = "IP", "Under behandling", "In process"
    UQ = "UQ", "Under afklaring", "Under query"
    CA = "CA", "Betinget godkendt", "Conditionally accepted"
    RE = "RE", "Afvist", "Rejected"
    AP = "AP", "Godkendt", "Accepted"
    PD = "PD", "Betalt", "Paid"

    @classmethod
    def describe(cls) -> str:
        return "an Invoice Response status (UNCL4343 subset)"


class Reason(_LabelledCodes):
    """OPStatusReason: the error type of a finding, labelled for the customer's notice.

    ``short`` is the creditor team's one-line meaning (the run summary's table).
    """

    NON = "NON", "Ingen fejl", "No issue", "no issue"
    REF = (
        "REF",
        "Manglende eller forkert reference",
        "Missing or wrong reference",
        "references (person ref. / order no.)",
    )
    LEG = (
        "LEG",
        "Forkerte juridiske oplysninger eller beløb",
        "Legal information or amounts incorrect",
        "legal / totals / VAT",
    )
    REC = "REC", "Ukendt modtager (EAN-nummer)", "Receiver unknown (EAN number)", "receiver unknown (EAN)"
    QUA = "QUA", "Kvalitetsproblem", "Quality problem", "quality"
    DEL = "DEL", "Levering stemmer ikke", "Delivery does not match", "delivery"
    PRI = "PRI", "Forkerte priser", "Prices incorrect", "prices off the order"
    QTY = "QTY", "Forkert antal", "Quantity incorrect", "quantities off the order"
    ITM = "ITM", "Forkerte varer", "Items incorrect", "items"
    PAY = "PAY", "Betalingsoplysninger afviger", "Payment details incorrect", "payment details"
    UNR = "UNR", "Fakturaen genkendes ikke", "Invoice not recognised", "not recognised"
    FIN = "FIN", "Forkerte finansieringsvilkår", "Finance terms incorrect", "finance terms"
    PPD = "PPD", "Delvist betalt", "Partially paid", "partially paid"
    OTH = "OTH", "Anden fejl", "Other problem", "other (duplicate, ...)"

    @classmethod
    def describe(cls) -> str:
        return "a clarification reason code (OPStatusReason)"


class Action(_LabelledCodes):
    """OPStatusAction: what the customer (and the supplier) should do, as the notice says it."""

    NOA = "NOA", "Ingen handling nødvendig.", "No action needed."
    PIN = (
        "PIN",
        "Oplys det manglende, eller bed leverandøren om at sende fakturaen igen med det.",
        "Provide the missing information, or ask the supplier to resend the invoice with it.",
    )
    NIN = "NIN", "Bed leverandøren om en ny, korrekt faktura.", "Ask the supplier for a new, correct invoice."
    CNF = (
        "CNF",
        "Bed leverandøren om en kreditnota for hele fakturaen.",
        "Ask the supplier to credit it in full.",
    )
    CNP = "CNP", "Bed leverandøren om en delvis kreditnota.", "Ask the supplier for a partial credit note."
    CNA = "CNA", "Bed leverandøren om en kreditnota for beløbet.", "Ask the supplier to credit the amount."
    OTH = (
        "OTH",
        "Se beskrivelsen og kontakt kreditorteamet.",
        "See the description and contact the creditor team.",
    )

    @classmethod
    def describe(cls) -> str:
        return "a clarification action code (OPStatusAction)"


#: The reasons a person may give when returning a held invoice (``fakturarobot return --code``).
RETURN_REASONS: tuple[Reason, ...] = (
    Reason.REF,
    Reason.LEG,
    Reason.REC,
    Reason.QTY,
    Reason.PRI,
    Reason.PAY,
    Reason.FIN,
    Reason.OTH,
)
