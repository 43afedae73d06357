"""The Report page (/report): its numbers are robot.reports' for the same scope, each chart sits
beside its table, labels from the store stay text, and a customer-limited person sees only theirs."""

from __future__ import annotations

import lxml.html
from sqlalchemy import select, update

from robot.reports.report import report
from robot.reports.scope import Scope
from robot.store.repo import Store
from robot.store.schema import FindingRow
from tests.web.conftest import ClientAs

SCRIPT = "<script>alert(1)</script>"


def tree_of(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def rows(tree: lxml.html.HtmlElement, name: str) -> list[list[str]]:
    found = tree.xpath(f'//table[@id="table-{name}"]')
    assert len(found) == 1, f"no table {name}"
    return [[c.text_content().strip() for c in tr.xpath("./th|./td")] for tr in found[0].xpath("./tbody/tr")]


def figure(tree: lxml.html.HtmlElement, name: str) -> str:
    cells = tree.xpath(f'//td[@data-figure="{name}"]')
    assert len(cells) == 1, name
    return str(cells[0].text_content().strip())


def test_the_numbers_are_the_reports_and_each_chart_is_beside_its_table(
    web_store: Store, client_as: ClientAs
) -> None:
    answer = client_as("viewer").get("/report")
    assert answer.status_code == 200, answer.text
    tree = tree_of(answer.text)
    expected = report(web_store, Scope()).as_dict()
    assert expected["received"] > 0 and expected["rules"] and expected["error_types"]
    assert int(figure(tree, "received")) == expected["received"]
    for state, n in expected["states"].items():
        assert int(figure(tree, f"state-{state}")) == n
    for key in ("decided", "posted", "touchless"):
        assert int(figure(tree, key)) == expected["touchless"][key]
    assert int(figure(tree, "duplicates")) == expected["duplicates"]["invoices"]
    for name in ("error_types", "rules"):
        shown = {r[0]: (int(r[1]), int(r[2])) for r in rows(tree, name)}
        assert shown == {e["code"]: (e["returned"], e["held"]) for e in expected[name]}, name
    decided = {r[0]: [int(n) for n in r[1:]] for r in rows(tree, "decisions") if len(r) == 4}
    assert decided == {
        d["rule"]: [d["released"], d["returned_by_hand"], d["retried"]] for d in expected["decisions"]
    }
    for name in ("error_types", "rules", "decisions"):
        section = tree.xpath(f'//section[h2[@id="h-{name}"]]')
        assert len(section) == 1, name
        assert len(section[0].xpath(".//figure/svg")) == 1, f"{name}: no chart"
        assert section[0].xpath(f'.//table[@id="table-{name}"]'), name
    assert tree.xpath('//ul[@id="suggestions"]/li')
    assert not tree.xpath("//script[not(@src)]") and not tree.xpath("//*[@style]")


def test_a_scope_gives_the_reports_numbers_for_that_scope(web_store: Store, client_as: ClientAs) -> None:
    expected = report(web_store, Scope(customer="SFE")).as_dict()
    tree = tree_of(client_as("viewer").get("/report?customer=SFE&since=2000-01-01").text)
    assert int(figure(tree, "received")) == expected["received"] > 0
    assert expected["received"] < report(web_store, Scope()).received
    nothing = tree_of(client_as("viewer").get("/report?since=2999-01-01").text)
    assert int(figure(nothing, "received")) == 0


def test_a_person_limited_to_a_customer_sees_only_that_customer(
    web_store: Store, client_as: ClientAs
) -> None:
    expected = report(web_store, Scope(customer="SFE")).received
    tree = tree_of(client_as("viewer", "SFE").get("/report?customer=").text)
    assert int(figure(tree, "received")) == expected
    other = tree_of(client_as("viewer", "SFE").get("/report?customer=NOBODY").text)
    assert int(figure(other, "received")) == expected


def test_rule_codes_from_the_store_stay_text_in_charts_and_tables(
    web_store: Store, client_as: ClientAs
) -> None:
    with web_store.sessions.begin() as s:
        code = s.scalar(select(FindingRow.code).where(FindingRow.severity == "error").limit(1))
        s.execute(update(FindingRow).where(FindingRow.code == code).values(code=SCRIPT))
    html = client_as("viewer").get("/report?lang=en").text
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tree = tree_of(html)
    assert SCRIPT in [r[0] for r in rows(tree, "rules")]
    assert not tree.xpath("//script[not(@src)] | //*[local-name()='foreignObject']")
    assert "Decisions made by hand" in html and "By error type" in html
