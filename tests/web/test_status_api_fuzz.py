"""The status API against its OpenAPI file with a property-based tool (schemathesis, Hypothesis).

schemathesis reads docs/status-api.openapi.yaml and makes requests from it (valid parameters and
some that are not), sent to the console served by uvicorn on 127.0.0.1 over the demo store; every
answer must be what the file says (status, content type, headers, body schema) and never a 5xx.
Bounded: a few dozen examples per operation, no shrinking deadline, seconds in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.web.api_contract import SPEC

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed (pip install -e '.[dev]')"
)
hypothesis = pytest.importorskip("hypothesis")

if TYPE_CHECKING:
    from robot.configuration.settings import LoadedConfig
    from robot.store.repo import Store

EXAMPLES = 30


@pytest.fixture
def served(web_config: LoadedConfig, web_store: Store) -> Iterator[tuple[str, dict[str, str], int]]:
    """The console on a free port of 127.0.0.1, a token of the demo's customer with most invoices,
    and an id of another customer's invoice."""
    from sqlalchemy import func, select

    from connectors.testing.localserver import serve
    from robot.store.api_tokens import ApiTokens
    from robot.store.schema import InvoiceRow
    from robot.web.app import create_app

    with web_store.sessions() as s:
        mine = (
            s.execute(
                select(InvoiceRow.customer_id).group_by(InvoiceRow.customer_id).order_by(func.count().desc())
            )
            .scalars()
            .first()
        )
        theirs = s.scalar(select(InvoiceRow.id).where(InvoiceRow.customer_id != mine).limit(1))
    assert mine and theirs
    token = ApiTokens(web_store.sessions).add(mine).token
    with serve(create_app(web_config, web_store, secure_cookies=False)) as base_url:
        yield base_url, {"Authorization": f"Bearer {token}"}, int(theirs)


def _run(operation: Any, base_url: str, headers: dict[str, str], seen: list[int]) -> None:
    settings = hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )

    @settings
    @hypothesis.given(case=operation.as_strategy())
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        case.validate_response(response)
        assert response.status_code < 500
        seen.append(response.status_code)

    check()


@pytest.mark.timeout(120)
def test_the_api_keeps_to_its_openapi_file_for_generated_requests(
    served: tuple[str, dict[str, str], int],
) -> None:
    base_url, headers, theirs = served
    schema = schemathesis.openapi.from_path(str(SPEC))
    seen: list[int] = []
    _run(schema["/api/v1/invoices"]["GET"], base_url, headers, seen)
    _run(schema["/api/v1/invoices/{id}"]["GET"], base_url, headers, seen)
    assert 200 in seen and 404 in seen, seen  # real pages and missing invoices were both asked for

    import requests

    other = requests.get(f"{base_url}/api/v1/invoices/{theirs}", headers=headers, timeout=10)
    missing = requests.get(f"{base_url}/api/v1/invoices/999999999", headers=headers, timeout=10)
    assert other.status_code == missing.status_code == 404 and other.content == missing.content
    anonymous = requests.get(f"{base_url}/api/v1/invoices", timeout=10)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
