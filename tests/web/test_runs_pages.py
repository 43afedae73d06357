"""The *Runs* pages over the demo world with one more run whose ERP fails its postings with markup.
Their reads: tests/web/test_reads_runs.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from connectors.testing.fakes import MemoryLedger, MemorySource
from robot.configuration.settings import LoadedConfig
from robot.running.run import RunOptions
from robot.store.repo import Store
from robot.web.pages import runs as runs_pages
from tests.support.bulk import make_inbox
from tests.web.conftest import HTML, ClientAs
from tests.web.runs_world import HOSTILE, HostileLedger
from tests.web.runs_world import robot_of as _robot


@pytest.fixture
def page_run(web_store: Store, web_config: LoadedConfig, tmp_path: Path) -> int:
    """A run in the demo world over three new clean invoices whose postings all fail with markup."""
    inbox = tmp_path / "new"
    make_inbox(inbox, 3, start=1000)
    source = MemorySource()
    for path in sorted(inbox.glob("*.xml")):
        meta = inbox / (path.name + ".meta.json")
        source.add(path.name, path.read_bytes(), json.loads(meta.read_text()) if meta.exists() else {})
    robot = _robot(web_store, source, HostileLedger(3), web_config.base_dir)
    summary = robot.run(RunOptions(trigger="schedule:morning"))
    assert summary.status == "partial" and summary.counts["failures"] == 3
    return summary.run_id


def _doc(client: Any, url: str) -> lxml.html.HtmlElement:
    response = client.get(url, headers=HTML)
    assert response.status_code == 200, response.text[:500]
    return lxml.html.fromstring(response.text)


def _text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def test_the_runs_page_lists_the_history(client_as: ClientAs, web_store: Store, page_run: int) -> None:
    doc = _doc(client_as("viewer"), "/runs")
    rows = doc.xpath('//table[@class="runs"]/tbody/tr')
    stored = web_store.recent_runs(10)
    assert [r.xpath("./td[1]/a/@href")[0] for r in rows] == [f"/runs/{r.id}" for r in stored]
    newest = [_text(td) for td in rows[0].xpath("./td")]
    assert newest[4] == "delvis" and newest[3] == "plan morning"
    demo = stored[1]
    assert [_text(td) for td in rows[1].xpath("./td")][5:9] == [
        str(demo.counts[k]) for k in ("posted", "returned", "held", "pending")
    ]
    english = _doc(client_as("viewer"), "/runs?lang=en")
    assert [_text(td) for td in english.xpath('//table[@class="runs"]/tbody/tr[1]/td')][3:5] == [
        "schedule morning",
        "partial",
    ]


def test_the_runs_page_pages_by_id(
    client_as: ClientAs, web_store: Store, page_run: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        _robot(web_store, None, MemoryLedger()).run(RunOptions(trigger="manual"))
    monkeypatch.setattr(runs_pages, "RUNS", 2)
    client = client_as("viewer")
    seen, url = [], "/runs"
    while url:
        doc = _doc(client, url)
        seen += [int(a) for a in doc.xpath('//table[@class="runs"]/tbody/tr/td[1]/a/text()')]
        older = doc.xpath('//nav[@class="pager"]/a[@rel="next"]/@href')
        url = older[0] if older else ""
    assert seen == [r.id for r in web_store.recent_runs(100)] and len(seen) == 5


def test_a_runs_page_lists_its_invoices_and_failures_literally(
    client_as: ClientAs, web_store: Store, page_run: int
) -> None:
    response = client_as("viewer").get(f"/runs/{page_run}", headers=HTML)
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<b>bold</b>" not in response.text
    assert "&lt;script&gt;alert(&#39;run&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in response.text
    doc = lxml.html.fromstring(response.text)
    invoices = [r.id for r in web_store.invoices_of_run(page_run)]
    assert len(invoices) == 3
    links = doc.xpath('//table[@class="invoices"]/tbody/tr/td[1]/a/@href')
    assert links == [f"/invoices/{i}" for i in invoices]
    failures = doc.xpath('//table[@class="failures"]/tbody/tr')
    assert len(failures) == 3
    for tr, invoice_id in zip(failures, invoices, strict=True):
        cells = [_text(td) for td in tr.xpath("./td")]
        assert cells[1] == "Behandlingen fejlede" and cells[2] == str(invoice_id)
        assert cells[3] == f"RuntimeError: {HOSTILE}"  # the text as recorded, shown as text
    assert HOSTILE in _text(doc.xpath('//pre[@class="problems"]')[0])
    english = _doc(client_as("viewer"), f"/runs/{page_run}?lang=en")
    assert _text(english.xpath('//table[@class="failures"]/tbody/tr[1]/td[2]')[0]) == "Processing failed"
    assert _text(english.xpath("//h1")[0]) == f"Run {page_run} partial"


def test_a_runs_invoices_and_failures_page_by_key(
    client_as: ClientAs, web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    [demo] = web_store.recent_runs(1)
    monkeypatch.setattr(runs_pages, "INVOICES", 10)
    client = client_as("viewer")
    seen, url = [], f"/runs/{demo.id}"
    while url:
        doc = _doc(client, url)
        seen += [int(a) for a in doc.xpath('//table[@class="invoices"]/tbody/tr/td[1]/a/text()')]
        more = doc.xpath('//nav[@class="pager"]/a[@rel="next"]/@href')
        url = more[0].split("#")[0] if more else ""
    assert seen == [r.id for r in web_store.invoices_of_run(demo.id)] and len(seen) > 20


def test_a_runs_failures_page_by_key(
    client_as: ClientAs, page_run: int, monkeypatch: pytest.MonkeyPatch, web_store: Store
) -> None:
    monkeypatch.setattr(runs_pages, "FAILURES", 2)
    client = client_as("viewer")
    first = _doc(client, f"/runs/{page_run}")
    assert len(first.xpath('//table[@class="failures"]/tbody/tr')) == 2
    [more] = [a for a in first.xpath('//nav[@class="pager"]/a[@rel="next"]/@href') if "failures_after" in a]
    second = _doc(client, more.split("#")[0])
    rest = [_text(td) for td in second.xpath('//table[@class="failures"]/tbody/tr/td[3]')]
    assert rest == [str(web_store.invoices_of_run(page_run)[-1].id)]


def test_a_customers_user_sees_only_its_invoices_and_their_failures(
    client_as: ClientAs, web_store: Store, page_run: int
) -> None:
    rows = web_store.invoices_of_run(page_run)
    mine = rows[0].customer_id
    assert mine is not None
    doc = _doc(client_as("viewer", mine), f"/runs/{page_run}")
    shown = [int(a) for a in doc.xpath('//table[@class="invoices"]/tbody/tr/td[1]/a/text()')]
    assert shown == [r.id for r in rows if r.customer_id == mine] and 0 < len(shown) < len(rows)
    failed = [_text(td) for td in doc.xpath('//table[@class="failures"]/tbody/tr/td[3]')]
    assert failed == [str(r.id) for r in rows if r.customer_id == mine]
    assert doc.xpath('//pre[@class="problems"]') == []  # the run's problems name every customer's invoices
    other = _doc(client_as("viewer", "NO-SUCH-CUSTOMER"), f"/runs/{page_run}")
    assert other.xpath('//table[@class="invoices"]') == [] and other.xpath('//table[@class="failures"]') == []


@pytest.mark.parametrize(
    "url", ["/runs/999999", "/runs/0", "/runs/x", "/runs?before=-1", "/runs/1?after=abc"]
)
def test_unknown_runs_and_bad_keys_are_refused(client_as: ClientAs, url: str) -> None:
    status = client_as("viewer").get(url, headers=HTML).status_code
    assert status in (404, 422)


@pytest.mark.parametrize("url", ["/runs", "/runs/1"])
def test_the_runs_pages_need_a_session(anon: Any, url: str) -> None:
    assert anon.get(url, headers=HTML, follow_redirects=False).status_code == 303
    assert anon.get(url, follow_redirects=False).status_code == 401
