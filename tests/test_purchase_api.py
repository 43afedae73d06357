"""PurchaseApiSource against the purchase-system sandbox over real HTTP on 127.0.0.1,
and the sandbox against its OpenAPI contract (every response validated with jsonschema)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from connectors.base import Source
from connectors.http_retry import RetryPolicy
from connectors.openapi import load_purchase_spec
from connectors.purchase_api import PurchaseApiSource, Settings, outcome_body
from connectors.sandbox import create_app
from robot.errors import BusinessError, ConfigError, ConnectorError, TransientError
from tests.servers import serve

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


def api(base_url: str, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=5)


def test_source_protocol(source: PurchaseApiSource) -> None:
    assert isinstance(source, Source)
    assert source.name == "purchase-api"


def test_fetch_pages_through_all_ready_invoices(
    source: PurchaseApiSource, inbox: tuple[Path, dict[str, bytes]]
) -> None:
    docs = list(source.fetch())
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
    docs = list(source.fetch())
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
