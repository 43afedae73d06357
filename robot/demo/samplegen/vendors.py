"""The fictional vendors of the demo set: twelve Danish suppliers, their catalogues and bank details.

One pays by IBAN (31), most by domestic transfer (42), some by FIK (93, cards 71 and 75), one via
NemKonto (97)::

    >>> vendor("K10001").name
    'Kontorland A/S'
"""

from __future__ import annotations

from decimal import Decimal

from robot.demo.samplegen.parties import Item, SampleVendor, make_cvr, make_gln


def _items(*rows: tuple[str, str, str, str] | tuple[str, str, str, str, str]) -> tuple[Item, ...]:
    out = []
    for row in rows:
        category = row[4] if len(row) == 5 else "S"
        out.append(
            Item(row[0], row[1], row[2], Decimal(row[3]), category, Decimal("25" if category == "S" else "0"))
        )
    return tuple(out)


VENDORS: tuple[SampleVendor, ...] = (
    SampleVendor(
        "K10001",
        "Kontorland A/S",
        make_cvr("9120001"),
        "Papirvej 12",
        "Glostrup",
        "2600",
        "42",
        _items(
            ("KL-100", "Kontorstol Ergo Plus", "EA", "1240.00"),
            ("KL-210", "Kopipapir A4, 5 x 500 ark", "EA", "189.50"),
            ("KL-330", "Skrivebordslampe LED", "EA", "425.00"),
        ),
        "KL-",
        gln=make_gln("579000099100"),
        bank_reg="1551",
        bank_account="0003458721",
    ),
    SampleVendor(
        "K10002",
        "Nordisk Rengøring ApS",
        make_cvr("9120112"),
        "Kostevej 4",
        "Odense C",
        "5000",
        "93-71",
        _items(
            ("NR-01", "Ugentlig rengøring af kontorer", "HUR", "385.00"),
            ("NR-07", "Vinduespudsning", "HUR", "445.00"),
        ),
        "NR",
        fik_creditor="85123456",
    ),
    SampleVendor(
        "K10003",
        "Dansk IT-Service A/S",
        make_cvr("9120223"),
        "Serverparken 8",
        "Aarhus N",
        "8200",
        "31",
        _items(
            ("IT-KONS", "IT-konsulentbistand", "HUR", "1150.00"),
            ("IT-LIC", "Licens, sagsbehandlingssystem (år)", "EA", "18500.00"),
        ),
        "ITS-",
        gln=make_gln("579000099210"),
        bank_reg="7040",
        bank_account="0007812234",
        bic="EKSBDKKK",
    ),
    SampleVendor(
        "K10004",
        "Frederiksberg Kaffe & Kantine ApS",
        make_cvr("9120334"),
        "Bønnegade 3",
        "Frederiksberg",
        "2000",
        "93-75",
        _items(
            ("KAF-1", "Kaffebønner, økologiske", "KGM", "189.00"),
            ("KAN-MØ", "Mødeforplejning pr. kuvert", "EA", "95.00"),
        ),
        "FKK",
        fik_creditor="86234567",
    ),
    SampleVendor(
        "K10005",
        "Jyllands Møbelhus A/S",
        make_cvr("9120445"),
        "Snedkervej 21",
        "Herning",
        "7400",
        "42",
        _items(
            ("JM-HÆV", "Hæve-sænkebord 160 x 80", "EA", "4650.00"),
            ("JM-REOL", "Reol, eg, 5 hylder", "EA", "1875.00"),
        ),
        "JM",
        bank_reg="7600",
        bank_account="0001122334",
    ),
    SampleVendor(
        "K10006",
        "Avisforlaget Eksempel A/S",
        make_cvr("9120556"),
        "Pressens Plads 1",
        "København K",
        "1050",
        "42",
        _items(
            ("AV-ÅR", "Dagbladsabonnement, helår", "EA", "3480.00", "Z"),
            ("AV-DIG", "Digitalt tillæg", "EA", "600.00"),
        ),
        "AV",
        bank_reg="3001",
        bank_account="0009876123",
    ),
    SampleVendor(
        "K10007",
        "Kursuscentret Eksempel ApS",
        make_cvr("9120667"),
        "Læringsvej 5",
        "Roskilde",
        "4000",
        "42",
        _items(
            ("KC-GDPR", "Kursus: databeskyttelse i praksis", "EA", "4200.00", "E"),
            ("KC-FOR", "Forplejning, kursusdag", "EA", "325.00"),
        ),
        "KC-",
        bank_reg="5301",
        bank_account="0000456789",
    ),
    SampleVendor(
        "K10008",
        "Laboratorieudstyr Danmark A/S",
        make_cvr("9120778"),
        "Reagensvej 17",
        "Lyngby",
        "2800",
        "31",
        _items(
            ("LAB-PIP", "Pipettespidser, 960 stk.", "EA", "412.00"),
            ("LAB-HAN", "Nitrilhandsker, 100 stk.", "EA", "68.50"),
        ),
        "LD",
        bank_reg="9570",
        bank_account="0012345678",
        bic="EKSLDKKK",
    ),
    SampleVendor(
        "K10009",
        "Trykkeriet Fyn ApS",
        make_cvr("9120889"),
        "Bogtrykkervej 2",
        "Svendborg",
        "5700",
        "93-71",
        _items(
            ("TF-FOLD", "Foldere A5, 4 sider", "EA", "2.35"),
            ("TF-VIS", "Visitkort, 250 stk.", "EA", "310.00"),
        ),
        "TF",
        fik_creditor="87345678",
    ),
    SampleVendor(
        "K10010",
        "Vagt & Sikring A/S",
        make_cvr("9120990"),
        "Alarmvej 9",
        "Brøndby",
        "2605",
        "42",
        _items(("VS-VAGT", "Vagtrundering", "HUR", "512.00"), ("VS-KORT", "Adgangskort", "EA", "45.00")),
        "VS",
        bank_reg="2211",
        bank_account="0006655443",
    ),
    SampleVendor(
        "K10011",
        "Blomsterhandlen Eksempel",
        make_cvr("9121001"),
        "Rosengade 6",
        "Aalborg",
        "9000",
        "97",
        _items(
            ("BL-BUK", "Buket, sæsonens blomster", "EA", "450.00"),
            ("BL-PL", "Kontorplante, stor", "EA", "695.00"),
        ),
        "BL",
    ),
    SampleVendor(
        "K10012",
        "Byggemarked Syd ApS",
        make_cvr("9121112"),
        "Tømrervej 30",
        "Haderslev",
        "6100",
        "42",
        _items(
            ("BS-SKR", "Skruer 4 x 40, 200 stk.", "EA", "79.95"),
            ("BS-MAL", "Vægmaling, hvid, 10 l", "EA", "749.00"),
            ("BS-TIM", "Håndværkertime", "HUR", "525.00"),
        ),
        "BS",
        bank_reg="6460",
        bank_account="0004433221",
    ),
)

#: A supplier that is not in the vendor master, with a name close to K10001's.
UNKNOWN_VENDOR = SampleVendor(
    "-",
    "Kontorland ApS",
    make_cvr("9139001"),
    "Papirvej 14",
    "Glostrup",
    "2600",
    "42",
    VENDORS[0].items,
    "KLA",
    bank_reg="1551",
    bank_account="0009911223",
)


def vendor(number: str) -> SampleVendor:
    return next(v for v in VENDORS if v.number == number)
