"""Decisions on *an invoice* (``/invoices/{id}``): release, return, retry and comment leave the store
as the CLI's leave it; a refused decision shows the CLI's message and changes nothing; four eyes as
the CLI; a viewer, a request without a session or the CSRF token, and a person of another customer
are refused and change nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import yaml

from robot.store.repo import Store
from robot.store.schema import InvoiceState
from tests.web.conftest import HTML, ClientAs
from tests.web.invoice_html import invoice_page as _page
from tests.web.invoice_html import select as css
from tests.web.invoice_html import text as _text
from tests.web.support import decision_record, run_cli
from tests.web.support import invoice_id as _id

CLEAN = "0001-peppol-clean.xml"
BANK = "0044-oioubl-bank-account-differs.xml"
PDF = "0056-pdf-printed-held.pdf"
LIMIT = "0050-peppol-above-auto-post-limit.xml"
UNKNOWN = "0046-peppol-unknown-supplier.xml"


def test_a_viewer_sees_no_buttons_and_is_refused_a_decision(
    client_as: ClientAs, anon: Any, web_store: Store, csrf: Callable[[Any], str]
) -> None:
    invoice_id = _id(web_store, LIMIT)
    for path in ("", "/raw", "/invoice-response"):
        assert anon.get(f"/invoices/{invoice_id}{path}").status_code == 401  # no session: nothing
    assert anon.post(f"/invoices/{invoice_id}/release", data={"note": "x"}).status_code == 401
    page = anon.get(f"/invoices/{invoice_id}", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    viewer = client_as("viewer")
    assert not css(_page(viewer, invoice_id), "form.decision, form.comment")
    for action, data in (
        ("release", {"note": "x"}),
        ("retry", {}),
        ("comment", {"text": "x"}),
        ("return", {"code": "OTH", "reason_da": "x"}),
    ):
        refused = viewer.post(f"/invoices/{invoice_id}/{action}", data={**data, "csrf_token": csrf(viewer)})
        assert refused.status_code == 403, action
    creditor = client_as("creditor")
    assert len(css(_page(creditor, invoice_id), "form.decision")) == 3
    no_token = creditor.post(f"/invoices/{invoice_id}/release", data={"note": "x"})
    assert no_token.status_code == 403
    assert web_store.invoice(invoice_id).state == InvoiceState.HELD
    assert not [e for e in web_store.journey(invoice_id)[1] if e.run_id is None]


def test_a_person_of_one_customer_sees_only_that_customers_invoices(
    client_as: ClientAs, web_store: Store, csrf: Callable[[Any], str]
) -> None:
    mine, theirs = _id(web_store, CLEAN), _id(web_store, BANK)
    customer = web_store.invoice(mine).customer_id
    assert customer and web_store.invoice(theirs).customer_id != customer
    client = client_as("creditor", customer)
    _page(client, mine)
    _page(client, theirs, status=404)
    for path in ("raw", "document", "invoice-response"):
        assert client.get(f"/invoices/{theirs}/{path}").status_code == 404
    refused = client.post(f"/invoices/{theirs}/comment", data={"text": "x", "csrf_token": csrf(client)})
    assert refused.status_code == 404
    assert client.get("/invoices/999999", headers=HTML).status_code == 404


def _cli(url: str, config: Path, *args: str) -> tuple[int, str]:
    return run_cli(*args, "--database", url, "--config", str(config))


def _recorded(store: Store, invoice_id: int) -> dict[str, Any]:
    return decision_record(store, invoice_id)


def test_decisions_through_the_page_leave_the_store_as_the_cli_leaves_it(
    client_as: ClientAs,
    web_store: Store,
    web_world: Path,
    demo_world: Path,
    tmp_path: Path,
    csrf: Callable[[Any], str],
) -> None:
    cli_world = tmp_path / "cli-world"
    shutil.copytree(demo_world, cli_world)
    cli_config = cli_world / "samples" / "fakturarobot.yaml"
    cli_url = f"sqlite:///{cli_world}/var/demo/fakturarobot.db"
    client = client_as("creditor", name="MOLA")
    token = csrf(client)
    note = "checked with the head of office"
    cli_return = ("return", "--reason", "Mangler ordre", "--reason-en", "Order missing", "--code", "REF")
    decided = {
        LIMIT: (("release", "--note", note), "release", {"note": note}),
        PDF: (
            cli_return,
            "return",
            {"code": "REF", "reason_da": "Mangler ordre", "reason_en": "Order missing"},
        ),
        UNKNOWN: (("retry", "--note", "vendor added"), "retry", {"note": "vendor added"}),
    }
    for ref, (cli_args, action, form) in decided.items():
        invoice_id = _id(web_store, ref)
        code, output = _cli(cli_url, cli_config, cli_args[0], str(invoice_id), "--by", "MOLA", *cli_args[1:])
        assert code == 0, output
        done = client.post(
            f"/invoices/{invoice_id}/{action}",
            data={**form, "csrf_token": token},
            headers=HTML,
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == f"/invoices/{invoice_id}"
    cli_store = Store.open(cli_url, existing=True)
    try:
        for ref in decided:
            invoice_id = _id(web_store, ref)
            assert _recorded(web_store, invoice_id) == _recorded(cli_store, invoice_id), ref
            assert _recorded(web_store, invoice_id)["events"], ref
    finally:
        cli_store.close()


def test_a_refused_decision_shows_the_clis_message_and_changes_nothing(
    client_as: ClientAs, web_store: Store, web_config: Any, csrf: Callable[[Any], str]
) -> None:
    invoice_id = _id(web_store, BANK)
    code, output = _cli(web_config.cfg.database, web_config.path, "release", str(invoice_id), "--by", "MOLA")
    assert code == 2 and "needs --note" in output
    client = client_as("creditor", name="MOLA")
    refused = client.post(
        f"/invoices/{invoice_id}/release", data={"note": "", "csrf_token": csrf(client)}, headers=HTML
    )
    assert refused.status_code == 409
    message = _text(lxml.html.fromstring(refused.text), ".alert.error .message")
    assert message == " ".join(output.split())
    assert web_store.invoice(invoice_id).state == InvoiceState.HELD
    assert not [e for e in web_store.journey(invoice_id)[1] if e.run_id is None]


def test_a_comment_through_the_page_is_kept_in_the_journey_with_who(
    client_as: ClientAs, web_store: Store, csrf: Callable[[Any], str]
) -> None:
    invoice_id = _id(web_store, BANK)
    client = client_as("creditor", name="ANJE")
    said = "Ringet til leverandøren <b>kl. 10</b>"
    done = client.post(
        f"/invoices/{invoice_id}/comment",
        data={"text": said, "csrf_token": csrf(client)},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    events = web_store.journey(invoice_id)[1]
    assert (events[-1].kind, events[-1].detail) == ("comment", {"by": "ANJE", "text": said})
    last = css(_page(client, invoice_id), ".timeline li.event")[-1]
    assert css(last, ".by")[0].text == "ANJE" and said in last.text_content()


def test_four_eyes_through_the_page_an_approval_then_a_second_person(
    client_as: ClientAs, web_store: Store, web_world: Path, csrf: Callable[[Any], str]
) -> None:
    customers = web_world / "samples" / "customers.yaml"
    data = yaml.safe_load(customers.read_text("utf-8"))
    invoice_id = _id(web_store, BANK)
    customer = next(c for c in data["customers"] if c["id"] == web_store.invoice(invoice_id).customer_id)
    customer["criteria"]["four_eyes"] = ["bank-details"]
    customers.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    first, second = client_as("creditor", name="ANJE"), client_as("creditor", name="MOLA")
    note = {"note": "called the supplier on the number in the vendor master"}

    def release(client: Any) -> Any:
        return client.post(f"/invoices/{invoice_id}/release", data={**note, "csrf_token": csrf(client)},
                           headers=HTML, follow_redirects=False)  # fmt: skip

    assert release(first).status_code == 303
    assert web_store.invoice(invoice_id).state == InvoiceState.HELD
    assert "frigivelse godkendt af ANJE" in _text(_page(first, invoice_id), ".facts .state")
    english = lxml.html.fromstring(first.get(f"/invoices/{invoice_id}?lang=en", headers=HTML).text)
    assert "held; release approved by ANJE" in _text(english, ".facts .state")
    again = release(first)
    assert again.status_code == 409
    assert "ANJE cannot also be the second person" in _text(lxml.html.fromstring(again.text), ".alert.error")
    assert release(second).status_code == 303
    row = web_store.invoice(invoice_id)
    assert (row.state, row.verdict) == (InvoiceState.CLASSIFIED, "post")
    kinds = [
        (e.kind, e.detail.get("by"), e.detail.get("approved_by")) for e in web_store.journey(invoice_id)[1]
    ]
    assert kinds[-2:] == [("release-approved", "ANJE", None), ("released", "MOLA", "ANJE")]
