"""The *Overview* page over the demo world (one run over the samples, ``schedules.yaml`` with
morning 06:00 and afternoon 14:00, grace six hours), seen at 1 December 2026 15:30 in Copenhagen.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import time_machine
from sqlalchemy import select, update

from connectors.testing.fakes import MemoryLedger, MemoryNotifier
from robot.configuration.settings import LoadedConfig
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, Run
from tests.web.conftest import HTML, ClientAs

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 12, 1, 15, 30, tzinfo=CPH)


def _page(client: object, url: str = "/") -> lxml.html.HtmlElement:
    response = client.get(url, headers=HTML)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text[:500]
    return lxml.html.fromstring(response.text)


def _text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _scheduled_run(store: Store, config: LoadedConfig, started: datetime) -> int:
    """A real run started by schedule morning (nothing new to do), moved to ``started``."""
    cfg = config.cfg
    master = MasterData.load(config.base_dir / cfg.customers, config.base_dir / cfg.vendors, None)
    robot = Robot(store, master, source=None, ledger=MemoryLedger(), notifier=MemoryNotifier())
    run_id = robot.run(RunOptions(trigger="schedule:morning")).run_id
    with store.sessions.begin() as s:
        s.execute(update(Run).where(Run.id == run_id).values(started_at=started, finished_at=started))
    return run_id


def _rows(doc: lxml.html.HtmlElement, day: str) -> dict[str, lxml.html.HtmlElement]:
    return {
        tr.get("data-schedule"): tr for tr in doc.xpath(f'//table[@data-day="{day}"]//tr[@data-schedule]')
    }


def test_the_overview_shows_which_scheduled_runs_happened(
    client_as: ClientAs, web_store: Store, web_config: LoadedConfig
) -> None:
    run_id = _scheduled_run(web_store, web_config, datetime(2026, 11, 30, 6, 0, 30, tzinfo=CPH))
    status = web_store.get_run(run_id).status  # type: ignore[union-attr]
    assert status == "ok"
    with time_machine.travel(NOW, tick=False):
        doc = _page(client_as("viewer"))
    yesterday, today = _rows(doc, "2026-11-30"), _rows(doc, "2026-12-01")
    assert set(yesterday) == set(today) == {"morning", "afternoon"}
    # yesterday 06:00: run 30 s later, ok, on time; 14:00: nobody ran it
    assert yesterday["morning"].get("data-status") == "ok"
    assert yesterday["morning"].xpath(".//a/@href") == [f"/runs/{run_id}"]
    assert "ja" in _text(yesterday["morning"]).split()
    assert yesterday["afternoon"].get("data-status") == "missed" and "udeblevet" in _text(
        yesterday["afternoon"]
    )
    # today 06:00 is more than six hours ago without a run; 14:00 may still start (grace 6 h)
    assert today["morning"].get("data-status") == "missed"
    assert today["afternoon"].get("data-status") == "waiting" and "afventer" in _text(today["afternoon"])
    nxt = {tr.get("data-schedule"): _text(tr) for tr in doc.xpath('//tr[@class="next-fire"]')}
    assert "2026-12-02 06:00" in nxt["morning"] and "2026-12-02 14:00" in nxt["afternoon"]
    assert "1. december 2026" in _text(doc.xpath('//table[@data-day="2026-12-01"]/caption')[0])


def test_the_overview_in_english(client_as: ClientAs, web_store: Store, web_config: LoadedConfig) -> None:
    _scheduled_run(web_store, web_config, datetime(2026, 11, 30, 6, 0, 30, tzinfo=CPH))
    with time_machine.travel(NOW, tick=False):
        client = client_as("viewer")
        doc = _page(client, "/?lang=en")
        again = _page(client)  # the choice is kept (cookie)
        danish = _page(client, "/?lang=da")  # at the frozen time too: the session is idle otherwise
    for page in (doc, again):
        assert page.get("lang") == "en"
        assert _text(page.xpath("//h1")[0]) == "Overview"
        assert "missed" in _text(_rows(page, "2026-11-30")["afternoon"])
        assert "1 December 2026" in _text(page.xpath('//table[@data-day="2026-12-01"]/caption')[0])
    assert _text(danish.xpath("//h1")[0]) == "Overblik"


def test_the_last_run_hold_queue_and_notices_are_the_stores(client_as: ClientAs, web_store: Store) -> None:
    with time_machine.travel(NOW, tick=False):
        doc = _page(client_as("viewer"))
    [run] = web_store.recent_runs(1)
    last = doc.xpath('//section[@id="last-run"]')[0]
    assert last.xpath(".//a/@href")[0] == f"/runs/{run.id}"
    facts = dict(
        zip((_text(t) for t in last.xpath(".//dt")), (_text(d) for d in last.xpath(".//dd")), strict=True)
    )
    assert facts["Bogført"] == str(run.counts["posted"]) and run.counts["posted"] > 0
    assert facts["Returneret"] == str(run.counts["returned"])
    assert facts["Tilbageholdt"] == str(run.counts["held"])
    types = {_text(tr[0]): int(_text(tr[1])) for tr in last.xpath('.//table[@class="error-types"]/tbody/tr')}
    assert types == run.counts["error_types"] and types
    size, overdue = web_store.hold_queue_size(date(2026, 12, 1))
    assert _text(doc.xpath('//dd[contains(@class, "hold-size")]')[0]) == str(size) and size > 0
    assert _text(doc.xpath('//dd[contains(@class, "hold-overdue")]')[0]) == str(overdue)
    oldest = min(web_store.held(), key=lambda r: (r.received_at, r.id))
    assert doc.xpath('//dd[@class="hold-oldest"]/a/@href') == [f"/invoices/{oldest.id}"]
    assert _text(doc.xpath('//dd[@class="notices-pending"]')[0]) == "0"
    # the overdue holds are an open alert (the health check warns above 0)
    alerts = [_text(li) for li in doc.xpath('//ul[@class="alerts"]/li')]
    assert any(f"{overdue} overdue" in a and "advarsel" in a for a in alerts)


def test_a_customers_user_sees_its_own_hold_queue(client_as: ClientAs, web_store: Store) -> None:
    held = web_store.held()
    customer, count = Counter(r.customer_id for r in held if r.customer_id).most_common(1)[0]
    assert count < len(held)
    with time_machine.travel(NOW, tick=False):
        doc = _page(client_as("viewer", customer))
    assert _text(doc.xpath('//dd[contains(@class, "hold-size")]')[0]) == str(count)
    assert doc.xpath('//ul[@class="alerts"]') == []


def test_a_run_going_on_shows_its_progress_and_refreshes(client_as: ClientAs, web_store: Store) -> None:
    with time_machine.travel(NOW, tick=False):
        client = client_as("viewer")
        idle = _page(client).xpath('//section[@id="live"]')[0]
        assert idle.get("data-refresh-seconds") == "30" and "Ingen kørsel er i gang" in _text(idle)
        run_id = web_store.start_run("schedule:afternoon")
        with web_store.sessions.begin() as s:  # three invoices decided by it so far
            ids = list(s.scalars(select(InvoiceRow.id).where(InvoiceRow.state == "posted").limit(3)))
            s.execute(update(InvoiceRow).where(InvoiceRow.id.in_(ids)).values(last_run_id=run_id))
        live = _page(client).xpath('//section[@id="live"]')[0]
        assert live.get("data-refresh-seconds") == "5"
        url = live.get("data-refresh-url")
        assert url == f"/overview/live?lang=da&watch={run_id}"
        assert "3 fakturaer behandlet" in _text(live)
        assert live.xpath(".//progress/@value") == ["3"]
        partial = client.get(url, headers=HTML)
        assert partial.status_code == 200 and "<html" not in partial.text  # a fragment, not a page
        assert "3 fakturaer behandlet" in partial.text and f'href="/runs/{run_id}"' in partial.text
        web_store.finish_run(run_id, "ok", {"posted": 3})
        ended = client.get(url, headers=HTML).text
        assert "er slut" in ended and "status-ok" in ended and "behandlet" not in ended
        assert "has ended" in client.get(f"/overview/live?lang=en&watch={run_id}", headers=HTML).text


@pytest.mark.parametrize("url", ["/", "/overview/live"])
def test_the_overview_needs_a_session(anon: object, url: str) -> None:
    page = anon.get(url, headers=HTML, follow_redirects=False)  # type: ignore[attr-defined]
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert anon.get(url, follow_redirects=False).status_code == 401  # type: ignore[attr-defined]


def test_no_inline_script_or_style(client_as: ClientAs) -> None:
    with time_machine.travel(NOW, tick=False):
        client = client_as("viewer")
        doc = _page(client)
    assert all(s.get("src") for s in doc.xpath("//script"))
    assert doc.xpath("//style | //*[@style]") == []
    assert not [a for el in doc.iter() for a in el.attrib if a.startswith("on")]
