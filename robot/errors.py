"""One base exception, a shallow tree. Each class has a default message and context attributes.

RobotError
 ├── ReadError            a document cannot be read (names file, field, what was expected)
 │    └── BankFileError   a bank file (camt.053/054, pain.002) is not what it claims or cannot be read
 ├── ConfigError          a configuration file is invalid (names file, line, what is allowed)
 ├── StoreError           the store refused an operation
 └── ConnectorError       an outside system failed
      ├── TransientError  worth retrying (timeouts, 429, 5xx, SMTP down)
      └── BusinessError   the outside system refused on business grounds (hold, don't retry)
           └── LedgerConflict  the ERP holds a document with this invoice's identity but another
                               date or amount: not ours, so not posted and not recorded as posted
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal


class RobotError(Exception):
    """Base of every error the robot raises on purpose."""

    default_message = "fakturarobot error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])


class ReadError(RobotError):
    """A document cannot be read: not XML, not an invoice, or an unusable value.

    ``str(err)`` reads like ``invoice.xml: PayableAmount '1.234,50' is not a decimal number``.
    """

    default_message = "document cannot be read"

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.field = field
        self.expected = expected
        super().__init__(f"{file}: {reason}" if file else reason)

    def with_file(self, file: str) -> ReadError:
        """The same error, naming the file it came from."""
        return ReadError(self.reason, file=file, field=self.field, expected=self.expected)


class ConfigError(RobotError):
    """A configuration file is invalid."""

    default_message = "invalid configuration"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(f"{where}{message}")


class StoreError(RobotError):
    default_message = "store error"


class ConnectorError(RobotError):
    default_message = "connector error"


class TransientError(ConnectorError):
    """Worth retrying later: the outside system is down, slow or throttling."""

    default_message = "outside system temporarily unavailable"


class BusinessError(ConnectorError):
    """The outside system refused on business grounds; the invoice is held with this message."""

    default_message = "outside system refused the request"


class LedgerConflict(BusinessError):
    """The ERP holds a document with this invoice's identity (vendor, document type, number, year)
    whose date or amount differs: it is another document, so the invoice is neither posted nor
    recorded as posted under the other document's number. The message names both::

        business-central: vendor K10001's invoice F-100 of 2026 matches purchase invoice 108001 by
        vendor, number and year but not by amount. Ours: dated 2026-02-03, 1562.50 DKK. The ERP's
        purchase invoice 108001: dated 2026-02-03, 1250.00 DKK. Not posted: compare the two by hand
    """

    default_message = "the ERP holds another document with this invoice's number"

    def __init__(
        self,
        *,
        ledger: str,
        kind: str,
        vendor: str,
        number: str,
        invoice_date: date | None,
        amount: Decimal,
        currency: str,
        erp_document: str,
        erp_date: date | None,
        erp_amount: Decimal | None,
        erp_currency: str | None,
        differs: tuple[str, ...],
    ) -> None:
        self.ledger, self.erp_document, self.differs = ledger, erp_document, differs
        year = invoice_date.year if invoice_date else "no year"
        theirs = f"{erp_amount} {erp_currency or currency}" if erp_amount is not None else "no amount yet"
        super().__init__(
            f"{ledger}: vendor {vendor}'s {kind} {number} of {year} matches {erp_document} by vendor, "
            f"number and year but not by {' and '.join(differs)}. Ours: dated "
            f"{invoice_date or 'without date'}, {amount} {currency}. The ERP's {erp_document}: dated "
            f"{erp_date or 'without date'}, {theirs}. Not posted: compare the two by hand"
        )


class BankFileError(ReadError):
    """A bank file cannot be read: not XML, not the ISO 20022 message it claims, a version the robot
    does not read, or an unusable value. ``field`` names the element (``Ntry[2]/Amt``)::

        camt.xml: Ntfctn[1]/Ntry[2]/Amt: '1.234,50' is not an ISO 20022 amount
    """

    default_message = "bank file cannot be read"

    def with_file(self, file: str) -> BankFileError:
        return BankFileError(self.reason, file=file, field=self.field, expected=self.expected)


class ConfigErrors(ConfigError):
    """Several errors in one configuration file; ``errors`` holds each, in file order."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        body = "; ".join(e.message for e in self.errors[1:])
        super().__init__(
            f"{len(self.errors)} errors: {first.message}" + (f"; {body}" if body else ""),
        )
        # ConfigError.__init__ would prefix file:line; keep the message as the joined list.
        self.file = first.file
        self.line = first.line
