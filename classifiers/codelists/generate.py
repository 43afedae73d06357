"""Write :mod:`classifiers.codelists._data` from the official EN 16931 validation artefacts.

Run it on the official EN 16931 artefacts (the ConnectingEurope release; the Peppol BIS 3 copy of
the CEN rules is found beside it, or named with ``--peppol``)::

    python -m classifiers.codelists.generate ../shared/corpora/en16931

The code lists sit inline in the compiled XSLT, in each ``BR-CL-*`` assert's test
(``contains(' 380 381 ... ', concat(' ', normalize-space(.), ' '))``); every quoted list of
space-separated codes is taken, in the order the test names them; an assert comparing an attribute
one value at a time (BR-CL-24's ``@mimeCode = 'application/pdf' or ...``) gives those values as its
list. Each distinct list is written once::

    >>> quoted_lists("contains(' 3 35 432 ', concat(' ', normalize-space(.), ' '))")
    [('3', '35', '432')]
    >>> quoted_lists("@mimeCode = 'application/pdf' or @mimeCode = 'image/png'")
    []
    >>> _COMPARED.findall("@mimeCode = 'application/pdf' or @mimeCode = 'image/png'")
    ['application/pdf', 'image/png']
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

XSL = "{http://www.w3.org/1999/XSL/Transform}"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
OUT = Path(__file__).with_name("_data.py")

#: rule set (as the official-rules oracle names it) → the artefact, relative to its corpus folder
EN16931_SOURCES = {
    "en16931-ubl": "ubl/xslt/EN16931-UBL-validation.xslt",
    "en16931-cii": "cii/xslt/EN16931-CII-validation.xslt",
}
#: the Peppol BIS 3 copy of the CEN rules for UBL, relative to the folder holding ``en16931``
PEPPOL_SOURCE = "peppol-artefacts/2025.5/xslt/CEN-EN16931-UBL.xslt"
#: Peppol BIS 3's own rules beside it, whose ``PEPPOL-EN16931-CL*`` asserts name code lists kept in
#: variables (``some $code in $UNCL5189 satisfies ...``)
PEPPOL_RULES = "PEPPOL-EN16931-UBL.xslt"
#: OIOUBL 3's artefact, which takes over Peppol's code-list asserts with its own lists
OIOUBL3_RULES = ("oioubl-3/xslt/xslt/OIOUBL-Invoice.xslt", "OIOUBL 3.0.1")

_CODE = r"[\w.:+/-]+"
#: an assert comparing an attribute one value at a time (BR-CL-24: ``@mimeCode = 'application/pdf' or ...``)
_COMPARED = re.compile(rf"@\w+ = '({_CODE})'")
_VARIABLE = re.compile(r"\$(\w+)")
_TOKENIZED = re.compile(rf"^tokenize\('({_CODE}(?: {_CODE})*)', '\\s'\)$")
_QUOTED = re.compile(rf"'( {_CODE}(?: {_CODE})* )'")
_VERSION = re.compile(rb"<!--\s*(Schematron version [^>]*?)\s*-->")
_WIDTH = 96
_LINE = 110


def quoted_lists(test: str) -> list[tuple[str, ...]]:
    """The quoted, space-delimited code lists of an assert's test, in order."""
    return [tuple(match.split()) for match in _QUOTED.findall(test)]


@dataclass(frozen=True)
class Source:
    """One artefact: its rule set, its name for the header, and what it holds."""

    rule_set: str
    name: str
    version: str
    sha256: str
    asserts: dict[str, list[tuple[str, ...]]]


def variable_lists(root: etree._Element) -> dict[str, tuple[str, ...]]:
    """The stylesheet's code lists kept in variables: ``<xsl:variable name="X" select="tokenize('a b',
    '\\s')"/>``."""
    found: dict[str, tuple[str, ...]] = {}
    for var in root.iter(f"{XSL}variable"):
        match = _TOKENIZED.match((var.get("select") or "").strip())
        if match and var.get("name"):
            found[str(var.get("name"))] = tuple(match.group(1).split())
    return found


#: the asserts whose code lists are read from the EN 16931 artefacts: the code lists, and the VAT
#: identifiers' country prefixes (BR-CO-09)
EN16931_ASSERTS = ("BR-CL-", "BR-CO-09")


def read_source(
    rule_set: str,
    path: Path,
    name: str,
    prefix: str | tuple[str, ...] = EN16931_ASSERTS,
    version: str | None = None,
) -> Source:
    """The code-list asserts (ids starting with ``prefix``) of one compiled Schematron (XSLT) and
    their code lists: quoted in the test, or named by a variable holding them."""
    raw = path.read_bytes()
    found = _VERSION.search(raw[:4096])
    version = version or (found.group(1).decode() if found else f"release {path.parent.parent.name}")
    root = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    variables = variable_lists(root)
    asserts: dict[str, list[tuple[str, ...]]] = {}
    for failed in root.iter(f"{SVRL}failed-assert"):
        ids = [a.text or "" for a in failed.iter(f"{XSL}attribute") if a.get("name") == "id"]
        if not ids or not ids[0].strip().startswith(prefix):
            continue
        official = ids[0].strip()
        if official in asserts:
            raise ValueError(f"{name}: {official} is asserted twice; the generator expects one assert")
        test = failed.get("test") or ""
        lists = quoted_lists(test) or [variables[v] for v in _VARIABLE.findall(test) if v in variables]
        if not lists and (compared := _COMPARED.findall(test)):
            lists = [tuple(compared)]
        if lists:
            asserts[official] = lists
    if not asserts:
        raise ValueError(f"{name}: no {prefix} assert with a code list; is it the right artefact?")
    return Source(rule_set, name, version, hashlib.sha256(raw).hexdigest(), asserts)


def _delta(
    codes: tuple[str, ...], full: dict[tuple[str, ...], str]
) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """``codes`` as (an earlier list, codes added, codes removed) when that is much shorter than the list."""
    wanted = set(codes)
    best = min(full, key=lambda other: len(wanted.symmetric_difference(other)), default=None)
    if best is None or len(wanted.symmetric_difference(best)) * 4 > len(wanted):
        return None
    return full[best], tuple(sorted(wanted - set(best))), tuple(sorted(set(best) - wanted))


def _wrapped(codes: tuple[str, ...]) -> list[str]:
    return textwrap.wrap(" ".join(codes), _WIDTH, break_on_hyphens=False, break_long_words=False)


def _order(official: str) -> tuple[int, str]:
    number = official.removeprefix("BR-CL-")
    return (int(number), "") if number.isdigit() else (10**6, official)


def render(sources: list[Source]) -> str:
    """The text of ``_data.py`` for these sources."""
    names: dict[tuple[str, ...], str] = {}
    full: dict[tuple[str, ...], str] = {}
    deltas: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    rules: dict[str, dict[str, list[str]]] = {}
    for source in sources:
        per_id = rules.setdefault(source.rule_set, {})
        for official in sorted(source.asserts, key=_order):
            for codes in source.asserts[official]:
                key = tuple(sorted(set(codes)))
                if key not in names:
                    names[key] = name = f"L{len(names) + 1:02d}"
                    delta = _delta(key, full)
                    if delta is None:
                        full[key] = name
                    else:
                        deltas[name] = delta
                per_id.setdefault(official, []).append(names[key])
    out = [
        '"""The EN 16931 code lists of the official ``BR-CL-*`` asserts. GENERATED: do not edit.',
        "",
        "Written by ``python -m classifiers.codelists.generate`` from:",
        "",
    ]
    for s in sources:
        out += [f"* {s.rule_set}: ``{s.name}``,", f"  {s.version},", f"  sha256 {s.sha256}"]
    out += [
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from classifiers.codelists._format import deltas, table",
        "",
        "#: the artefact read → (its rule set, its version)",
        "SOURCES: dict[str, tuple[str, str]] = {",
    ]
    for s in sources:
        out += [f'    "{s.name}": (', f'        "{s.rule_set}",', f'        "{s.version}",', "    ),"]
    out += ["}", "", "_TEXT: dict[str, str] = {"]
    for codes, name in full.items():
        lines = _wrapped(codes)
        if len(lines) == 1 and len(f'    "{name}": "{lines[0]}",') <= _LINE:
            out.append(f'    "{name}": "{lines[0]}",')
        else:
            out += [f'    "{name}": (', *(f'        "{line} "' for line in lines), "    ),"]
    out += [
        "}",
        "",
        "#: lists written as an earlier one with codes added (+) and removed (-)",
        '_DELTAS = """',
    ]
    for name, (base, added, removed) in deltas.items():
        parts = [name, "=", base, *(("+", *added) if added else ()), *(("-", *removed) if removed else ())]
        out += textwrap.wrap(" ".join(parts), _WIDTH, break_on_hyphens=False, subsequent_indent="  ")
    out += [
        '"""',
        "",
        "#: list name → its codes (each distinct list once)",
        "LISTS: dict[str, frozenset[str]] = {name: frozenset(text.split()) for name, text in _TEXT.items()}",
        "LISTS.update(deltas(_DELTAS, LISTS))",
        "",
        "#: the rule sets, in the order of the columns of ``_RULES``",
        f"RULE_SETS = ({', '.join(f'{chr(34)}{rs}{chr(34)}' for rs in rules)})",
        "#: official id, then per rule set the lists its assert tests (one column: the same in every set)",
        '_RULES = """',
    ]
    for official in sorted({oid for per_id in rules.values() for oid in per_id}, key=_order):
        columns = [" ".join(per_id.get(official, ["-"])) for per_id in rules.values()]
        out.append(f"{official} {' | '.join(columns if len(set(columns)) > 1 else columns[:1])}")
    out += [
        '"""',
        "",
        "#: rule set → official id → the lists its assert tests, in the order the test names them",
        "RULES: dict[str, dict[str, tuple[str, ...]]] = table(_RULES, RULE_SETS)",
        "",
    ]
    return "\n".join(out)


def sources_from(en16931: Path, peppol: Path | None = None) -> list[Source]:
    """Read the EN 16931 release in ``en16931`` and the Peppol copy of the CEN rules."""
    read = [read_source(rs, en16931 / rel, f"en16931/{rel}") for rs, rel in EN16931_SOURCES.items()]
    peppol_path = peppol if peppol is not None else en16931.parent / PEPPOL_SOURCE
    if not peppol_path.is_file():
        raise FileNotFoundError(f"no Peppol BIS 3 CEN rules at {peppol_path}: name them with --peppol")
    name = PEPPOL_SOURCE if peppol is None else peppol_path.name
    rules_path = peppol_path.with_name(PEPPOL_RULES)
    rules_name = str(Path(name).with_name(PEPPOL_RULES))
    return [
        *read,
        read_source("peppol", peppol_path, name),
        read_source("peppol", rules_path, rules_name, prefix="PEPPOL-EN16931-CL"),
        read_source(
            "oioubl3",
            en16931.parent / OIOUBL3_RULES[0],
            OIOUBL3_RULES[0],
            prefix="PEPPOL-EN16931-CL",
            version=OIOUBL3_RULES[1],
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("en16931", type=Path, help="the official EN 16931 artefacts (folder with ubl/, cii/)")
    parser.add_argument("--peppol", type=Path, help=f"Peppol's CEN rules (default ../{PEPPOL_SOURCE})")
    parser.add_argument("--out", type=Path, default=OUT, help="the module to write (default: the package's)")
    args = parser.parse_args(argv)
    text = render(sources_from(args.en16931, args.peppol))
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
