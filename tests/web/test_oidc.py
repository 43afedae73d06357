"""Single sign-on against a small OpenID Connect provider of our own on 127.0.0.1.

The provider (:func:`fake_idp`) publishes its discovery document and signing key and issues an
RS256 ID token for the code it is given, naming whom the test says; Authlib in the console
checks the signature, the issuer, the audience and the nonce.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI, Form, Request
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from robot.configuration.settings import LoadedConfig, OidcSettings, WebSettings
from robot.errors import ConfigError
from robot.store.users import Users
from robot.web.app import create_app
from tests.support.servers import serve
from tests.web.conftest import BASE_URL, HTML, PASSWORD

if TYPE_CHECKING:
    from robot.store.repo import Store

CLIENT_ID = "fakturarobot-console"
SECRET_ENV = "TEST_OIDC_SECRET"


@dataclass
class Provider:
    url: str = ""
    username: str = "anna"
    nonce: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    issuer_override: str | None = None


def _provider_app(idp: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": idp.url,
            "authorization_endpoint": f"{idp.url}/authorize",
            "token_endpoint": f"{idp.url}/token",
            "jwks_uri": f"{idp.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [idp.key.as_dict(private=False)]}

    @app.post("/token")
    def token(request: Request, code: str = Form(...)) -> dict[str, Any]:
        assert code == "the-code"
        now = int(time.time())
        claims = {
            "iss": idp.issuer_override or idp.url,
            "sub": f"sub-{idp.username}",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": idp.nonce,
            "preferred_username": idp.username,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, idp.key)
        return {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    return app


@pytest.fixture
def idp() -> Iterator[Provider]:
    provider = Provider()
    with serve(_provider_app(provider)) as url:
        provider.url = url
        yield provider


@pytest.fixture
def sso_app(
    idp: Provider, web_config: LoadedConfig, web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> FastAPI:
    monkeypatch.setenv(SECRET_ENV, "client-secret-for-tests")
    sso = OidcSettings(
        issuer=idp.url,
        client_id=CLIENT_ID,
        client_secret_env=SECRET_ENV,
        redirect_url=f"{BASE_URL}/login/oidc/callback",
    )
    cfg = web_config.cfg.model_copy(update={"web": WebSettings(oidc=sso)})
    Users(web_store.sessions).add("anna", "creditor", PASSWORD)
    return create_app(LoadedConfig(web_config.path, cfg), web_store)


def _start(client: TestClient, idp: Provider, next_url: str = "/holds") -> str:
    """Start the flow; returns the state (and gives the provider the nonce, as its login would)."""
    gone = client.get(f"/login/oidc?next={next_url}", follow_redirects=False)
    assert gone.status_code == 302
    target = urlsplit(gone.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp.url}/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == f"{BASE_URL}/login/oidc/callback"
    idp.nonce = query["nonce"]
    return query["state"]


def test_sign_on_maps_preferred_username_to_a_user(sso_app: FastAPI, idp: Provider) -> None:
    with TestClient(sso_app, base_url=BASE_URL) as client:
        assert "/login/oidc" in client.get("/login", headers=HTML).text  # the button
        state = _start(client, idp)
        done = client.get(f"/login/oidc/callback?code=the-code&state={state}", follow_redirects=False)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/holds"
        assert client.cookies.get("fr_session")
        assert client.get("/login", headers=HTML, follow_redirects=False).status_code == 303  # logged in


def test_an_unknown_or_disabled_person_gets_no_session(
    sso_app: FastAPI, idp: Provider, web_store: Store
) -> None:
    for name in ("mallory", "anna"):
        if name == "anna":
            Users(web_store.sessions).disable("anna")
        idp.username = name
        with TestClient(sso_app, base_url=BASE_URL) as client:
            state = _start(client, idp)
            refused = client.get(f"/login/oidc/callback?code=the-code&state={state}", follow_redirects=False)
            assert refused.status_code == 403, name
            assert not client.cookies.get("fr_session")
    assert Users(web_store.sessions).get("mallory") is None  # nobody is created


def test_a_forged_state_or_a_foreign_issuer_is_refused(sso_app: FastAPI, idp: Provider) -> None:
    with TestClient(sso_app, base_url=BASE_URL) as client:
        _start(client, idp)
        forged = client.get("/login/oidc/callback?code=the-code&state=forged", follow_redirects=False)
        assert forged.status_code == 401 and not client.cookies.get("fr_session")
    with TestClient(sso_app, base_url=BASE_URL) as client:
        state = _start(client, idp)
        idp.issuer_override = "https://evil.example"
        foreign = client.get(f"/login/oidc/callback?code=the-code&state={state}", follow_redirects=False)
        assert foreign.status_code == 401 and not client.cookies.get("fr_session")
    with TestClient(sso_app, base_url=BASE_URL) as stranger:  # a callback without this browser's flow cookie
        idp.issuer_override = None
        assert (
            stranger.get("/login/oidc/callback?code=the-code&state=x", follow_redirects=False).status_code
            == 401
        )


def test_without_configuration_the_routes_are_absent(web_app: FastAPI) -> None:
    with TestClient(web_app, base_url=BASE_URL) as client:
        assert client.get("/login/oidc", follow_redirects=False).status_code == 404
        assert "/login/oidc" not in client.get("/login", headers=HTML).text


def test_a_missing_secret_is_a_configuration_error(
    web_config: LoadedConfig, web_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    sso = OidcSettings(
        issuer="https://idp.example", client_id="c", client_secret_env=SECRET_ENV, redirect_url="https://x/cb"
    )
    cfg = web_config.cfg.model_copy(update={"web": WebSettings(oidc=sso)})
    with pytest.raises(ConfigError, match=SECRET_ENV):
        create_app(LoadedConfig(web_config.path, cfg), web_store)
