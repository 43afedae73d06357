"""The status API's contract, docs/status-api.openapi.yaml, as a checker of responses.

``conforms(response, "/api/v1/invoices/{id}")`` validates the response's JSON body against the
schema the OpenAPI file gives for that path, method and status (jsonschema, JSON Schema 2020-12 as
OpenAPI 3.1 uses it) and the headers it requires; a status the file does not list fails.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from tests.conftest import ROOT

SPEC = ROOT / "docs" / "status-api.openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    return node


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` whose ``#/components/...`` references resolve in the OpenAPI file."""
    root = {**schema, "components": spec()["components"]}
    return Draft202012Validator(root, format_checker=FormatChecker())


def conforms(response: Any, path: str, method: str = "get") -> Any:
    """The response's JSON body, after checking it against the contract (fails the test if not)."""
    operation = spec()["paths"][path][method]
    responses = operation["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answered {status}, not in the contract"
    declared = _resolve(responses[status])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    schema = declared["content"]["application/json"]["schema"]
    body = response.json()
    errors = sorted(validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    for name, header in declared.get("headers", {}).items():
        value = response.headers.get(name)
        if header.get("required"):
            assert value is not None, f"{status} without the header {name}"
        pattern = header.get("schema", {}).get("pattern")
        if value is not None and pattern:
            assert re.search(pattern, value), f"{name}: {value!r} does not match {pattern!r}"
    return body
