"""The labels invoices print before their values: Danish first, then English, German and French.

Each pattern is matched, case-insensitively, against the whole label text before an amount
(:data:`AMOUNT_LABELS`, most specific first: "I alt ekskl. moms" is the net amount, not the total)
or at the start of a segment (:data:`VALUE_LABELS`).

    >>> amount_field("I alt ekskl. moms"), amount_field("Moms 25%"), amount_field("Total DKK")
    ('net', 'vat', 'total')
    >>> amount_field("Zahlbetrag"), amount_field("Positionssumme")
    ('payable', None)
"""

from __future__ import annotations

import re

_PCT = r"(?:\(?\s*\d{1,2}(?:[.,]\d{1,2})?\s?%\s*\)?)"
_CUR = r"(?:\(?(?:[A-Z]{3}|€|£|\$|kr\.?)\)?)"
_TAIL = rf"(?:\s*{_PCT})?(?:\s+in)?(?:\s*{_CUR})?(?:\s*{_PCT})?\s*[:.]?\s*(?:{_CUR})?\s*"

_NET = (
    r"momsgrundlag|moms\s?grundlag|beløb\s+ekskl\.?\s+moms|(?:beløb\s+)?(?:i\s+alt|total|subtotal|beløb|pris)"
    r"(?:\s+i\s+alt)?\s+(?:ekskl\.?|excl\.?|uden|u\.)\s*moms|nettobeløb|netto(?:\s?beløb)?|subtotal|sub-total|"
    r"net(?:\s+amount|\s+total)?|total\s+net|total\s+(?:excl\.?|excluding|before)\s+(?:vat|tax)|"
    r"(?:invoice\s+)?total\s+\(?excl\.?\s+vat\)?|amount\s+excl\.?\s+vat|taxable\s+amount|"
    r"nettobetrag|netto|summe\s+netto|gesamt\s*netto|nettosumme|rechnungssumme\s+ohne\s+ust\.?|"
    r"summe\s+ohne\s+(?:ust|mwst)\.?|gesamtbetrag\s+netto|total\s+ht|montant\s+ht"
)
_VAT = (
    r"(?:\d{1,2}(?:[.,]\d{1,2})?\s?%\s*)?(?:moms|momsbeløb|heraf\s+moms|moms\s+i\s+alt|"
    r"vat|vat\s+amount|vat\s+total|total\s+vat|tax|tax\s+total|tax\s+amount|sales\s+tax|plus\s+vat|"
    r"mwst\.?|ust\.?|umsatzsteuer|mehrwertsteuer|steuerbetrag|summe\s+(?:mwst|ust)\.?|"
    r"zzgl\.?\s+(?:mwst|ust)\.?|gesamtbetrag\s+(?:mwst|ust)\.?|total\s+tva|tva|total\s+taxes)"
)
_TOTAL = (
    r"i\s+alt|[il1|]\s?alt|total|total\s+dkk|i\s+alt\s+(?:inkl\.?|incl\.?)\s*moms|total\s+(?:inkl\.?|incl\.?)\s*moms|"
    r"beløb\s+i\s+alt|fakturabeløb|fakturatotal|total\s+(?:incl\.?|including)\s+(?:vat|tax)|"
    r"invoice\s+total|grand\s+total|total\s+amount|gross\s+amount|gesamtbetrag|gesamtsumme|"
    r"brutto|bruttobetrag|bruttosumme|rechnungsbetrag|rechnungssumme|endbetrag|summe\s+brutto|"
    r"total\s+ttc|montant\s+ttc"
)
_PAYABLE = (
    r"at\s+betale|beløb\s+at\s+betale|betalingsbeløb|til\s+betaling|amount\s+due|total\s+due|"
    r"balance\s+due|due\s+payable|amount\s+payable|payable|zahlbetrag|zu\s+zahlen(?:der\s+betrag)?|"
    r"fälliger\s+betrag|offener\s+betrag|restbetrag|restbeløb|residual|balance|net\s+à\s+payer|reste\s+à\s+payer|solde"
)

AMOUNT_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rf"(?:{body}){_TAIL}", re.IGNORECASE))
    for name, body in (("net", _NET), ("payable", _PAYABLE), ("vat", _VAT), ("total", _TOTAL))
)


def amount_field(label: str) -> str | None:
    """Which total ``label`` names: ``net``, ``vat``, ``total``, ``payable`` or None."""
    label = " ".join(label.split())
    for name, pattern in AMOUNT_LABELS:
        if pattern.fullmatch(label):
            return name
    return None


#: Something was paid before: the total is then not what is payable (matched on lower-cased text).
PREPAID = re.compile(
    r"anzahlung|vorauszahlung|abschlag|bereits\s+(?:gezahlt|bezahlt)|prepaid|paid\s+amount|"
    r"already\s+paid|acompte|forudbetal|allerede\s+betalt|\bpaid\b|\bbetalt\b|bezahlt|gezahlt|payé|"
    r"payments?\s+received|erhaltene"
)

_END = r"(?:\s*[:.#]|\s*(?=\s)|$)"


def longest_first(body: str) -> str:
    """The top-level alternatives of ``body``, longest first: "date de facture" before "date".

    >>> longest_first("date|date de facture|n(?:o|r)")
    'date de facture|n(?:o|r)|date'
    """
    parts: list[str] = []
    depth = start = 0
    for i, ch in enumerate(body):
        if ch == "(" and body[i - 1 : i] != "\\":
            depth += 1
        elif ch == ")" and body[i - 1 : i] != "\\":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return "|".join(sorted(parts, key=len, reverse=True))


VALUE_LABELS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"^(?:{longest_first(body)}){_END}", re.IGNORECASE)
    for name, body in {
        "number": r"fakturanr\.?|faktura\s*nr\.?|fakturanummer|faktura\s+nummer|kreditnota\s*nr\.?|"
        r"kreditnotanr\.?|invoice\s*(?:no\.?|number|nr\.?|#)|invoice|credit\s+note\s+(?:no\.?|number)|"
        r"rechnungs?\s*-?\s*(?:nr\.?|nummer)|rechnungsnummer|rechnung\s+nr\.?|belegnummer|"
        r"gutschrift\s*(?:nr\.?|nummer)|facture\s+n[°o]\.?|n[°o]\s+de\s+facture",
        "issue_date": r"fakturadato|faktura\s+dato|dato|invoice\s+date|date\s+of\s+issue|issue\s+date|"
        r"date|rechnungsdatum|belegdatum|datum|date\s+de\s+facture",
        "due_date": r"forfaldsdato|forfald|betalingsdato|sidste\s+rettidige\s+betalingsdato|"
        r"betales\s+senest|due\s+date|payment\s+due(?:\s+date)?|due|fällig(?:\s+am)?|"
        r"fälligkeitsdatum|fälligkeit|zahlbar\s+bis|date\s+d'échéance",
        "currency": r"valuta|currency|währung|rechnungswährung|devise",
        "order_reference": r"ordrenr\.?|ordre\s*nr\.?|ordrenummer|rekvisitionsnr\.?|rekv\.?\s*nr\.?|"
        r"indkøbsordre(?:nr\.?)?|po\s*(?:no\.?|number)|order\s*(?:no\.?|number|ref\.?)|your\s+order|"
        r"purchase\s+order|bestellnummer|bestellung\s+nr\.?",
        "buyer_reference": r"att\.?|attention|deres\s+ref\.?|jeres\s+ref\.?|your\s+ref(?:erence)?\.?|"
        r"buyer\s+reference|ihr\s+zeichen",
        "ean": r"ean(?:-?nr\.?|-?nummer)?|ean\s+lokationsnr\.?|gln(?:-?nr\.?)?",
    }.items()
}

#: Labels of a block that is not the seller's (the buyer, delivery address, a representative).
OTHER_PARTY = re.compile(
    r"^\s*(?:kunde(?:nr\.?|nummer)?|kundenr\.?|faktureres\s+til|fakturaadresse|leveringsadresse|"
    r"leveres\s+til|modtager|køber|bill\s+to|billed\s+to|invoice\s+to|sold\s+to|ship\s+to|"
    r"customer|buyer|deliver(?:y)?\s+(?:to|address)|rechnungsempfänger|käufer|kunde|"
    r"kunden-?nr\.?|lieferanschrift|lieferadresse|leistungsempfänger|warenempfänger|"
    r"abweichender|steuerbevollmächtigter|client|adresse\s+de\s+livraison|vos\s+identifiants|"
    r"représentant|tax\s+representative|payee|zahlungsempfänger|n°\s+tva\s+client)",
    re.IGNORECASE,
)
#: Labels of the seller's block.
SELLER = re.compile(
    r"^\s*(?:sælger|leverandør|afsender|fra|seller|supplier|vendor|from|verkäufer|lieferant|"
    r"rechnungssteller|fournisseur|vendeur)\b",
    re.IGNORECASE,
)
