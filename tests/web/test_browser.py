"""The console in a real browser (Debian's chromium through Playwright), served by uvicorn on 127.0.0.1.

One creditor's day: log in, see the runs, filter the hold queue, open the invoice held for changed
bank details and see the rule, the field and the vendor master side by side, return it with a
reason, run the robot, and see it returned with its notice and Invoice Response. A viewer sees no
decision and a forged decision is refused; a wrong password is refused and then throttled; an
invoice full of script and markup shows as text and runs nothing.

Required in CI; skipped elsewhere when no chromium is installed (tests/support/browser.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import screenshot_on_failure
from tests.web.conftest import PASSWORD, serve_console

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store


@pytest.fixture
def console(web_config: LoadedConfig, web_store: Store) -> Iterator[str]:
    """The console over this test's copy of the demo world, on a free port of 127.0.0.1."""
    from robot.store.users import Users

    users = Users(web_store.sessions)
    users.add("kirsten", "creditor", PASSWORD)
    users.add("viggo", "viewer", PASSWORD)
    with serve_console(web_config, web_store) as base_url:
        yield base_url


def log_in(page: Page, base_url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")


def held_id(store: Store, source_ref: str) -> int:
    (row,) = [r for r in store.held() if r.source_ref == source_ref]
    return row.id


def test_a_creditor_returns_a_held_invoice_and_sees_it_returned(
    page: Page, console: str, web_store: Store, web_world: Path
) -> None:
    from playwright.sync_api import Route, expect

    # the on-time panel is loaded after the overview is shown (console.js, data-load-now); it is held
    # back here so the page is seen while it loads, as on a slow machine
    def slow_partial(route: Route) -> None:
        time.sleep(0.5)
        route.continue_()

    page.route("**/overview/on-time*", slow_partial)
    log_in(page, console, "kirsten")
    page.wait_for_url(f"{console}/")
    assert "kirsten" in page.inner_text("body")
    # a locator wait, not wait_for_function: a string predicate is eval'ed in the page, which the
    # console's Content-Security-Policy refuses, as it should
    expect(page.locator("#on-time")).not_to_contain_text("Henter", timeout=10_000)
    assert "Ingen betalinger endnu" in page.inner_text("#on-time")

    # the runs: the demo's run is listed with its status
    page.click("nav a[href='/runs']")
    page.wait_for_url(f"{console}/runs*")
    assert page.locator("table a[href^='/runs/']").count() >= 1

    # the hold queue, filtered by error type PAY: only the bank-details hold is left
    page.click("nav a[href='/holds']")
    page.fill("form.filters input[name=error_type]", "PAY")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*/holds\?.*error_type=PAY.*"))
    invoice_id = held_id(web_store, "0044-oioubl-bank-account-differs.xml")
    links = page.locator("a[href^='/invoices/']")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert hrefs == {f"/invoices/{invoice_id}"}, hrefs

    # the invoice: the rule, the field it points at, and the vendor master beside the invoice
    page.click(f"a[href='/invoices/{invoice_id}']")
    page.wait_for_url(f"{console}/invoices/{invoice_id}*")
    findings = page.inner_text("section[aria-labelledby=findings-title]")
    bank = page.inner_text("section.compare.bank")
    assert "BT-84" in findings or "BT-84" in bank, findings
    assert "Kreditorstamdata" in bank, bank
    rows = web_store.findings_of(invoice_id)
    assert any(f.code in findings for f in rows if f.disposition == "hold"), findings

    # return it with a reason
    page.select_option("#return-code", "PAY")
    page.fill("#return-da", "Kontonummeret stemmer ikke med vores stamdata; send en ny faktura.")
    page.fill("#return-en", "The account number does not match our vendor master; please send a new invoice.")
    page.click("form.decision.return button[type=submit]")
    page.wait_for_load_state()
    assert any(d.startswith("confirm") for d in page.dialogs)  # type: ignore[attr-defined]

    # the next run carries it out
    from robot.configuration.wiring import build_robot
    from robot.running.run import RunOptions

    robot, _ = build_robot(web_world / "samples" / "fakturarobot.yaml")
    try:
        robot.run(RunOptions(trigger="test"))
    finally:
        robot.store.close()
    assert web_store.invoice(invoice_id).state == "returned"

    page.goto(f"{console}/invoices/{invoice_id}")
    body = page.inner_text("main")
    notice = page.inner_text("section[aria-labelledby=notice-title]")
    response = page.inner_text("section[aria-labelledby=response-title]")
    assert "kirsten" in page.inner_text("section[aria-labelledby=journey-title]")
    assert "Kontonummeret stemmer ikke" in notice or "Kontonummeret stemmer ikke" in body, notice
    assert "PAY" in response or "RE" in response, response
    download = page.locator(f"a[href='/invoices/{invoice_id}/invoice-response']")
    assert download.count() >= 1
    answer = page.request.get(f"{console}/invoices/{invoice_id}/invoice-response")
    assert answer.status == 200 and b"ApplicationResponse" in answer.body()


def test_a_viewer_sees_no_decisions_and_a_forged_one_is_refused(
    page: Page, console: str, web_store: Store
) -> None:
    invoice_id = held_id(web_store, "0044-oioubl-bank-account-differs.xml")
    log_in(page, console, "viggo")
    page.wait_for_url(f"{console}/")
    page.goto(f"{console}/invoices/{invoice_id}")
    assert page.locator("form[action$='/release']").count() == 0
    assert page.locator("form[action$='/return']").count() == 0
    page.goto(f"{console}/holds")
    assert page.locator("form#hold-decisions button[formaction='/holds/decide']").count() == 0
    forged = page.request.post(
        f"{console}/invoices/{invoice_id}/release", form={"note": "forged", "csrf_token": "x"}
    )
    assert forged.status == 403
    assert web_store.invoice(invoice_id).state == "held"


def test_a_wrong_password_is_refused_and_then_throttled(page: Page, console: str) -> None:
    for _ in range(5):
        log_in(page, console, "kirsten", "not the password")
        page.wait_for_load_state()
        assert page.url.startswith(f"{console}/login")
        assert page.locator("input[name=password]").count() == 1
    log_in(page, console, "kirsten")  # the right password, but too many failures just now
    page.wait_for_load_state()
    assert page.url.startswith(f"{console}/login")
    assert "For mange forkerte forsøg" in page.inner_text("body")


def test_a_hostile_invoice_shows_its_payloads_as_text_and_runs_nothing(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from robot.store.users import Users
    from tests.web.test_hostile_render import LINE, NAME, NOTE, hostile_invoice_store

    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    made = hostile_invoice_store(tmp_path)
    Users(made.store.sessions).add("kirsten", "creditor", PASSWORD)
    context = browser.new_context()
    p = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        with serve_console(made.config, made.store) as base_url:
            log_in(p, base_url, "kirsten")
            p.wait_for_url(f"{base_url}/")
            for path in (f"/invoices/{made.invoice_id}", "/holds", "/search?supplier=Leverand"):
                p.goto(f"{base_url}{path}")
                p.wait_for_load_state("load")
                p.wait_for_timeout(300)  # an onerror handler of a broken image would have fired by now
                assert p.evaluate("document.querySelectorAll('main script, main img[src=x]').length") == 0
            p.goto(f"{base_url}/invoices/{made.invoice_id}")
            shown = p.inner_text("main")
            for payload in (NAME, NOTE, LINE):
                assert payload in shown, payload
            assert dialogs == [], dialogs  # no alert(1) ran
    finally:
        screenshot_on_failure(p, request.node)
        context.close()
        made.store.close()
