"""Input limits: what a value read from a document may be, so that every store takes it alike.

The store's bounded columns (``robot/store/schema.py``) are enforced by PostgreSQL and ignored by
SQLite; a value over a limit used to post on SQLite and fail every run on PostgreSQL. So the
readers check the limits when they read, and an unusable value is a
:class:`~robot.errors.ReadError` naming the field (BT id and element), what was found (shortened,
safely quoted) and what was expected: the invoice is held as READ-ERROR on the first run, with the
same verdict on every database.

Two kinds of check, each in one place per reader family:

* **numbers**, as they are parsed (:func:`digits_problem`, called by the XML readers' decimal
  parser in :mod:`robot.readers.nodes` and by the printed-amount parser in
  :mod:`robot.pdftext.values`): the ASCII digits 0-9 only (Python's ``Decimal`` and ``\\d`` also
  take full-width ``１２３``, Arabic-Indic ``١٢٣`` and other Unicode digits), at most
  :data:`MAX_INTEGER_DIGITS` before the decimal point (the store's ``MONEY`` is ``NUMERIC(20, 4)``)
  and at most :data:`MAX_FRACTION_DIGITS` after it;
* **texts** that land in a bounded column or are posted, on the assembled invoice
  (:func:`check_invoice`, called where each reader family returns its invoice): the invoice number,
  the supplier's name and key, the currency (ISO 4217), line ids, account strings and the credited
  invoice numbers. Free text that is stored unbounded (notes, payment terms, item names) has no
  limit beyond the document size.

    >>> digits_problem("10000000000000000", "00")
    'has 17 digits before the decimal point; at most 16 fit (amounts below 10^16)'
    >>> digits_problem("１２３", "００")
    "has the non-ASCII digit '１' (U+FF11 FULLWIDTH DIGIT ONE); only the digits 0-9 are numbers"
    >>> quote("ab\\u202ecd" + "x" * 60)
    "'ab\\\\u202ecdxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (65 characters)"

The package: :mod:`~robot.readers.fieldlimits.digits` (numbers),
:mod:`~robot.readers.fieldlimits.texts` (texts), :mod:`~robot.readers.fieldlimits.terms` (the BT id
of a number element, for messages) and :mod:`~robot.readers.fieldlimits.quoting` (a found value,
safely shown). Every name is importable from here.
"""

from __future__ import annotations

from robot.readers.fieldlimits.digits import (
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    MONEY_PRECISION,
    MONEY_SCALE,
    NUMBER_EXPECTED,
    decimal_problem,
    digits_problem,
    non_ascii_digit,
)
from robot.readers.fieldlimits.quoting import SHOWN, quote
from robot.readers.fieldlimits.terms import term_of
from robot.readers.fieldlimits.texts import (
    CII,
    MAX_INVOICE_NUMBER,
    MAX_LINE_ID,
    MAX_REFERENCE,
    MAX_SUPPLIER_KEY,
    MAX_SUPPLIER_NAME,
    PDF_TEXT,
    UBL_CREDIT_NOTE,
    UBL_INVOICE,
    Elements,
    check_invoice,
    ubl_elements,
)

__all__ = [
    "CII",
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "MAX_INVOICE_NUMBER",
    "MAX_LINE_ID",
    "MAX_REFERENCE",
    "MAX_SUPPLIER_KEY",
    "MAX_SUPPLIER_NAME",
    "MONEY_PRECISION",
    "MONEY_SCALE",
    "NUMBER_EXPECTED",
    "PDF_TEXT",
    "SHOWN",
    "UBL_CREDIT_NOTE",
    "UBL_INVOICE",
    "Elements",
    "check_invoice",
    "decimal_problem",
    "digits_problem",
    "non_ascii_digit",
    "quote",
    "term_of",
    "ubl_elements",
]
