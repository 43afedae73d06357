"""Reading values out of one ISO 20022 document: children by path, amounts, dates, codes.

Paths are ``/``-separated local names in the document's own namespace (``"AmtDtls/TxAmt/Amt"``).
A value that is present but unusable is a :class:`~robot.errors.BankFileError` whose ``field`` is
the element's place in the file (``Ntfctn[1]/Ntry[2]/Amt``), so the message names file and element.

    >>> from lxml import etree
    >>> root = etree.fromstring(b"<D xmlns='urn:x'><Ntry><Amt Ccy='DKK'>1250.00</Amt></Ntry></D>")
    >>> doc = Doc("urn:x", "camt.xml")
    >>> doc.amount(doc.child(root, "Ntry"), "Amt")
    (Decimal('1250.00'), 'DKK')
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from robot.errors import BankFileError

Element = etree._Element

# ISO 20022 ActiveOrHistoricCurrencyAndAmount: at most 18 digits, 5 after the point, not negative;
# [0-9], not \d (which takes other scripts' digits too)
_AMOUNT = re.compile(r"[0-9]{1,18}(?:\.[0-9]{0,5})?")
_RATE = re.compile(r"[0-9]{1,11}(?:\.[0-9]{0,10})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_TEXT = 2048  # no ISO 20022 text element is longer than Max2048Text


def local(el: Element) -> str:
    return str(el.tag).rpartition("}")[2]


def place(el: Element) -> str:
    """Where ``el`` is in its file, below the message element: ``Ntfctn[1]/Ntry[2]/Amt``."""
    steps: list[str] = []
    node = el
    parent = node.getparent()
    while parent is not None and parent.getparent() is not None:  # up to the message element
        same = list(parent.iterchildren(node.tag))
        name = local(node)
        steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 or name in _NUMBERED else name)
        node, parent = parent, parent.getparent()
    return "/".join(reversed(steps)) or local(el)


#: the repeating blocks are always numbered in places, so ``Ntry[1]`` says "the first entry"
_NUMBERED = frozenset({"Ntfctn", "Stmt", "Ntry", "TxDtls", "OrgnlPmtInfAndSts", "TxInfAndSts"})


class Doc:
    """Children and values of one document in namespace ``ns`` (the file is named in errors)."""

    def __init__(self, ns: str, file: str) -> None:
        self.ns = ns
        self.file = file
        self._tags: dict[str, list[str]] = {}

    def error(self, el: Element | str, reason: str, expected: str | None = None) -> BankFileError:
        where = el if isinstance(el, str) else place(el)
        return BankFileError(f"{where}: {reason}", file=self.file, field=where, expected=expected)

    def _steps(self, path: str) -> list[str]:
        steps = self._tags.get(path)
        if steps is None:
            steps = self._tags[path] = [f"{{{self.ns}}}{name}" for name in path.split("/")]
        return steps

    def child(self, el: Element, path: str) -> Element | None:
        """The first element at ``path`` below ``el``, or None."""
        node: Element | None = el
        for tag in self._steps(path):
            assert node is not None
            node = next(node.iterchildren(tag), None)
            if node is None:
                return None
        return node

    def children(self, el: Element, path: str) -> list[Element]:
        """Every element at ``path`` below ``el`` (the last step repeating), in order."""
        *parents, last = path.split("/")
        node = self.child(el, "/".join(parents)) if parents else el
        return [] if node is None else list(node.iterchildren(self._steps(last)[0]))

    def text(self, el: Element, path: str) -> str | None:
        """The stripped text at ``path``, None when absent or blank; over 2048 characters refused."""
        node = self.child(el, path)
        if node is None or node.text is None:
            return None
        value = " ".join(node.text.split())
        if len(value) > MAX_TEXT:
            raise self.error(node, f"{len(value):,} characters, more than ISO 20022 allows", "at most 2048")
        return value or None

    def texts(self, el: Element, path: str) -> list[str]:
        found = []
        for node in self.children(el, path):
            value = " ".join((node.text or "").split())
            if len(value) > MAX_TEXT:
                raise self.error(
                    node, f"{len(value):,} characters, more than ISO 20022 allows", "at most 2048"
                )
            if value:
                found.append(value)
        return found

    def required(self, el: Element, path: str) -> str:
        value = self.text(el, path)
        if value is None:
            raise self.error(f"{place(el)}/{path}", "missing", "the element with a value")
        return value

    def amount(self, el: Element, path: str) -> tuple[Decimal, str]:
        """The amount at ``path`` (must be there) as Decimal from the text, with its ``Ccy``."""
        node = self.child(el, path)
        if node is None:
            raise self.error(f"{place(el)}/{path}", "missing", "an amount with its Ccy attribute")
        return self.amount_of(node)

    def optional_amount(self, el: Element, path: str) -> tuple[Decimal, str] | None:
        node = self.child(el, path)
        return None if node is None else self.amount_of(node)

    def amount_of(self, node: Element) -> tuple[Decimal, str]:
        raw = (node.text or "").strip()
        if not _AMOUNT.fullmatch(raw):
            raise self.error(
                node, f"{_quoted(raw)} is not an ISO 20022 amount", "digits with a '.' (e.g. 1250.00)"
            )
        currency = (node.get("Ccy") or "").strip()
        if not _CURRENCY.fullmatch(currency):
            raise self.error(
                node, f"the Ccy attribute {_quoted(currency)} is not a currency code", "ISO 4217"
            )
        return Decimal(raw), currency

    def rate(self, el: Element, path: str) -> Decimal | None:
        node = self.child(el, path)
        if node is None:
            return None
        raw = (node.text or "").strip()
        if not _RATE.fullmatch(raw):
            raise self.error(node, f"{_quoted(raw)} is not an exchange rate", "a decimal number")
        return Decimal(raw)

    def currency(self, el: Element, path: str) -> str | None:
        value = self.text(el, path)
        if value is not None and not _CURRENCY.fullmatch(value):
            node = self.child(el, path)
            raise self.error(node if node is not None else path, f"{_quoted(value)} is not a currency code")
        return value

    def day(self, el: Element, path: str) -> date | None:
        """A date choice (``…/Dt`` or ``…/DtTm``) at ``path``: the date as the file writes it."""
        holder = self.child(el, path)
        if holder is None:
            return None
        node = self.child(holder, "Dt")
        if node is not None:
            raw = (node.text or "").strip()
            if _DATE.fullmatch(raw):
                try:
                    return date.fromisoformat(raw)
                except ValueError:
                    pass
            raise self.error(node, f"{_quoted(raw)} is not a date", "YYYY-MM-DD")
        node = self.child(holder, "DtTm")
        if node is not None:
            moment = self.moment_of(node)
            return moment.date()
        return None

    def moment(self, el: Element, path: str) -> datetime | None:
        node = self.child(el, path)
        return None if node is None else self.moment_of(node)

    def moment_of(self, node: Element) -> datetime:
        raw = (node.text or "").strip()
        try:
            if not _DATE.match(raw):
                raise ValueError(raw)
            return datetime.fromisoformat(raw)
        except ValueError:
            raise self.error(node, f"{_quoted(raw)} is not a date and time", "YYYY-MM-DDThh:mm:ss") from None

    def code(self, el: Element, path: str) -> str | None:
        """A code choice at ``path``: its ``Cd`` or ``Prtry``, or (older versions) its own text."""
        holder = self.child(el, path)
        if holder is None:
            return None
        for name in ("Cd", "Prtry"):
            value = self.text(holder, name)
            if value is not None:
                return value
        return self.text(el, path)


def _quoted(raw: str) -> str:
    shown = raw if len(raw) <= 40 else raw[:39] + "…"
    return repr(shown)
