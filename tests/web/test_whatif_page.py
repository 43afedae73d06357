"""The What-if page (/what-if): an uploaded criteria file is replayed read-only and the page lists
exactly what the replay function finds, linking each changed invoice; only creditors and admins with
the form's CSRF token may run it; a bad file is a 400 that names the line; the store is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from robot.configuration.settings import LoadedConfig
from robot.processing.whatif.replay import prepare, replay
from robot.processing.whatif.result import GROUPS
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow
from tests.support.demoworld import criteria_changed
from tests.web.conftest import ClientAs

CUSTOMER = "SFE"
Csrf = Callable[[TestClient], str]


def criteria(config: LoadedConfig, tmp_path: Path, **changes: Any) -> Path:
    """The configured customers file with ``changes`` in the criteria of :data:`CUSTOMER`."""
    source = config.path.parent / "customers.yaml"
    return criteria_changed(source, tmp_path / "customers-new.yaml", CUSTOMER, **changes)


def counts(store: Store) -> tuple[int, int]:
    with store.sessions() as s:
        return (s.scalar(select(func.count(InvoiceRow.id))) or 0, s.scalar(select(func.count(Event.id))) or 0)


def post(client: TestClient, token: str | None, content: bytes, **fields: str) -> Any:
    data = dict(fields)
    if token is not None:
        data["csrf_token"] = token
    files = {"criteria": ("customers.yaml", content, "application/yaml")}
    return client.post("/what-if", data=data, files=files, headers={"Accept": "text/html"})


def test_person_to_either_lists_the_replays_changes_and_links_them(
    web_store: Store, web_config: LoadedConfig, client_as: ClientAs, csrf: Csrf, tmp_path: Path
) -> None:
    path = criteria(web_config, tmp_path, reference="either")
    master, classifier = prepare(web_config, criteria=path, rules=[])
    expected = replay(web_store, master, classifier, web_config.pdf_templates())
    assert expected.changes, "switching SFE to either changes verdicts in the samples"
    before = counts(web_store)
    client = client_as("creditor")
    answer = post(client, csrf(client), path.read_bytes())
    assert answer.status_code == 200, answer.text
    assert counts(web_store) == before
    tree = lxml.html.document_fromstring(answer.text)
    for group in GROUPS:
        wanted = {c.invoice_id for c in expected.grouped(group)}
        links = tree.xpath(f'//table[@id="table-{group}"]/tbody/tr/th/a/@href')
        assert set(links) == {f"/invoices/{i}" for i in wanted}, group
    customers = {
        r.xpath("./th")[0].text_content().strip(): r
        for r in tree.xpath('//table[@id="table-customers"]/tbody/tr')
    }
    sfe = expected.customers[CUSTOMER]
    cells = [c.text_content().strip() for c in customers[CUSTOMER].xpath("./td")]
    assert cells == [
        str(sfe.invoices),
        f"{sfe.rate(sfe.touchless_before) * 100:.1f} %",
        f"{sfe.rate(sfe.touchless_after) * 100:.1f} %",
    ]
    assert sfe.touchless_after > sfe.touchless_before
    assert not tree.xpath("//script[not(@src)]")


def test_a_viewer_may_look_but_not_replay(
    web_store: Store, client_as: ClientAs, csrf: Csrf, web_config: LoadedConfig, tmp_path: Path
) -> None:
    viewer = client_as("viewer")
    assert viewer.get("/what-if", headers={"Accept": "text/html"}).status_code == 200
    answer = post(viewer, csrf(viewer), criteria(web_config, tmp_path, reference="either").read_bytes())
    assert answer.status_code == 403


def test_a_post_without_the_csrf_token_is_refused(
    client_as: ClientAs, web_config: LoadedConfig, tmp_path: Path
) -> None:
    answer = post(
        client_as("creditor"), None, criteria(web_config, tmp_path, reference="either").read_bytes()
    )
    assert answer.status_code == 403


def test_an_invalid_file_is_a_400_naming_the_line_and_the_store_is_unchanged(
    web_store: Store, client_as: ClientAs, csrf: Csrf, web_config: LoadedConfig, tmp_path: Path
) -> None:
    before = counts(web_store)
    client = client_as("creditor")
    broken = post(client, csrf(client), b"customers:\n  - id: SFE\n    criteria: [unclosed\n")
    assert broken.status_code == 400
    message = lxml.html.document_fromstring(broken.text).xpath('//*[@id="whatif-error"]')[0].text_content()
    assert "customers.yaml:" in message and "YAML" in message and str(tmp_path) not in message
    wrong = criteria(web_config, tmp_path, reference="sometimes").read_bytes()
    invalid = post(client, csrf(client), wrong)
    assert invalid.status_code == 400 and "reference" in invalid.text
    assert "customers.yaml:" in invalid.text
    too_big = post(client, csrf(client), b"#" * (1024 * 1024 + 1))
    assert too_big.status_code == 400 and "1 MB" in too_big.text
    assert counts(web_store) == before


def test_invoice_numbers_of_changed_invoices_stay_text(
    web_store: Store, web_config: LoadedConfig, client_as: ClientAs, csrf: Csrf, tmp_path: Path
) -> None:
    from sqlalchemy import update

    path = criteria(web_config, tmp_path, reference="either")
    master, classifier = prepare(web_config, criteria=path, rules=[])
    changed = replay(web_store, master, classifier, web_config.pdf_templates()).changes[0].invoice_id
    script = "<script>alert(1)</script>"
    with web_store.sessions.begin() as s:
        s.execute(update(InvoiceRow).where(InvoiceRow.id == changed).values(invoice_number=script))
    client = client_as("creditor")
    html = post(client, csrf(client), path.read_bytes()).text
    assert script not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not lxml.html.document_fromstring(html).xpath("//script[not(@src)]")
