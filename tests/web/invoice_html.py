"""Reading the console's HTML in tests: the simple CSS selectors they use, as XPath (lxml's
``cssselect`` needs a package the project does not install).

    >>> xpath("tbody tr, form")
    'descendant-or-self::tbody//tr | descendant-or-self::form'
    >>> "' decision '" in xpath("form.decision")
    True
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html

from tests.web.conftest import HTML

_STEP = re.compile(r"^([a-z0-9]*)(#[A-Za-z0-9_-]+)?((?:\.[A-Za-z0-9_-]+)*)$")


def _step(step: str) -> str:
    match = _STEP.match(step)
    if match is None:
        raise ValueError(f"selector step {step!r} is not tag#id.class.class")
    tag, ident, classes = match.group(1) or "*", match.group(2), match.group(3)
    tests = f"[@id='{ident[1:]}']" if ident else ""
    tests += "".join(
        f"[contains(concat(' ', normalize-space(@class), ' '), ' {c} ')]" for c in classes.split(".") if c
    )
    return tag + tests


def xpath(selector: str) -> str:
    """``tag.class descendant, other`` → XPath over the element and its descendants."""
    paths = []
    for alternative in selector.split(","):
        steps = [_step(s) for s in alternative.split()]
        paths.append("descendant-or-self::" + "//".join(steps))
    return " | ".join(paths)


def select(tree: Any, selector: str) -> list[Any]:
    """The elements under ``tree`` (an lxml element) matching ``selector``, in document order."""
    return list(tree.xpath(xpath(selector)))


def text(tree: Any, selector: str) -> str:
    """The whitespace-folded text of every match (asserting there is one)."""
    found = select(tree, selector)
    assert found, f"nothing matches {selector}"
    return " ".join(" ".join(el.text_content().split()) for el in found)


def invoice_page(client: Any, invoice_id: int, status: int = 200) -> Any:
    """``GET /invoices/{invoice_id}`` as a browser asks for it, asserting ``status``, as an lxml tree."""
    got = client.get(f"/invoices/{invoice_id}", headers=HTML)
    assert got.status_code == status, got.text[:2000]
    return lxml.html.fromstring(got.text)
