"""The configuration of the Business Central ledger (:mod:`connectors.business_central`): where the
API is, how to authenticate (a bearer token or OAuth2 client credentials, the secret from the
environment variable named), the customers' accounts and dimensions, tax codes, timeouts and
back-off.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.business_central_mapping import CustomerMapping, Dimension, rate_key
from robot.errors import ConfigError

VAT_TOLERANCE = Decimal("0.01")


class OAuth2Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["oauth2"]
    token_url: str
    client_id: str
    client_secret_env: str = "FAKTURAROBOT_BC_CLIENT_SECRET"
    scope: str | None = "https://api.businesscentral.dynamics.com/.default"


class BearerAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["bearer"]
    token_env: str = "FAKTURAROBOT_BC_TOKEN"


class BusinessCentralSettings(BaseModel):
    """Configuration of the Business Central ledger; secrets come from the environment variables named."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="up to /api/v2.0, e.g. https://api.businesscentral.dynamics.com/v2.0/…")
    company_id: str
    auth: OAuth2Auth | BearerAuth = Field(discriminator="type")
    default_account: str | None = None
    customers: dict[str, CustomerMapping] = {}
    tax_codes: dict[str, str] = Field(
        default={"25": "MOMS25", "0": "MOMSFRI"}, description="VAT rate in percent → taxCode"
    )
    mandatory_dimensions: list[Dimension] = []
    attach_document: bool = True
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    backoff_base_seconds: float = Field(default=0.5, ge=0)
    backoff_max_seconds: float = Field(default=30.0, ge=0)
    max_retry_after_seconds: float = Field(default=120.0, ge=0)

    @field_validator("tax_codes")
    @classmethod
    def _rates(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            return {rate_key(k): v for k, v in value.items()}
        except ArithmeticError:
            raise ValueError(f"tax_codes keys must be VAT rates in percent, got {sorted(value)}") from None


def secret_of(settings: BusinessCentralSettings) -> str:
    """The bearer token or OAuth2 client secret, from the environment variable ``settings.auth`` names."""
    env = (
        settings.auth.client_secret_env if isinstance(settings.auth, OAuth2Auth) else settings.auth.token_env
    )
    secret = os.environ.get(env)
    if not secret:
        raise ConfigError(f"business-central: environment variable {env} is not set")
    return secret
