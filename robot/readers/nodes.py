"""Fast, typed access to XML children by prefixed path, shared by every reader.

A path like ``"cac:Party/cac:PartyName/cbc:Name"`` is resolved once into Clark-notation steps and
then walked with lxml's C-level ``iterchildren(tag)``: no XPath compilation in the hot path.
Values that are present but unusable raise :class:`~robot.errors.ReadError` naming the element.

    >>> from lxml import etree
    >>> ubl = Paths({"cbc": "urn:b", "cac": "urn:a"})
    >>> root = etree.fromstring(b"<r xmlns:cbc='urn:b'><cbc:Amount>1.50</cbc:Amount></r>")
    >>> ubl.dec(Node(root), "cbc:Amount")
    Decimal('1.50')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from lxml import etree

from robot.errors import ReadError
from robot.model import Identifier
from robot.readers.fieldlimits import NUMBER_EXPECTED, digits_problem, non_ascii_digit, quote, term_of

Element = etree._Element

# [0-9], not \d: \d and Decimal() also take full-width, Arabic-Indic and other Unicode digits
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_BASIC_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
# a decimal that is certainly within the input limits (16 integer digits, 12 decimals): no more checks
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,16}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")


def local_name(el: Element) -> str:
    """The element's name without namespace, e.g. ``PayableAmount``."""
    return str(el.tag).rpartition("}")[2]


def clean(raw: str | None) -> str | None:
    """Stripped text, or None when absent or blank."""
    if raw is None:
        return None
    value = raw.strip()
    return value or None


def is_true(raw: str | None) -> bool:
    """An xsd:boolean indicator: ``true`` or ``1`` (any case, stripped); absent or anything else is False.

    >>> is_true(" true "), is_true("1"), is_true("false"), is_true(None)
    (True, True, False, False)
    """
    return (raw or "").strip().lower() in ("true", "1")


def to_decimal(raw: str, field: str, term: str | None = None) -> Decimal:
    """``'1234.50'`` → ``Decimal('1234.50')`` keeping every digit; anything else is a ReadError.

    The digits must be ASCII 0-9 and within the input limits (:mod:`robot.readers.fieldlimits`).
    ``term`` is the business term (BT id), named in the message when given.

    >>> to_decimal("１２.５", "Percent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: Percent '１２.５' is not a decimal number: it has the non-ASCII digit '１' ...
    """
    value = raw.strip()
    if _PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value)
    named = f"{field} ({term})" if term else field
    if not _DECIMAL.fullmatch(value):
        odd = non_ascii_digit(value)
        raise ReadError(
            f"{named} {quote(value)} is not a decimal number: it has the non-ASCII digit {odd}; "
            "only the digits 0-9 are numbers"
            if odd
            else f"{field} {quote(value)} is not a decimal number",
            field=field,
            expected=NUMBER_EXPECTED,
        )
    integer, _, fraction = value.lstrip("+-").partition(".")
    problem = digits_problem(integer, fraction)
    if problem is not None:
        raise ReadError(f"{named} {quote(value)} {problem}", field=field, expected=NUMBER_EXPECTED)
    return Decimal(value)


def _make_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def to_iso_date(raw: str, field: str) -> date:
    """UBL dates: ``YYYY-MM-DD`` (an xsd:date time zone suffix is tolerated)."""
    return _to_date(raw, field, _ISO_DATE, "YYYY-MM-DD")


def to_basic_date(raw: str, field: str) -> date:
    """CII dates (format 102): ``YYYYMMDD``."""
    return _to_date(raw, field, _BASIC_DATE, "YYYYMMDD")


def _to_date(raw: str, field: str, form: re.Pattern[str], written: str) -> date:
    """``raw`` as a date when it matches ``form`` (groups: year, month, day), else a ReadError
    that names the form as ``written``."""
    value = raw.strip()
    match = form.fullmatch(value)
    parsed = _make_date(*match.groups()) if match else None
    if parsed is None:
        raise ReadError(f"{field} '{value}' is not a date ({written})", field=field, expected=written)
    return parsed


class Node:
    """An element with its children indexed by tag on first use (each child proxy is made once).

    Readers look up dozens of children per element; one pass over the children and dict lookups
    afterwards is several times faster than a tree search per field.
    """

    __slots__ = ("_first", "_index", "el")

    def __init__(self, el: Element) -> None:
        self.el = el
        self._index: dict[object, list[Element]] | None = None
        self._first: dict[str, Node | None] = {}

    @property
    def tag(self) -> str:
        return str(self.el.tag)

    @property
    def text(self) -> str | None:
        return self.el.text

    def get(self, attribute: str) -> str | None:
        value = self.el.get(attribute)
        return None if value is None else str(value)

    def children(self, tag: str) -> list[Element]:
        index = self._index
        return (self._indexed() if index is None else index).get(tag, _NONE)

    def child(self, tag: str) -> Node | None:
        first = self._first
        node = first.get(tag, _MISSING)
        if node is not _MISSING:
            return node
        index = self._index
        kids = (self._indexed() if index is None else index).get(tag)  # children() inlined: hot
        node = first[tag] = Node(kids[0]) if kids else None
        return node

    def _indexed(self) -> dict[object, list[Element]]:
        index: dict[object, list[Element]] = {}
        for child in self.el:
            found = index.get(child.tag)
            if found is None:
                index[child.tag] = [child]
            else:
                found.append(child)
        self._index = index
        return index


_NONE: list[Element] = []
_MISSING: Node | None = Node.__new__(Node)  # a sentinel: no child looked up under this tag yet


class Paths:
    """Child access by prefixed path for one syntax's namespace map."""

    __slots__ = ("_cache", "_ns")

    def __init__(self, namespaces: dict[str, str]) -> None:
        self._ns = namespaces
        self._cache: dict[str, tuple[str, ...]] = {}

    def steps(self, path: str) -> tuple[str, ...]:
        try:
            return self._cache[path]
        except KeyError:
            pass
        steps = []
        for step in path.split("/"):
            prefix, _, name = step.rpartition(":")
            steps.append(f"{{{self._ns[prefix]}}}{name}" if prefix else name)
        self._cache[path] = result = tuple(steps)
        return result

    def first(self, node: Node | None, path: str) -> Node | None:
        """The first element at ``path`` below ``node``, or None."""
        steps = self._cache.get(path) or self.steps(path)
        for tag in steps:  # Node.child inlined: this loop is most of a reader's time
            if node is None:
                return None
            first = node._first
            found = first.get(tag, _MISSING)
            if found is _MISSING:
                index = node._index
                kids = (node._indexed() if index is None else index).get(tag)
                found = first[tag] = Node(kids[0]) if kids else None
            node = found
        return node

    def all(self, node: Node | None, path: str) -> list[Node]:
        """Every element at ``path`` below ``node`` (only the last step may repeat)."""
        *head, last = self.steps(path)
        for tag in head:
            if node is None:
                return []
            node = node.child(tag)
        return [] if node is None else [Node(el) for el in node.children(last)]

    def text(self, node: Node | None, path: str) -> str | None:
        found = self.first(node, path)
        return None if found is None else clean(found.el.text)

    def texts(self, node: Node | None, path: str) -> list[str]:
        return [value for found in self.all(node, path) if (value := clean(found.el.text))]

    def text_fields(self, node: Node | None, paths: Mapping[str, str]) -> dict[str, str | None]:
        """Each field's text at its path below ``node`` (a column of :mod:`robot.readers.elements`)."""
        return {name: self.text(node, path) for name, path in paths.items()}

    def dec(self, node: Node | None, path: str) -> Decimal | None:
        found = self.first(node, path)
        return None if found is None else node_decimal(found)

    def iso_date(self, node: Node | None, path: str) -> date | None:
        found = self.first(node, path)
        raw = None if found is None else clean(found.el.text)
        return None if found is None or raw is None else to_iso_date(raw, local_name(found.el))

    def ident(self, node: Node | None, path: str, scheme_attr: str = "schemeID") -> Identifier | None:
        found = self.first(node, path)
        return None if found is None else node_ident(found, scheme_attr)


def node_decimal(node: Node) -> Decimal | None:
    raw = clean(node.el.text)
    if raw is None:
        return None
    if _PLAIN_DECIMAL.fullmatch(raw):  # the common case, without naming the term it would need
        return Decimal(raw)
    return to_decimal(raw, local_name(node.el), _term(node.el))


def _term(el: Element) -> str | None:
    """The BT id of a number element, from its own and its two ancestors' local names."""
    names = [local_name(el)]
    parent = el.getparent()
    for _ in range(2):
        if parent is None:
            break
        names.insert(0, local_name(parent))
        parent = parent.getparent()
    return term_of(tuple(names))


def node_ident(node: Node, scheme_attr: str = "schemeID") -> Identifier | None:
    value = clean(node.el.text)
    return None if value is None else Identifier(value, node.get(scheme_attr))
