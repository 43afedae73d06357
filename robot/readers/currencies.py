"""ISO 4217 alphabetic currency codes (list one, current codes and funds), as of 2025.

A hand list: the robot has no network and python-stdnum carries no currency list. The EN 16931
code list behind BR-CL-04 is this list; it lags ISO in places (it still had ``STD``/``MRO``,
replaced in 2018 by ``STN``/``MRU``), so the ISO codes are used. Two codes being withdrawn are
kept while invoices dated before the change still arrive: ``ANG`` (replaced by ``XCG`` in 2025)
and ``BGN`` (Bulgaria adopts the euro on 2026-01-01).

    >>> is_iso4217("DKK"), is_iso4217("dkk"), is_iso4217("DKKK"), is_iso4217("XCG")
    (True, False, False, True)
"""

from __future__ import annotations

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
    KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF
    XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
"""

ISO_4217: frozenset[str] = frozenset(_CODES.split())
"""Every ISO 4217 alphabetic code the robot accepts as BT-5 (upper case, exactly three letters)."""


def is_iso4217(code: str) -> bool:
    """Whether ``code`` is, exactly (case and all), an ISO 4217 alphabetic code."""
    return code in ISO_4217
