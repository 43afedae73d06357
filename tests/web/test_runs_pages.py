"""The *Runs* pages and their reads.

The reads run over real runs of the samples on SQLite and PostgreSQL, with an ERP that fails the
first postings (a message carrying markup, then unreachable), and are checked against the store
read another way. The pages run over the demo world with one more run whose ERP fails the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from sqlalchemy import event, select

from connectors.base import Posting
from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.configuration.settings import LoadedConfig
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import Event
from robot.web.pages import runs as runs_pages
from robot.web.reads import runs as reads
from tests.conftest import ROOT, SAMPLES, sample_source
from tests.support.bulk import make_inbox
from tests.web.conftest import HTML, ClientAs

NOT_RUN_FAILURES = {"payment-failed"}
HOSTILE = "<script>alert('run')</script> & <b>bold</b>"


class HostileLedger(MemoryLedger):
    """Fails its first ``broken`` postings with :data:`HOSTILE` (a bug in the ERP client), then
    behaves as a :class:`MemoryLedger` (whose own ``fail_on`` counts from there)."""

    def __init__(self, broken: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.broken, self.calls = broken, 0

    def post(self, posting: Posting) -> str:
        self.calls += 1
        if self.calls <= self.broken:
            raise RuntimeError(HOSTILE)
        return super().post(posting)


def _robot(store: Store, source: MemorySource | None, ledger: MemoryLedger, base: Path = SAMPLES) -> Robot:
    master = MasterData.load(base / "customers.yaml", base / "vendors.yaml", base / "orders.yaml")
    return Robot(store, master, source=source, ledger=ledger, notifier=MemoryNotifier())


# --- reads ----------------------------------------------------------------------------------------


@pytest.fixture
def failed_run(store: Store) -> int:
    """A run over the samples whose first two postings fail with markup, the third ERP unreachable."""
    summary = _robot(store, sample_source(), HostileLedger(2, fail_on=(1,))).run(RunOptions())
    assert summary.status == "partial"
    return summary.run_id


def test_the_history_pages_by_run_id(store: Store) -> None:
    ids = [_robot(store, None, MemoryLedger()).run(RunOptions(trigger=t)).run_id for t in ("a", "b", "c")]
    first = reads.runs_page(store, limit=2)
    assert [r.id for r in first.runs] == ids[:0:-1] and first.next_before == ids[1]
    second = reads.runs_page(store, before=first.next_before, limit=2)
    assert [r.id for r in second.runs] == [ids[0]] and second.next_before is None
    stored = {r.id: r for r in store.recent_runs(10)}
    for line in first.runs + second.runs:
        run = stored[line.id]
        assert (line.status, line.trigger, line.counts, line.started_at) == (
            run.status,
            run.trigger,
            run.counts,
            run.started_at,
        )
        assert line.seconds == (run.finished_at - run.started_at).total_seconds()  # type: ignore[operator]


def test_a_runs_invoices_page_through_all_of_them(store: Store, failed_run: int) -> None:
    expected = store.invoices_of_run(failed_run)
    seen, after, pages = [], None, 0
    while True:
        page = reads.run_invoices(store, failed_run, after=after, limit=7)
        seen += page.invoices
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert [i.id for i in seen] == [r.id for r in expected] and pages == -(-len(expected) // 7)
    for line, row in zip(seen, expected, strict=True):
        assert (line.state, line.verdict, line.customer_id, line.payable) == (
            row.state,
            row.verdict,
            row.customer_id,
            row.payable,
        )
        assert ",".join(line.error_types) == (row.error_types or "")
    customer = expected[0].customer_id
    assert customer is not None
    mine = reads.run_invoices(store, failed_run, customer=customer, limit=1000).invoices
    assert [i.id for i in mine] == [r.id for r in expected if r.customer_id == customer]
    assert 0 < len(mine) < len(expected)


def test_a_runs_failures_are_its_failure_events_with_their_messages(store: Store, failed_run: int) -> None:
    with store.sessions() as s:
        events = list(s.scalars(select(Event).where(Event.run_id == failed_run).order_by(Event.id)))
    expected = [e for e in events if e.kind.endswith("-failed") or e.kind in reads.FAILURE_KINDS]
    assert [e.kind for e in expected].count("process-failed") == 2
    assert [e.kind for e in expected].count("erp-unreachable") == 1
    seen, after = [], None
    while True:
        page = reads.run_failures(store, failed_run, after=after, limit=1)
        assert page.total == len(expected)
        seen += page.failures
        if page.next_after is None:
            break
        after = page.next_after
    assert [(f.event_id, f.kind, f.invoice_id) for f in seen] == [
        (e.id, e.kind, e.invoice_id) for e in expected
    ]
    process = [f for f in seen if f.kind == "process-failed"]
    assert all(f.message == f"RuntimeError: {HOSTILE}" for f in process)
    [erp] = [f for f in seen if f.kind == "erp-unreachable"]
    assert "memory ledger unavailable" in erp.message
    # a customer's user sees the failures of that customer's invoices only
    customers = {r.id: r.customer_id for r in store.invoices_of_run(failed_run)}
    customer = customers[seen[0].invoice_id or 0]
    assert customer is not None
    mine = reads.run_failures(store, failed_run, customer=customer)
    assert [f.event_id for f in mine.failures] == [
        f.event_id for f in seen if customers.get(f.invoice_id or 0) == customer
    ]
    assert mine.total == len(mine.failures) > 0


def test_every_failure_event_the_robot_records_is_a_failure_kind() -> None:
    """Kinds written as literals (``"fetch-failed"``) and by ``step_failed(..., "process", ...)``."""
    kinds: set[str] = set()
    for path in (ROOT / "robot").rglob("*.py"):
        if "web" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'"([a-z]+(?:-[a-z]+)*-(?:failed|refused))"', text))
        kinds |= {
            f"{step}-failed" for step in re.findall(r'step_failed\(\s*[^,]+,\s*[^,]+,\s*"([a-z-]+)"', text)
        }
    assert "process-failed" in kinds and "fetch-failed" in kinds
    # the bank reporting a payment that bounced is where the invoice stands
    # (robot.processing.customer_state), not something that went wrong in a run
    kinds -= NOT_RUN_FAILURES
    assert kinds <= set(reads.FAILURE_KINDS), kinds - set(reads.FAILURE_KINDS)


def test_the_reads_are_bounded(store: Store, failed_run: int) -> None:
    """Every row-returning query of the run pages has a LIMIT (counts are aggregates)."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        reads.runs_page(store)
        reads.run_invoices(store, failed_run, customer="X")
        reads.run_failures(store, failed_run, customer="X")
        reads.run_failures(store, failed_run)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    selects = [s for s in statements if s.upper().startswith("SELECT")]
    assert len(selects) == 6
    assert all(" LIMIT " in s.upper() or s.upper().startswith("SELECT COUNT(") for s in selects), selects


# --- pages ----------------------------------------------------------------------------------------


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
