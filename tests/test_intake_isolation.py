"""End to end (issue 9 points 4, 6 and 10): bad intake items are recorded and never block the rest.

One robot run over an inbox (folder source) or a purchase system (purchase-api source, served on
127.0.0.1) with 20 clean invoices and hostile items: all 20 clean ones are posted in the first run,
each bad item is held with its intake problem or recorded as ``intake-failed``, and later runs go
on just the same.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
import yaml
from sqlalchemy import select

from robot.configuration.wiring import build_robot
from robot.running.run import RunOptions
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, InvoiceState
from tests.support.bulk import make_inbox, write_config
from tests.support.servers import serve

SECRET = "SECRET-SALARY-LIST"
TOKEN = "intake-test-token"


def _rows(store: Store) -> dict[str, InvoiceRow]:
    with store.sessions() as s:
        return {r.source_ref: r for r in s.scalars(select(InvoiceRow))}


def _events(store: Store, kind: str, run_id: int | None = None) -> list[dict[str, Any]]:
    with store.sessions() as s:
        query = select(Event).where(Event.kind == kind)
        if run_id is not None:
            query = query.where(Event.run_id == run_id)
        return [e.detail for e in s.scalars(query)]


def _everything_stored(store: Store) -> str:
    """Every text the robot stored about invoices and runs (to show what it never read)."""
    with store.sessions() as s:
        events = [json.dumps(e.detail) for e in s.scalars(select(Event))]
        rows = [f"{r.read_error} {r.source_meta}" for r in s.scalars(select(InvoiceRow))]
    return "\n".join(events + rows)


# --- folder source ------------------------------------------------------------------------------


@pytest.fixture()
def hostile_inbox(tmp_path: Path) -> dict[str, Any]:
    inbox = tmp_path / "inbox"
    make_inbox(inbox, 25)  # 000000-… to 000024-…: the first five get bad sidecars below
    names = sorted(p.name for p in inbox.iterdir() if p.suffix == ".xml")
    bad_sidecars = {
        names[0]: b"\xef\xbb\xbf{",  # a BOM, then broken JSON
        names[1]: b'["customer", "UNI-KBH"]',  # a list
        names[2]: b'{"customer": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",  # deep nesting
        names[3]: b'{"customer": "\xff"}',  # not UTF-8
        names[4]: b'{"customer": 17}',  # not a string
    }
    for name, raw in bad_sidecars.items():
        (inbox / f"{name}.meta.json").write_bytes(raw)
    clean = names[5:]
    # names that sort before every clean invoice, so on the old code each blocked all of them
    long_name = "00000-" + "l" * 236 + ".xml"  # 246 characters: its sidecar name is too long
    os.replace(inbox / names[6], inbox / long_name)
    os.replace(inbox / f"{names[6]}.meta.json", inbox / ".keep-meta.json")
    clean.remove(names[6])
    spare = tmp_path / "spare"
    make_inbox(spare, 1, start=500)
    (only,) = [p for p in spare.iterdir() if p.suffix == ".xml"]
    shutil.move(only, inbox / only.name)
    shutil.move(spare / f"{only.name}.meta.json", inbox / f"{only.name}.meta.json")
    clean.append(only.name)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(f"%PDF-1.4 {SECRET}".encode())
    (inbox / "00000-outside.pdf").symlink_to(outside / "secret.pdf")
    (inbox / "00000-hostname.xml").symlink_to("/etc/hostname")
    (inbox / "00000-evil\r\n.xml").write_bytes(b"<Invoice/>")
    (inbox / "00000-copying.xml.part").write_bytes(b"<Invoice>half")
    with (inbox / "00000-huge.pdf").open("wb") as fh:  # sparse: stat says 60 MB, no disk used
        fh.truncate(60 * 1024 * 1024)
    return {
        "cfg": write_config(tmp_path),
        "inbox": inbox,
        "clean": sorted(clean),
        "bad_sidecars": sorted(bad_sidecars),
        "long_name": long_name,
    }


@pytest.mark.timeout(120)
def test_folder_bad_items_never_block_the_clean_invoices(hostile_inbox: dict[str, Any]) -> None:
    inbox, clean = hostile_inbox["inbox"], hostile_inbox["clean"]
    assert len(clean) == 20
    robot, _ = build_robot(hostile_inbox["cfg"])
    try:
        first = robot.run(RunOptions(trigger="test"))
        rows = _rows(robot.store)
        assert {ref: rows[ref].state for ref in clean} == dict.fromkeys(clean, InvoiceState.POSTED)
        # each bad sidecar, the long name and the oversize file: stored, held with the reason
        expected = {
            hostile_inbox["bad_sidecars"][0]: "not valid JSON at line 1 column 2",
            hostile_inbox["bad_sidecars"][1]: "a JSON array, not an object",
            hostile_inbox["bad_sidecars"][2]: "nested too deeply",
            hostile_inbox["bad_sidecars"][3]: "not UTF-8 text",
            hostile_inbox["bad_sidecars"][4]: "customer is a JSON number, not a string",
            hostile_inbox["long_name"]: "too long for a sidecar",
            "00000-huge.pdf": "file is 60 MB; the limit is 50 MB",
        }
        for ref, reason in expected.items():
            assert rows[ref].state == InvoiceState.HELD, (ref, rows[ref].state)
            assert reason in (rows[ref].read_error or ""), (ref, rows[ref].read_error)
        assert set(rows) == set(clean) | set(expected)  # the symlinks and the odd name: not stored
        failed = {e["source_ref"]: e["reason"] for e in _events(robot.store, "intake-failed")}
        assert sorted(failed) == ["00000-evil\\r\\n.xml", "00000-hostname.xml", "00000-outside.pdf"]
        assert "symbolic link; not read" in failed["00000-outside.pdf"]
        assert any("00000-outside.pdf: is a symbolic link" in p for p in first.problems)
        assert SECRET not in _everything_stored(robot.store)
        assert (inbox / "00000-outside.pdf").is_symlink()  # left where it is, for a person
        assert (inbox / "00000-copying.xml.part").exists()  # still being written: not touched
        # later runs: new invoices go through; the bad items are reported again, and block nothing
        make_inbox(inbox, 3, start=900)
        second = robot.run(RunOptions(trigger="test"))
        rows = _rows(robot.store)
        posted = [ref for ref, row in rows.items() if row.state == InvoiceState.POSTED]
        assert len(posted) == 23
        assert len(_events(robot.store, "intake-failed", second.run_id)) == 3
        assert robot.store.count_by_state().get(InvoiceState.HELD) == len(expected)
    finally:
        robot.close()


# --- purchase-api source ------------------------------------------------------------------------


class HostilePurchaseSystem:
    """An ASGI purchase system with hostile items; routes by the raw (still escaped) path."""

    def __init__(self, documents: dict[str, tuple[Any, bytes, dict[str, str]]], *, endless: bool = False):
        self.documents = documents  # id -> (filename, bytes, metadata)
        self.failing = {"always-500"}
        self.endless = endless
        self.paths: list[str] = []
        self.fetched: set[str] = set()
        self.outcomes: dict[str, Any] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        raw = scope["raw_path"].decode("ascii")
        self.paths.append(raw)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, payload, content_type = self._answer(scope["method"], raw, scope["query_string"], body)
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _answer(self, method: str, raw: str, query: bytes, body: bytes) -> tuple[int, bytes, str]:
        parts = raw.split("/")
        if raw == "/api/v1/invoices":
            page = int(parse_qs(query.decode())["page"][0])
            if self.endless:  # next_page never ends
                return self._json({"items": [], "page": page, "next_page": page + 1})
            items = [
                {"id": i, "filename": f, "size": len(c), **m}
                for i, (f, c, m) in self.documents.items()
                if i not in self.fetched and i not in self.outcomes
            ]
            return self._json({"items": items, "page": 1, "next_page": None})
        if len(parts) != 6 or parts[:4] != ["", "api", "v1", "invoices"]:
            return 404, b'{"detail": "not a route"}', "application/json"
        invoice_id, action = unquote(parts[4]), parts[5]
        if invoice_id not in self.documents:
            return 404, b'{"detail": "no invoice"}', "application/json"
        if invoice_id in self.failing:
            return 500, b"internal error", "text/plain"
        if action == "document" and method == "GET":
            return 200, self.documents[invoice_id][1], "application/xml"
        if action == "fetched" and method == "POST":
            self.fetched.add(invoice_id)
            return self._json({})
        if action == "outcome" and method == "POST":
            self.outcomes[invoice_id] = json.loads(body)
            return self._json({})
        return 404, b'{"detail": "not a route"}', "application/json"

    @staticmethod
    def _json(value: Any) -> tuple[int, bytes, str]:
        return 200, json.dumps(value).encode(), "application/json"


def _clean_documents(tmp_path: Path, count: int) -> dict[str, tuple[Any, bytes, dict[str, str]]]:
    folder = tmp_path / "clean"
    make_inbox(folder, count)
    docs: dict[str, tuple[Any, bytes, dict[str, str]]] = {}
    for path in sorted(folder.glob("*.xml")):
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        docs[path.stem] = (path.name, path.read_bytes(), meta)
    return docs


def _purchase_config(tmp_path: Path, base_url: str, **settings: Any) -> Path:
    cfg = write_config(tmp_path)
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["source"] = {
        "kind": "purchase-api",
        "base_url": base_url,
        "token_env": "FR_INTAKE_TEST_TOKEN",
        "max_attempts": 2,
        "backoff_base_seconds": 0.01,
        **settings,
    }
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    return cfg


@pytest.fixture()
def token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FR_INTAKE_TEST_TOKEN", TOKEN)
    yield


@pytest.mark.timeout(120)
def test_purchase_api_bad_items_never_block_the_clean_invoices(tmp_path: Path, token: None) -> None:
    documents = _clean_documents(tmp_path, 22)
    (first_id, clean_bytes) = next((i, d[1]) for i, d in documents.items())
    # hostile items, listed before the clean ones
    hostile = {
        "../../../admin/x": ("escape.xml", documents.pop(first_id)[1], {"customer": "UNI-KBH"}),
        "a?b": ("question.xml", documents.pop(next(iter(documents)))[1], {}),
        "crlf\r\nid": ("crlf.xml", clean_bytes, {}),
        "null-filename": (None, b"<Invoice/>", {}),
        "always-500": ("broken.xml", b"<Invoice/>", {}),
    }
    system = HostilePurchaseSystem({**hostile, **documents})
    with serve(system) as url:
        robot, _ = build_robot(_purchase_config(tmp_path, url))
        try:
            started = time.monotonic()
            first = robot.run(RunOptions(trigger="test"))
            assert time.monotonic() - started < 60
            rows = _rows(robot.store)
            clean = sorted(documents)
            assert len(clean) == 20
            assert {ref: rows[ref].state for ref in clean} == dict.fromkeys(clean, InvoiceState.POSTED)
            # the escaping ids were taken over (and their documents fetched under their own names)
            assert rows["../../../admin/x"].state == InvoiceState.POSTED
            assert rows["a?b"].state == InvoiceState.POSTED
            assert "gives no filename" in (rows["null-filename"].read_error or "")
            assert rows["null-filename"].state == InvoiceState.HELD
            failed = {e["source_ref"]: e["reason"] for e in _events(robot.store, "intake-failed")}
            assert sorted(failed) == ["always-500", "crlf\\r\\nid"]
            assert "gave up after 2 attempts" in failed["always-500"]
            assert "control characters" in failed["crlf\\r\\nid"]
            assert any("always-500" in p for p in first.problems)
            # every request stayed under /api/v1/invoices; the ids travelled escaped
            assert all(p.startswith("/api/v1/invoices") for p in system.paths), system.paths
            assert "/api/v1/invoices/..%2F..%2F..%2Fadmin%2Fx/outcome" in system.paths
            assert "/api/v1/invoices/a%3Fb/fetched" in system.paths
            assert system.outcomes["../../../admin/x"]["outcome"] == "transferred"
            second = robot.run(RunOptions(trigger="test"))
            assert len(_events(robot.store, "intake-failed", second.run_id)) == 2
            assert robot.store.count_by_state().get(InvoiceState.POSTED) == 22
        finally:
            robot.close()


@pytest.mark.timeout(60)
def test_purchase_api_endless_paging_run_finishes(tmp_path: Path, token: None) -> None:
    """Issue 9.6: a server whose next_page never ends got 62,944 list requests; the run never ended."""
    system = HostilePurchaseSystem({}, endless=True)
    with serve(system) as url:
        robot, _ = build_robot(_purchase_config(tmp_path, url, max_pages=40, max_list_seconds=20))
        try:
            started = time.monotonic()
            summary = robot.run(RunOptions(trigger="test"))
            assert time.monotonic() - started < 10
        finally:
            robot.close()
    assert len(system.paths) == 40
    assert any("paging stopped after 40 pages (max_pages)" in p for p in summary.problems)
    assert summary.status == "partial"
