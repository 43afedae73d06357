"""Where the plain fields of a model record sit in UBL and in CII, side by side in one table each.

A reader builds the record from its syntax's column (:meth:`robot.readers.nodes.Paths.text_fields`),
so a field added to a record is added for both syntaxes in one place. Fields that need more than
one element's text (UBL's street and building number) stay in the readers::

    >>> CONTACT.ubl["phone"], CONTACT.cii["phone"]
    ('cbc:Telephone', 'ram:TelephoneUniversalCommunication/ram:CompleteNumber')
"""

from __future__ import annotations


class Terms:
    """Model fields by name, each with its path in UBL and in CII (relative to the aggregate)."""

    __slots__ = ("cii", "ubl")

    def __init__(self, **fields: tuple[str, str]) -> None:
        self.ubl = {name: ubl for name, (ubl, _) in fields.items()}
        self.cii = {name: cii for name, (_, cii) in fields.items()}


#: BG-6/BG-9 contact: ``cac:Contact`` / ``ram:DefinedTradeContact``.
CONTACT = Terms(
    id=("cbc:ID", "ram:ID"),
    name=("cbc:Name", "ram:PersonName"),
    phone=("cbc:Telephone", "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
    email=("cbc:ElectronicMail", "ram:EmailURIUniversalCommunication/ram:URIID"),
)

#: BG-5/BG-8 postal address but the first street line: ``cac:PostalAddress`` / ``ram:PostalTradeAddress``.
ADDRESS = Terms(
    additional_street=("cbc:AdditionalStreetName", "ram:LineTwo"),
    city=("cbc:CityName", "ram:CityName"),
    postal_code=("cbc:PostalZone", "ram:PostcodeCode"),
    country=("cac:Country/cbc:IdentificationCode", "ram:CountryID"),
)
