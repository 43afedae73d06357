"""One base exception, a shallow tree. Each class has a default message and context attributes.

RobotError
 ├── ReadError            a document cannot be read (names file, field, what was expected)
 ├── ConfigError          a configuration file is invalid (names file, line, what is allowed)
 ├── StoreError           the store refused an operation
 └── ConnectorError       an outside system failed
      ├── TransientError  worth retrying (timeouts, 429, 5xx, SMTP down)
      └── BusinessError   the outside system refused on business grounds (hold, don't retry)
"""

from __future__ import annotations


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
