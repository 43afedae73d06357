"""PurchaseApiSource against the purchase-system sandbox over real HTTP on 127.0.0.1,
and the sandbox against its OpenAPI contract (every response validated with jsonschema)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from connectors.base import INTAKE_PROBLEM, IncomingDocument, IntakeFailure, Source
from connectors.http_retry import RetryPolicy
from connectors.openapi import load_purchase_spec
from connectors.purchase_api import PurchaseApiSource, Settings, outcome_body
from connectors.testing.purchase_sandbox import create_app
from robot.errors import BusinessError, ConfigError, ConnectorError, TransientError
from tests.support.servers import serve

TOKEN = "sandbox-secret"
SPEC = load_purchase_spec()
REGISTRY: Registry[Any] = Registry().with_resource(
    "urn:purchase-spec", Resource.from_contents(SPEC, default_specification=DRAFT202012)
)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_contract(method: str, template: str, response: httpx.Response) -> None:
    """The response's status is documented for the operation and its JSON body fits the schema."""
    operation = SPEC["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template}: {status} is not in the contract"
    documented = operation["responses"][status]
    pointer = ["paths", template, method.lower(), "responses", status]
    if "$ref" in documented:
        name = documented["$ref"].rsplit("/", 1)[1]
        documented = SPEC["components"]["responses"][name]
        pointer = ["components", "responses", name]
    content_type = response.headers["content-type"].split(";")[0]
    assert content_type in documented["content"], f"{method} {template}: {content_type} not documented"
    for header, spec in documented.get("headers", {}).items():
        assert header in response.headers, f"{method} {template}: header {header} missing"
        if "pattern" in spec["schema"]:
            assert re.match(spec["schema"]["pattern"], response.headers[header])
    if content_type == "application/json":
        ref = "urn:purchase-spec#/" + _pointer(*pointer, "content", content_type, "schema")
        Draft202012Validator({"$ref": ref}, registry=REGISTRY).validate(response.json())


def write_inbox(folder: Path, count: int) -> dict[str, bytes]:
    docs = {}
    for i in range(count):
        name = f"inv-{i:03d}.xml" if i % 3 else f"scan {i:03d}.pdf"
        content = (
            f"<Invoice><ID>{i}</ID></Invoice>".encode()
            if name.endswith(".xml")
            else b"%PDF-1.4 " + bytes([i])
        )
        (folder / name).write_bytes(content)
        meta = {"customer": f"CUST-{i % 2}", "approver": "ABC", "remark": "TIL SAM" if i == 1 else None}
        if i != 4:  # one document without a sidecar
            meta["account"] = f"4000.{i}"
            (folder / f"{name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
        docs[name] = content
    return docs


@pytest.fixture()
def inbox(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    return tmp_path, write_inbox(tmp_path, 7)


@pytest.fixture()
def base_url(inbox: tuple[Path, dict[str, bytes]]) -> Iterator[str]:
    with serve(create_app(inbox[0], TOKEN)) as url:
        yield url


@pytest.fixture()
def source(base_url: str) -> Iterator[PurchaseApiSource]:
    src = PurchaseApiSource(base_url, TOKEN, page_size=3, retry=RetryPolicy(3, 0.01))
    yield src
    src.close()


def _docs(items: Iterator[IncomingDocument | IntakeFailure]) -> list[IncomingDocument]:
    """The documents fetched; the sandbox's invoices are all plain, so nothing else is expected."""
    got = list(items)
    assert all(isinstance(d, IncomingDocument) for d in got), got
    return [d for d in got if isinstance(d, IncomingDocument)]


def api(base_url: str, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=5)


def test_source_protocol(source: PurchaseApiSource) -> None:
    assert isinstance(source, Source)
    assert source.name == "purchase-api"


def test_fetch_pages_through_all_ready_invoices(
    source: PurchaseApiSource, inbox: tuple[Path, dict[str, bytes]]
) -> None:
    docs = _docs(source.fetch())
    by_name = {d.filename: d for d in docs}
    assert sorted(by_name) == sorted(inbox[1])  # 7 documents over 3 pages of 3
    for name, content in inbox[1].items():
        assert by_name[name].content == content
    assert by_name["scan 000.pdf"].source_ref == "scan_000.pdf"
    assert by_name["inv-001.xml"].metadata["remark"] == "TIL SAM"
    assert by_name["inv-001.xml"].metadata["customer"] == "CUST-1"
    assert by_name["inv-002.xml"].metadata["account"] == "4000.2"
    assert "account" not in by_name["inv-004.xml"].metadata  # no sidecar: no metadata
    assert "remark" not in by_name["inv-002.xml"].metadata  # null is left out
    datetime.fromisoformat(by_name["inv-002.xml"].metadata["received_at"])
    # fetching again before acknowledge() repeats them
    assert len(list(source.fetch())) == 7


def test_paging_and_auth_follow_the_contract(base_url: str) -> None:
    with api(base_url) as client:
        pages = []
        page: int | None = 1
        while page is not None:
            response = client.get("/api/v1/invoices", params={"page": page, "page_size": 3})
            check_contract("GET", "/api/v1/invoices", response)
            pages.append(response.json())
            page = response.json()["next_page"]
        assert [len(p["items"]) for p in pages] == [3, 3, 1]
        assert all(p["total"] == 7 for p in pages)
        ids = [i["id"] for p in pages for i in p["items"]]
        assert ids == sorted(ids) and len(set(ids)) == 7
        bad = client.get("/api/v1/invoices", params={"page": 0})
        check_contract("GET", "/api/v1/invoices", bad)
        assert bad.status_code == 422 and "page" in bad.json()["detail"]
        one = client.get("/api/v1/invoices/inv-001.xml")
        check_contract("GET", "/api/v1/invoices/{invoice_id}", one)
        document = client.get("/api/v1/invoices/inv-001.xml/document")
        check_contract("GET", "/api/v1/invoices/{invoice_id}/document", document)
        assert document.headers["x-content-sha256"] == hashlib.sha256(document.content).hexdigest()
        missing = client.get("/api/v1/invoices/nope.xml/document")
        check_contract("GET", "/api/v1/invoices/{invoice_id}/document", missing)
        assert missing.status_code == 404
    for token in (None, "wrong"):
        with api(base_url, token) as client:
            for template, path in [
                ("/api/v1/invoices", "/api/v1/invoices"),
                ("/api/v1/invoices/{invoice_id}/document", "/api/v1/invoices/inv-001.xml/document"),
            ]:
                response = client.get(path)
                assert response.status_code == 401
                check_contract("GET", template, response)


def test_client_with_wrong_token_fails_clearly(base_url: str) -> None:
    source = PurchaseApiSource(base_url, "wrong", retry=RetryPolicy(2, 0.01))
    with pytest.raises(ConnectorError, match="401"):
        list(source.fetch())
    source.close()


def test_acknowledge_marks_fetched_but_keeps_ready(source: PurchaseApiSource, base_url: str) -> None:
    docs = _docs(source.fetch())
    source.acknowledge(docs[0])
    source.acknowledge(docs[0])  # idempotent
    assert len(list(source.fetch())) == 6
    with api(base_url) as client:
        response = client.post(f"/api/v1/invoices/{docs[0].source_ref}/fetched")
        check_contract("POST", "/api/v1/invoices/{invoice_id}/fetched", response)
        assert response.json()["status"] == "ready" and response.json()["fetched_at"]
    everything = PurchaseApiSource(base_url, TOKEN, skip_fetched=False)
    assert len(list(everything.fetch())) == 7
    everything.close()


def test_outcome_write_back(
    source: PurchaseApiSource, base_url: str, inbox: tuple[Path, dict[str, bytes]]
) -> None:
    source.report_outcome("inv-001.xml", "transferred", {"erp_document_number": "108001"})
    source.report_outcome("inv-001.xml", "transferred", {"erp_document_number": "108001"})  # idempotent
    response_xml = "<ApplicationResponse>RE</ApplicationResponse>"
    reasons = json.dumps([{"code": "REF", "text": "Ordrenummer mangler / order number missing"}])
    source.report_outcome("inv-002.xml", "returned", {"reasons": reasons, "invoice_response": response_xml})
    with pytest.raises(BusinessError, match="already has outcome 'transferred'"):
        source.report_outcome("inv-001.xml", "returned", {"reason_code": "OTH", "reason": "x"})
    with pytest.raises(BusinessError, match="no invoice"):
        source.report_outcome("nope.xml", "transferred", {"erp_document_number": "1"})
    assert {d.source_ref for d in source.fetch()} == {
        "scan_000.pdf",
        "scan_003.pdf",
        "inv-004.xml",
        "inv-005.xml",
        "scan_006.pdf",
    }
    with api(base_url) as client:
        stored = client.get("/api/v1/invoices/inv-002.xml/outcome")
        check_contract("GET", "/api/v1/invoices/{invoice_id}/outcome", stored)
        assert stored.json()["reasons"][0]["code"] == "REF"
        assert base64.b64decode(stored.json()["invoice_response"]).decode() == response_xml
        transferred = client.get("/api/v1/invoices", params={"status": "transferred"})
        assert [i["id"] for i in transferred.json()["items"]] == ["inv-001.xml"]
        conflict = client.post(
            "/api/v1/invoices/inv-001.xml/outcome", json={"outcome": "returned", "reasons": []}
        )
        check_contract("POST", "/api/v1/invoices/{invoice_id}/outcome", conflict)
        assert conflict.status_code == 422  # reasons must not be empty
        ok = client.post(
            "/api/v1/invoices/inv-001.xml/outcome",
            json={"outcome": "transferred", "erp_document_number": "108001"},
        )
        check_contract("POST", "/api/v1/invoices/{invoice_id}/outcome", ok)
        no_outcome = client.get("/api/v1/invoices/inv-004.xml/outcome")
        check_contract("GET", "/api/v1/invoices/{invoice_id}/outcome", no_outcome)
        assert no_outcome.status_code == 404
    # outcomes survive a restart of the sandbox (folder/.outcomes.json)
    saved = json.loads((inbox[0] / ".outcomes.json").read_text(encoding="utf-8"))
    assert saved["outcomes"]["inv-001.xml"]["erp_document_number"] == "108001"
    with serve(create_app(inbox[0], TOKEN)) as again:
        src = PurchaseApiSource(again, TOKEN)
        assert len(list(src.fetch())) == 5
        src.close()


def test_every_contract_operation_is_served(inbox: tuple[Path, dict[str, bytes]]) -> None:
    app = create_app(inbox[0], TOKEN)
    served = {
        (method.lower(), route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/")
        for method in route.methods
    }
    documented = {
        (method, path) for path, ops in SPEC["paths"].items() for method in ops if method != "parameters"
    }
    assert served == documented


def test_outcome_body_mapping() -> None:
    assert outcome_body("returned", {"reason_code": "REF", "reason": "BT-13 mangler"}) == {
        "outcome": "returned",
        "reasons": [{"code": "REF", "text": "BT-13 mangler"}],
    }
    with pytest.raises(ValueError, match="erp_document_number"):
        outcome_body("transferred", {})
    with pytest.raises(ValueError, match="unknown outcome 'held'"):
        outcome_body("held", {})


def test_transient_failures_are_retried_then_reported() -> None:
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) <= 2:
            return httpx.Response(503, headers={"Retry-After": "0"}, text="busy")
        return httpx.Response(
            200, json={"items": [], "page": 1, "page_size": 50, "total": 0, "next_page": None}
        )

    src = PurchaseApiSource(
        "http://purchase.test", TOKEN, retry=RetryPolicy(3, 0.01), transport=httpx.MockTransport(flaky)
    )
    assert list(src.fetch()) == []
    assert len(calls) == 3
    down = PurchaseApiSource(
        "http://purchase.test",
        TOKEN,
        retry=RetryPolicy(2, 0.01),
        transport=httpx.MockTransport(lambda r: httpx.Response(502)),
    )
    with pytest.raises(TransientError, match="gave up after 2 attempts"):
        list(down.fetch())


def test_settings_and_token_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"base_url": "http://127.0.0.1:1", "token_env": "FR_TEST_PURCHASE_TOKEN"}
    )
    monkeypatch.delenv("FR_TEST_PURCHASE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="FR_TEST_PURCHASE_TOKEN"):
        PurchaseApiSource.from_settings(settings, tmp_path)
    monkeypatch.setenv("FR_TEST_PURCHASE_TOKEN", "t")
    PurchaseApiSource.from_settings(settings, tmp_path).close()
    with pytest.raises(ValueError, match="token"):
        Settings.model_validate({"base_url": "x", "token": "secret-in-file"})


# --- hostile purchase systems (issue 9 points 4 and 6) ------------------------------------------


def _item(invoice_id: object, **extra: Any) -> dict[str, Any]:
    return {"id": invoice_id, "filename": f"{invoice_id}.xml", "customer": "CUST-1", **extra}


class FakePurchaseSystem:
    """An httpx.MockTransport handler: one page of ``items``, documents by id, every request kept."""

    def __init__(self, items: list[dict[str, Any]], *, failing: frozenset[str] = frozenset()) -> None:
        self.items = items
        self.failing = failing
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        raw = request.url.raw_path.split(b"?")[0].decode("ascii")
        parts = raw.split("/")
        if raw == "/api/v1/invoices":
            return httpx.Response(200, json={"items": self.items, "page": 1, "next_page": None})
        if len(parts) == 6 and parts[:4] == ["", "api", "v1", "invoices"]:
            invoice_id = unquote(parts[4])
            if invoice_id in self.failing:
                return httpx.Response(500, text="boom")
            if parts[5] == "document":
                return httpx.Response(200, content=f"<Invoice>{invoice_id}</Invoice>".encode())
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"detail": "no such route"})

    def paths(self) -> list[bytes]:
        return [r.url.raw_path for r in self.requests]


def _source(handler: Any, **kwargs: Any) -> PurchaseApiSource:
    kwargs.setdefault("retry", RetryPolicy(3, 0.001))
    return PurchaseApiSource("http://purchase.test", TOKEN, transport=httpx.MockTransport(handler), **kwargs)


def test_ids_are_percent_encoded_in_every_url_path() -> None:
    """Issue 9.6: the id ../../../admin/x made the robot call /admin/x/... with its token; a? was cut."""
    system = FakePurchaseSystem([_item("../../../admin/x"), _item("a?b"), _item("50%#frag")])
    source = _source(system)
    docs = [d for d in source.fetch() if isinstance(d, IncomingDocument)]
    assert [d.content for d in docs] == [
        b"<Invoice>../../../admin/x</Invoice>",
        b"<Invoice>a?b</Invoice>",
        b"<Invoice>50%#frag</Invoice>",
    ]
    for doc in docs:
        source.acknowledge(doc)
        source.report_outcome(doc.source_ref, "transferred", {"erp_document_number": "1"})
    paths = system.paths()
    assert b"/api/v1/invoices/..%2F..%2F..%2Fadmin%2Fx/document" in paths
    assert b"/api/v1/invoices/..%2F..%2F..%2Fadmin%2Fx/fetched" in paths
    assert b"/api/v1/invoices/..%2F..%2F..%2Fadmin%2Fx/outcome" in paths
    assert b"/api/v1/invoices/a%3Fb/document" in paths and b"/api/v1/invoices/50%25%23frag/outcome" in paths
    assert all(p.startswith(b"/api/v1/invoices") for p in paths), paths
    assert all(r.url.query == b"" for r in system.requests if r.url.path != "/api/v1/invoices")


def test_ids_that_are_not_plain_are_refused_and_the_rest_go_on() -> None:
    """Issue 9.4/9.6: an id with CR/LF blocked every invoice after it; such ids never reach a URL."""
    bad = ["inv\r\n1", "inv\n2", "x\x00", "..", ".", "", " padded", "i" * 201, 42, None]
    system = FakePurchaseSystem([*(_item(b) for b in bad), _item("good-1"), {"no": "id"}, _item("good-2")])
    items = list(_source(system).fetch())
    failures = {i.source_ref: i.reason for i in items if isinstance(i, IntakeFailure)}
    assert "inv\\r\\n1" in failures and "control characters" in failures["inv\\r\\n1"]
    assert failures["x\\x00"].startswith("the id contains control characters")
    assert "only dots" in failures[".."] and "more than 200" in failures["i" * 159 + "…"]
    assert len(failures) == len(bad) + 1  # and the item without an id at all
    assert [d.source_ref for d in items if isinstance(d, IncomingDocument)] == ["good-1", "good-2"]
    assert [p for p in system.paths() if b"document" in p] == [
        b"/api/v1/invoices/good-1/document",
        b"/api/v1/invoices/good-2/document",
    ]


def test_null_or_missing_filename_is_that_invoices_problem() -> None:
    """Issue 9.4: a null or missing filename stopped the fetch (KeyError) or stored a None name."""
    items = [_item("no-name", filename=None), {"id": "missing-name"}, _item("fine", account={"x": 1})]
    docs = {d.source_ref: d for d in _source(FakePurchaseSystem([*items, _item("z")])).fetch()}
    assert sorted(docs) == ["fine", "missing-name", "no-name", "z"]
    for ref in ("no-name", "missing-name"):
        doc = docs[ref]
        assert isinstance(doc, IncomingDocument) and doc.filename == ref
        assert doc.content == f"<Invoice>{ref}</Invoice>".encode()
        assert "gives no filename" in doc.metadata[INTAKE_PROBLEM]
    fine = docs["fine"]
    assert isinstance(fine, IncomingDocument)
    assert fine.metadata[INTAKE_PROBLEM] == "account is a JSON object, not a string"
    assert INTAKE_PROBLEM not in docs["z"].metadata  # type: ignore[union-attr]


def test_a_download_failing_every_time_fails_that_invoice_only() -> None:
    """Issue 9.4: one download that kept answering 500 failed the whole fetch, every run."""
    system = FakePurchaseSystem([_item("a"), _item("broken"), _item("c")], failing=frozenset({"broken"}))
    items = list(_source(system).fetch())
    assert [i.source_ref for i in items if isinstance(i, IncomingDocument)] == ["a", "c"]
    (failure,) = [i for i in items if isinstance(i, IntakeFailure)]
    assert failure.source_ref == "broken"
    assert failure.reason.startswith("download failed: download broken: gave up after 3 attempts")
    assert system.paths().count(b"/api/v1/invoices/broken/document") == 3  # its retries, then on


def _endless(counter: list[int], *, step: int = 1, items: bool = False) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        counter.append(1)
        if len(counter) > 5000:  # the client does not stop by itself: fail the test, do not hang it
            raise RuntimeError("unbounded paging")
        if request.url.path.endswith("/document"):
            return httpx.Response(200, content=b"<Invoice/>")
        page = int(request.url.params["page"])
        listed = [_item(f"p{page}")] if items else []
        return httpx.Response(200, json={"items": listed, "page": page, "next_page": page + step})

    return handler


def test_endless_next_page_is_bounded_by_pages_items_and_time() -> None:
    """Issue 9.6: a server whose next_page never ends got 62,944 list requests in 60 s."""
    calls: list[int] = []
    started = time.monotonic()
    items = list(_source(_endless(calls)).fetch())  # the defaults
    assert len(calls) == Settings(base_url="x").max_pages == 1000
    assert time.monotonic() - started < 10 and len(items) == 1
    assert [(i.source_ref, i.reason) for i in items if isinstance(i, IntakeFailure)] == [
        (
            "(list of ready invoices)",
            "paging stopped after 1000 pages (max_pages); the rest is listed on the next fetch",
        )
    ]
    calls.clear()
    items = list(_source(_endless(calls, items=True), max_pages=50, max_items=7).fetch())
    assert len(calls) == 7 + 7  # seven pages listed, each invoice downloaded
    assert isinstance(items[0], IntakeFailure) and "after 7 invoices (max_items)" in items[0].reason
    calls.clear()
    repeat = list(_source(_endless(calls, step=0)).fetch())  # next_page is the page just read
    assert len(calls) == 1 and "next_page 1 was read before" in repeat[0].reason  # type: ignore[union-attr]

    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)
        return _endless(calls)(request)  # type: ignore[no-any-return]

    calls.clear()
    started = time.monotonic()
    timed = list(_source(slow, max_list_seconds=0.3).fetch())
    assert time.monotonic() - started < 1.5 and 3 <= len(calls) <= 10
    assert "after 0.3 s (max_list_seconds)" in timed[0].reason  # type: ignore[union-attr]


def test_a_later_page_failing_keeps_the_pages_before_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", 0))
        if request.url.path.endswith("/document"):
            return httpx.Response(200, content=b"<Invoice/>")
        if page == 2:
            return httpx.Response(500, text="page 2 is broken")
        return httpx.Response(200, json={"items": [_item("one")], "page": 1, "next_page": 2})

    items = list(_source(handler).fetch())
    assert isinstance(items[0], IntakeFailure) and "page 2" in items[0].reason
    assert [i.source_ref for i in items[1:]] == ["one"]


def test_downloads_are_streamed_and_stopped_at_the_size_limit() -> None:
    """Issue 9.3: a 200 MB document was loaded into memory and stored before the size check."""
    served = [0]
    mib = 1024 * 1024

    def body() -> Iterator[bytes]:
        for _ in range(200):  # 200 MB, produced lazily: only what the client reads is made
            served[0] += mib
            yield b"\0" * mib

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/invoices":
            listed = [_item("streamed"), _item("declared"), _item("listed", size=210 * mib), _item("ok")]
            return httpx.Response(200, json={"items": listed, "page": 1, "next_page": None})
        if "/streamed/" in request.url.path:
            return httpx.Response(200, content=body())
        if "/declared/" in request.url.path:
            return httpx.Response(200, headers={"Content-Length": str(210 * mib)}, content=body())
        if "/listed/" in request.url.path:
            raise AssertionError("a document listed over the limit must not be downloaded")
        return httpx.Response(200, content=b"<Invoice/>")

    docs = {d.source_ref: d for d in _source(handler, max_bytes=3 * mib).fetch()}
    assert all(isinstance(d, IncomingDocument) for d in docs.values())
    streamed, declared, listed = docs["streamed"], docs["declared"], docs["listed"]
    assert streamed.content == b"" and declared.content == b"" and listed.content == b""  # type: ignore[union-attr]
    assert served[0] <= 5 * mib  # the stream was abandoned just past the limit
    assert "download stopped" in streamed.metadata[INTAKE_PROBLEM]  # type: ignore[union-attr]
    assert declared.metadata[INTAKE_PROBLEM] == "file is 210 MB; the limit is 3 MB"  # type: ignore[union-attr]
    assert listed.metadata[INTAKE_PROBLEM] == "file is 210 MB; the limit is 3 MB"  # type: ignore[union-attr]
    assert docs["ok"].content == b"<Invoice/>"  # type: ignore[union-attr]
    default = _source(FakePurchaseSystem([_item("huge", size=210 * mib)]))
    (huge,) = default.fetch()
    assert huge.metadata[INTAKE_PROBLEM] == "file is 210 MB; the limit is 50 MB"  # type: ignore[union-attr]


def test_sandbox_lists_everything_when_one_sidecar_is_malformed(tmp_path: Path) -> None:
    """Issue 9.4: the sandbox answered 500 for the whole list when one sidecar was malformed."""
    write_inbox(tmp_path, 4)
    (tmp_path / "inv-001.xml.meta.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "inv-002.xml.meta.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "linked.xml").symlink_to(tmp_path / "inv-001.xml")
    with serve(create_app(tmp_path, TOKEN)) as url, api(url) as client:
        response = client.get("/api/v1/invoices")
        check_contract("GET", "/api/v1/invoices", response)
        listed = {i["id"]: i for i in response.json()["items"]}
        assert sorted(listed) == ["inv-001.xml", "inv-002.xml", "scan_000.pdf", "scan_003.pdf"]
        assert listed["inv-001.xml"]["customer"] is None and listed["inv-002.xml"]["approver"] is None
        assert listed["scan_003.pdf"]["customer"] == "CUST-1"
