"""Peppol BIS 3's identifier checks (``PEPPOL-COMMON-R041..R050``): an EndpointID, a party's
PartyIdentification/ID or a CompanyID of one of these schemes, wherever it stands, must be a valid
number of its register, as the artefact's functions compute it:

========  ======  =====================================================  ========
scheme    rule    what                                                   severity
========  ======  =====================================================  ========
0192      R041    Norwegian organisation number: 9 digits, modulus 11    error
0184      R042    Danish CVR: 8 digits, or DK and 8 digits (as written)  error
0208      R043    Belgian enterprise number: 10 digits, modulus 97       error
0201      R044    Italian Codice IPA: 6 letters or digits                warning
0210      R045    Italian Codice Fiscale: 16 characters or 11 digits     warning
9907      R046    the same, as an EndpointID only                        warning
0211      R047    Italian VAT number (IT + 11 digits, Luhn-like)          warning
0007      R049    Swedish organisation number: 10 digits, Luhn           error
0151      R050    Australian ABN: 11 digits, modulus 89                  error
========  ======  =====================================================  ========

The document's identifiers are those the UBL reader collected (``Invoice.scheme_ids``); an
OIOUBL 3 document gets all but R042 (OIOUBL 3 checks a CVR its own way).

    >>> valid("0184", "DK12345674"), valid("0184", " 12345674"), valid("0192", "974760673")
    (True, False, True)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import PEPPOL
from classifiers.builtin.en16931_codes import normalize_space, shown
from classifiers.texts import Text
from robot.model import Invoice, SourceFormat

_INTEGER = re.compile(r"[ \t\r\n]*[+-]?[0-9]+[ \t\r\n]*")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ALNUM = _LETTERS | frozenset("0123456789")


def _digits(value: str, n: int) -> bool:
    return len(value) == n and all("0" <= c <= "9" for c in value)


def _mod11(value: str) -> bool:
    """``u:mod11`` (0192): weights 2..7 from the right over all but the last digit."""
    body, check = value[:-1], int(value[-1])
    total = sum(int(d) * (i % 6 + 2) for i, d in enumerate(reversed(body)))
    return int(value) > 0 and (11 - total % 11) % 11 == check


def _mod97(value: str) -> bool:
    """``u:mod97-0208``: the last two digits are 97 − (the first eight mod 97)."""
    return int(value[8:10]) == 97 - int(value[:8]) % 97


def _luhn_se(value: str) -> bool:
    """``u:checkSEOrgnr``: the tenth digit is the Luhn check digit of the first nine."""
    total = 0
    for pos, d in enumerate(reversed(value[:9]), start=1):
        n = int(d)
        total += (n * 2) % 10 + (n * 2) // 10 if pos % 2 == 1 else n
    return (10 - total % 10) % 10 == int(value[9])


def _abn(value: str) -> bool:
    """``u:abn``: (first digit − 1) × 10 + the others weighted 1, 3, 5, ..., 19 is a multiple of 89."""
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    digits = [int(value[0]) - 1, *(int(d) for d in value[1:])]
    return sum(w * d for w, d in zip(weights, digits, strict=True)) % 89 == 0


def _cf16(value: str) -> bool:
    """``u:checkCF16``: letters, digits and letters where an Italian tax code has them."""
    return (
        all(c in _LETTERS for c in value[0:6])
        and bool(_INTEGER.fullmatch(value[6:8]))
        and value[8] in _LETTERS
        and bool(_INTEGER.fullmatch(value[9:11]))
        and bool(_INTEGER.fullmatch(value[14]))
        and value[15] in _LETTERS
    )


def _codice_fiscale(value: str) -> bool:
    """``u:checkCF``: 16 characters of that form, or 11 that make an integer."""
    if len(value) == 16:
        return _cf16(value)
    return len(value) == 11 and bool(_INTEGER.fullmatch(value))


def _partita_iva(value: str) -> bool:
    """``u:checkPIVAseIT``: an IT (or it) number has 11 digits whose Luhn-like sum ends in 0;
    another country's passes."""
    if value[:2] not in ("IT", "it"):
        return True
    code = value[2:]
    if len(code) != 11 or not all("0" <= c <= "9" for c in code):
        return False
    total = sum(int("0246813579"[int(d)]) if i % 2 else int(d) for i, d in enumerate(code))
    return total % 10 == 0


def _cvr(raw: str) -> bool:
    """R042 (0184) on the text as written (no space trimmed): 8 digits, or DK and 8 digits."""
    return (len(raw) == 10 and raw[:2] == "DK" and _digits(raw[2:], 8)) or _digits(raw, 8)


#: scheme → (official id, severity, check on the normalised text (or the raw one for 0184), what)
_CHECKS: dict[str, tuple[str, str, Callable[[str], bool], Text]] = {
    "0192": (
        "PEPPOL-COMMON-R041",
        "error",
        lambda v: _digits(v, 9) and _mod11(v),
        Text(
            "et norsk organisationsnummer (9 cifre, modulus 11)",
            "a Norwegian organisation number (9 digits, modulus 11)",
        ),
    ),
    "0184": (
        "PEPPOL-COMMON-R042",
        "error",
        _cvr,
        Text(
            "et CVR-nummer (8 cifre, eventuelt med DK foran)",
            "a Danish CVR number (8 digits, or DK and 8 digits)",
        ),
    ),
    "0208": (
        "PEPPOL-COMMON-R043",
        "error",
        lambda v: _digits(v, 10) and _mod97(v),
        Text(
            "et belgisk virksomhedsnummer (10 cifre, modulus 97)",
            "a Belgian enterprise number (10 digits, modulus 97)",
        ),
    ),
    "0201": (
        "PEPPOL-COMMON-R044",
        "warning",
        lambda v: len(v) == 6 and all(c in _ALNUM for c in v),
        Text(
            "en italiensk Codice IPA (6 bogstaver eller cifre)", "an Italian Codice IPA (6 letters or digits)"
        ),
    ),
    "0210": (
        "PEPPOL-COMMON-R045",
        "warning",
        _codice_fiscale,
        Text("en italiensk Codice Fiscale", "an Italian Codice Fiscale"),
    ),
    "9907": (
        "PEPPOL-COMMON-R046",
        "warning",
        _codice_fiscale,
        Text("en italiensk Codice Fiscale", "an Italian Codice Fiscale"),
    ),
    "0211": (
        "PEPPOL-COMMON-R047",
        "warning",
        _partita_iva,
        Text("et italiensk momsnummer (IT og 11 cifre)", "an Italian VAT number (IT and 11 digits)"),
    ),
    "0007": (
        "PEPPOL-COMMON-R049",
        "error",
        lambda v: _digits(v, 10) and _luhn_se(v),
        Text(
            "et svensk organisationsnummer (10 cifre, Luhn)",
            "a Swedish organisation number (10 digits, Luhn)",
        ),
    ),
    "0151": (
        "PEPPOL-COMMON-R050",
        "error",
        lambda v: _digits(v, 11) and _abn(v),
        Text("et australsk ABN (11 cifre, modulus 89)", "an Australian ABN (11 digits, modulus 89)"),
    ),
}
_ENDPOINT_ONLY = frozenset({"9907"})
_PEPPOL_ONLY = frozenset({"0184"})  # OIOUBL 3 checks a CVR with its own rule


def valid(scheme: str, raw: str) -> bool:
    """Whether an identifier of ``scheme`` passes its Peppol check (the raw text for 0184)."""
    check = _CHECKS[scheme][2]
    return check(raw if scheme == "0184" else normalize_space(raw))


def _checked(invoice: Invoice) -> Iterator[tuple[str, str, str]]:
    for element, scheme, raw in invoice.scheme_ids or ():
        if scheme not in _CHECKS or (scheme in _ENDPOINT_ONLY and element != "EndpointID"):
            continue
        if scheme in _PEPPOL_ONLY and invoice.format != SourceFormat.PEPPOL_BIS3:
            continue
        yield element, scheme, raw


@PEPPOL.rule(
    "PEPPOL-IDENTIFIER",
    official_ids=tuple(official for official, _, _, _ in _CHECKS.values()),
    field="BT-34",
    reason="REF",
)
def identifier(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An electronic address, party identifier or company identifier of a scheme with a register
    check (Norway 0192, Denmark 0184, Belgium 0208, Italy 0201/0210/9907/0211, Sweden 0007,
    Australia 0151) is not a valid number of that register (PEPPOL-COMMON-R041..R050)."""
    for element, scheme, raw in _checked(invoice):
        if valid(scheme, raw):
            continue
        official, severity, _, what = _CHECKS[scheme]
        value = shown(raw)
        yield ctx.finding(
            da=f"{element} med schemeID {scheme} er {value}, som ikke er {what.da} ({official}).",
            en=f"{element} with schemeID {scheme} is {value}, which is not {what.en} ({official}).",
            found=value,
            expected=what,
            severity="warning" if severity == "warning" else None,
            official_ids=(official,),
        )
