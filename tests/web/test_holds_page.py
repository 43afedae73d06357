"""The *Hold queue* page over the demo store: what a viewer and a creditor see, filters, paging,
decisions for several invoices through the CLI's own code, assignments and hostile text.

A decision through ``POST /holds/decide`` leaves the store exactly as ``fakturarobot release /
return / retry --by NAME`` leaves a copy of the same store (state, verdict, findings, the people's
events); a refused release shows the CLI's message; four eyes as the CLI; a viewer and a request
without the CSRF token are refused with 403 and change nothing.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import update

from robot.cli.safe_text import visible
from robot.configuration.settings import LoadedConfig
from robot.store.repo import Store
from robot.store.schema import FindingRow, InvoiceRow, InvoiceState
from tests.web.conftest import HTML, ClientAs
from tests.web.support import decision_record, run_cli

LIMIT = "0050-peppol-above-auto-post-limit.xml"  # SFE, releasable
BANK = "0044-oioubl-bank-account-differs.xml"  # MFP, VENDOR-BANK: a note, four eyes where asked
UNREADABLE = "0064-pdf-damaged.pdf"  # SFE, READ-ERROR: a release is refused
PDF = "0056-pdf-printed-held.pdf"  # SFE
ITD = "0058-pdf-printed-totals-off.pdf"  # the only held invoice of ITD
ROW = re.compile(r'<tr id="hold-(\d+)">')


def _id(store: Store, file: str) -> int:
    [row] = store.find_invoices(file)
    return row.id


def _ids(page: str) -> list[int]:
    return [int(i) for i in ROW.findall(page)]


def _after(store: Store, invoice_id: int) -> dict[str, Any]:
    return decision_record(store, invoice_id)


def _decide(client: TestClient, token: str | None, ids: list[int], decision: str, **form: str) -> Any:
    data: dict[str, Any] = {"ids": [str(i) for i in ids], "decision": decision, **form}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/holds/decide", data=data, headers=HTML, follow_redirects=False)


def _cli(config: LoadedConfig, *args: str) -> tuple[int, str]:
    return run_cli(*args, "--config", str(config.path))


@pytest.fixture
def cli_world(web_world: Path, tmp_path: Path) -> LoadedConfig:
    """A second copy of the same demo world, for the CLI to decide in."""
    from robot.configuration.settings import load_config

    shutil.copytree(web_world, tmp_path / "cli-world")
    return load_config(tmp_path / "cli-world" / "samples" / "fakturarobot.yaml")


def test_decisions_through_the_page_equal_the_cli(
    client_as: ClientAs, csrf: Any, web_store: Store, cli_world: LoadedConfig
) -> None:
    creditor = client_as("creditor")
    token = csrf(creditor)
    limit, pdf, unreadable = _id(web_store, LIMIT), _id(web_store, PDF), _id(web_store, UNREADABLE)
    assert _decide(creditor, token, [limit], "release", note="ok by head").status_code == 200
    done = _decide(
        creditor, token, [pdf], "return", code="REF", reason_da="Mangler ordre", reason_en="Order missing"
    )
    assert done.status_code == 200
    assert _decide(creditor, token, [unreadable], "retry", note="template added").status_code == 200
    assert _cli(cli_world, "release", str(limit), "--by", "creditor", "--note", "ok by head")[0] == 0
    assert _cli(cli_world, "return", str(pdf), "--by", "creditor", "--reason", "Mangler ordre",
                "--reason-en", "Order missing", "--code", "REF")[0] == 0  # fmt: skip
    assert _cli(cli_world, "retry", str(unreadable), "--by", "creditor", "--note", "template added")[0] == 0
    assert cli_world.cfg.database is not None
    other = Store.open(cli_world.cfg.database, existing=True)
    try:
        for invoice_id in (limit, pdf, unreadable):
            assert _after(web_store, invoice_id) == _after(other, invoice_id)
    finally:
        other.close()
    assert _after(web_store, limit)["events"][-1] == (
        "released",
        {
            "by": "creditor",
            "note": "ok by head",
            "findings": _after(web_store, limit)["events"][-1][1]["findings"],
        },
    )
    page = creditor.get("/holds", headers=HTML).text
    assert not {limit, pdf, unreadable} & set(_ids(page))  # decided: out of the queue


def test_several_at_once_each_done_or_refused_with_the_cli_message(
    client_as: ClientAs, csrf: Any, web_store: Store, web_config: LoadedConfig
) -> None:
    creditor = client_as("creditor")
    limit, unreadable = _id(web_store, LIMIT), _id(web_store, UNREADABLE)
    before = _after(web_store, unreadable)
    answer = _decide(creditor, csrf(creditor), [unreadable, limit], "release", note="checked")
    assert answer.status_code == 200
    rows = re.findall(r'<tr id="outcome-(\d+)">(.*?)</tr>', answer.text, re.S)
    assert [int(i) for i, _ in rows] == [unreadable, limit]
    refused = html.unescape(re.sub(r"<[^>]+>", "", rows[0][1]))
    assert "refused" in refused or "afvist" in refused
    code, out = _cli(web_config, "release", str(unreadable), "--by", "someone", "--note", "checked")
    assert code == 2
    cli_first_line = out.strip().splitlines()[0]
    [shown] = re.findall(r'<pre class="refusal">(.*?)</pre>', rows[0][1], re.S)
    assert (
        visible(html.unescape(shown)) == cli_first_line
    )  # the CLI's own words (it shows the newline as \x0a)
    assert _after(web_store, unreadable) == before
    assert web_store.invoice(limit).state == InvoiceState.CLASSIFIED
    again = _decide(creditor, csrf(creditor), [limit], "retry")
    assert again.status_code == 409 and "not held any more: released by creditor" in html.unescape(again.text)


def test_four_eyes_as_the_cli(client_as: ClientAs, csrf: Any, web_store: Store, web_world: Path) -> None:
    path = web_world / "samples" / "customers.yaml"
    customers = yaml.safe_load(path.read_text(encoding="utf-8"))
    for customer in customers["customers"]:
        if customer["id"] == "MFP":
            customer.setdefault("criteria", {})["four_eyes"] = ["bank-details"]
    path.write_text(yaml.safe_dump(customers), encoding="utf-8")
    bank = _id(web_store, BANK)
    first, second = client_as("creditor", name="anje"), client_as("creditor", name="mola")
    no_note = _decide(first, csrf(first), [bank], "release")
    assert no_note.status_code == 409 and "needs --note" in html.unescape(no_note.text)
    approved = _decide(first, csrf(first), [bank], "release", note="called the supplier")
    assert approved.status_code == 200 and ("approved" in approved.text or "godkendt" in approved.text)
    assert web_store.invoice(bank).state == InvoiceState.HELD
    queue = first.get("/holds?lang=en", headers=HTML).text
    assert "approved by anje" in queue
    same = _decide(first, csrf(first), [bank], "release", note="again")
    assert same.status_code == 409 and "anje cannot also be the second person" in html.unescape(same.text)
    done = _decide(second, csrf(second), [bank], "release", note="confirmed")
    assert done.status_code == 200 and web_store.invoice(bank).state == InvoiceState.CLASSIFIED
    assert [e[1].get("by") for e in _after(web_store, bank)["events"]] == ["anje", "mola"]


def test_viewer_sees_but_cannot_decide_and_csrf_is_required(
    client_as: ClientAs, csrf: Any, web_store: Store
) -> None:
    viewer = client_as("viewer")
    page = viewer.get("/holds", headers=HTML)
    assert page.status_code == 200 and len(_ids(page.text)) == 14
    assert (
        'name="ids"' not in page.text
        and "/holds/decide" not in page.text
        and "/holds/assign" not in page.text
    )
    limit = _id(web_store, LIMIT)
    before = _after(web_store, limit)
    assert _decide(viewer, csrf(viewer), [limit], "retry").status_code == 403
    data = {"ids": [str(limit)], "person": "viewer", "csrf_token": csrf(viewer)}
    assert viewer.post("/holds/assign", data=data, headers=HTML).status_code == 403
    creditor = client_as("creditor")
    assert 'data-select-all="ids"' in creditor.get("/holds", headers=HTML).text
    assert _decide(creditor, None, [limit], "retry").status_code == 403
    assert _decide(creditor, "wrong", [limit], "retry").status_code == 403
    data = {"ids": [str(limit)], "person": "creditor"}
    assert creditor.post("/holds/assign", data=data, headers=HTML).status_code == 403
    assert _after(web_store, limit) == before


def test_refused_forms(client_as: ClientAs, csrf: Any, web_store: Store) -> None:
    creditor = client_as("creditor")
    token, limit = csrf(creditor), _id(web_store, LIMIT)
    before = _after(web_store, limit)
    assert _decide(creditor, token, [limit], "post").status_code == 400
    assert _decide(creditor, token, [], "retry").status_code == 400
    assert _decide(creditor, token, [limit], "return", code="OTH", reason_da="  ").status_code == 400
    assert _decide(creditor, token, [limit], "return", code="NON", reason_da="x").status_code == 400
    assert _after(web_store, limit) == before


def test_filters_through_the_page_match_the_store(client_as: ClientAs, web_store: Store) -> None:
    viewer = client_as("viewer")

    def shown(query: str) -> list[int]:
        answer = viewer.get("/holds?" + query, headers=HTML)
        assert answer.status_code == 200, answer.text
        return _ids(answer.text)

    assert shown("") == [r.id for r in web_store.held()]  # due first, as `held`
    assert shown("customer=sfe") == [r.id for r in web_store.held("SFE")]
    assert shown("error_type=PAY") == [r.id for r in web_store.held(error_type="PAY")]
    assert shown("rule=VENDOR-BANK") == [_id(web_store, BANK)]
    bank = web_store.invoice(_id(web_store, BANK))
    assert shown("supplier=" + (bank.supplier_key or "")) == [
        r.id for r in web_store.held() if r.supplier_key == bank.supplier_key
    ]
    part = (bank.supplier_name or "")[2:8].upper()
    assert _id(web_store, BANK) in shown("supplier=" + part)
    dated = [r for r in web_store.held() if r.due_date is not None]
    cut = sorted(r.due_date for r in dated)[len(dated) // 2]  # type: ignore[type-var]
    assert shown(f"due_before={cut.isoformat()}") == [r.id for r in dated if r.due_date < cut]  # type: ignore[operator]
    amounts = sorted(r.payable for r in web_store.held() if r.payable is not None)
    low = amounts[len(amounts) // 2]
    assert shown(f"amount_min={low}".replace(".", ",")) == [
        r.id for r in web_store.held() if r.payable is not None and r.payable >= low
    ]
    assert shown(f"amount_max={low}") == [
        r.id for r in web_store.held() if r.payable is not None and r.payable <= low
    ]
    bad = viewer.get("/holds?due_before=31-12-2026&amount_min=abc", headers=HTML)
    assert bad.status_code == 400 and "2026-12-31" in bad.text and _ids(bad.text) == []


def test_paging_through_the_page_shows_each_once(client_as: ClientAs, web_store: Store) -> None:
    viewer = client_as("viewer")
    url, seen, pages = "/holds?n=2", [], 0
    while url:
        page = viewer.get(url, headers=HTML).text
        seen += _ids(page)
        pages += 1
        found = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = html.unescape(found.group(1)) if found else ""
    held = [r.id for r in web_store.held()]
    assert seen == held and pages == (len(held) + 1) // 2


def test_a_restricted_user_decides_only_the_customer(
    client_as: ClientAs, csrf: Any, web_store: Store
) -> None:
    itd = client_as("creditor", "ITD")
    itd_held = [_id(web_store, ITD), _id(web_store, "0061-pdf-untemplated-footer.pdf")]
    assert _ids(itd.get("/holds", headers=HTML).text) == itd_held
    assert _ids(itd.get("/holds?customer=SFE", headers=HTML).text) == []
    limit = _id(web_store, LIMIT)
    answer = _decide(itd, csrf(itd), [limit], "retry")
    assert answer.status_code == 409 and f"no invoice {limit}" in answer.text
    assert web_store.invoice(limit).state == InvoiceState.HELD
    data = {"ids": [str(limit)], "person": "x", "csrf_token": csrf(itd)}
    assert itd.post("/holds/assign", data=data, headers=HTML).status_code == 404


def test_assign_and_filter_by_person(client_as: ClientAs, csrf: Any, web_store: Store) -> None:
    creditor = client_as("creditor")
    limit, pdf = _id(web_store, LIMIT), _id(web_store, PDF)
    data = {"ids": [str(limit), str(pdf)], "person": "mola", "csrf_token": csrf(creditor)}
    answer = creditor.post("/holds/assign", data=data, headers=HTML)
    assert answer.status_code == 200 and "mola" in answer.text
    assert _ids(creditor.get("/holds?assigned=MOLA", headers=HTML).text) == [
        r.id for r in web_store.held() if r.id in (limit, pdf)
    ]
    assert set(_ids(creditor.get("/holds?assigned=-", headers=HTML).text)) == {
        r.id for r in web_store.held()
    } - {limit, pdf}
    assert _after(web_store, limit)["events"] == [("assigned", {"by": "creditor", "to": "mola"})]


def test_hostile_supplier_name_and_finding_text_show_literally(client_as: ClientAs, web_store: Store) -> None:
    name = '<script>alert("x")</script>&amp;<b>'
    text = "<img src=x onerror=alert(1)>\"'{{ 7*7 }}"
    bank = _id(web_store, BANK)
    with web_store.sessions.begin() as s:
        s.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == bank)
            .values(supplier_name=name, invoice_number="<i>N</i>")
        )
        s.execute(
            update(FindingRow).where(FindingRow.invoice_id == bank).values(message_da=text, field="<u>f</u>")
        )
    page = client_as("viewer").get("/holds", headers=HTML).text
    for hostile in (name, text, "<i>N</i>", "<u>f</u>"):
        assert hostile not in page
        assert str(escape(hostile)) in page  # as text
    assert "{{ 7*7 }}" in page  # shown, not evaluated
    assert "<script>alert" not in page
