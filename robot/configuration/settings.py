"""The robot's one configuration file: where the data is and which connectors to use.

Paths are relative to the file's folder, a SQLite database path too (without ``database:``,
``var/fakturarobot.db`` beside the file); secrets come from environment variables that the
connector settings name (never from the file). Example (``samples/fakturarobot.yaml``)::

    database: sqlite:///../var/demo/fakturarobot.db   # FAKTURAROBOT_DATABASE_URL wins
    customers: customers.yaml
    vendors: vendors.yaml
    orders: orders.yaml
    source:   {kind: folder, inbox: ../var/demo/inbox}
    ledger:   {kind: journal, path: ../var/demo/ledger.jsonl}
    notifier: {kind: eml, outbox: ../var/demo/outbox}
    pdf_templates: [pdf-templates]              # folders of templates for printed PDF invoices

Connector kinds are resolved by name from their role's entry-point group (``fakturarobot.sources``,
``fakturarobot.ledgers``, ``fakturarobot.notifiers``: :mod:`connectors.registry`) with a clear error
naming the kinds that exist, and each connector's own ``Settings`` model validates the rest of its
section (unknown keys are errors, reported with file and line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from connectors import registry
from robot.configuration.envvars import CONFIG_ENV as CONFIG_ENV  # (the names of the environment variables)
from robot.configuration.yamlconf import Loc, TextExpected, load_yaml_model
from robot.errors import ConfigError

if TYPE_CHECKING:
    from connectors.base import Connector, Ledger, Notifier, Source
    from robot.pdftext import TemplateSet
    from robot.processing.official import OfficialRules


class ConnectorSpec(BaseModel):
    """``{kind: ..., <the connector's settings>}``; the settings are checked by the connector."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str

    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ResponderSettings(BaseModel):
    """Who answers in the Invoice Response (the service centre or the customer)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "Statens Administration"
    endpoint_scheme: str = "0088"  # validated before endpoint_id, which is checked against it
    endpoint_id: str | None = None
    payment_responses: bool = False  # a Peppol BIS 3 invoice found paid gets a PD response

    @field_validator("endpoint_scheme")
    @classmethod
    def _scheme(cls, v: str) -> str:
        if not re.fullmatch(r"\d{4}", v):
            raise ValueError("must be a 4-digit electronic address scheme (EAS) code, e.g. 0088 for a GLN")
        return v

    @field_validator("endpoint_id")
    @classmethod
    def _gln(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and info.data.get("endpoint_scheme") == "0088":
            from robot.configuration.masterdata import check_gln

            return check_gln(v)  # every Invoice Response carries it: refuse a wrong one
        return v


class ContactSettings(BaseModel):
    """Whom a customer asks about a returned invoice: named in every digest, Danish and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, pattern=r"\S")  # the team, e.g. "Kreditorteamet, Statens Administration"
    email: str = Field(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ]{5,18}[0-9]$")  # "+45 33 92 80 00"


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    to: tuple[str, ...] = ()
    exception_rate: float = Field(default=0.2, ge=0, le=1)


class Threshold(BaseModel):
    """``fakturarobot health`` is WARNING / CRITICAL when the value is *above* these (null: never)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    warning: float | None = Field(default=None, ge=0)
    critical: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.warning is not None and self.critical is not None and self.warning > self.critical:
            raise ValueError(f"warning ({self.warning:g}) must not be above critical ({self.critical:g})")
        return self


class HealthSettings(BaseModel):
    """Thresholds of ``fakturarobot health`` (robot/running/health.py); defaults suit two runs a day."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # hours since the last run that finished ok or partial; the default schedules (06:00, 14:00)
    # leave 16 h overnight, so 18 h means a run was missed, not that it is night
    last_success_hours: Threshold = Threshold(critical=18)
    exception_rate: Threshold = Threshold(critical=0.5)  # the last run's failures per invoice attempted
    held: Threshold = Threshold()
    overdue_holds: Threshold = Threshold(warning=0)  # held invoices past their due date
    notices_pending: Threshold = Threshold(warning=0)  # notices not sent after the last run
    notices_refused: Threshold = Threshold()  # refused for good (they stay refused: no default)


class OidcSettings(BaseModel):
    """Single sign-on through the service centre's OpenID Connect provider (optional).

    The provider's ``preferred_username`` must name an existing, enabled console user: nobody is
    created by signing on. The client secret comes from the environment variable named here.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    issuer: str = Field(pattern=r"^https?://")
    client_id: str = Field(min_length=1)
    client_secret_env: str = Field(pattern=r"^[A-Z_][A-Z0-9_]*$")
    redirect_url: str = Field(pattern=r"^https?://")  # .../login/oidc/callback, as registered


class WebSettings(BaseModel):
    """The creditor console (``fakturarobot web``): sessions, the login throttle, /metrics, SSO."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: the environment variable holding /metrics' bearer token (unset: /metrics refuses everyone)
    metrics_token_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    idle_minutes: int = Field(default=30, ge=1)  # a session unused this long ends
    session_hours: int = Field(default=12, ge=1)  # a session ends this long after the login anyway
    login_max_failures: int = Field(default=5, ge=1)  # per user name within the window
    login_max_failures_per_address: int = Field(default=20, ge=1)  # per client address within the window
    login_window_minutes: int = Field(default=15, ge=1)
    oidc: OidcSettings | None = None


class RobotConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database: str | None = None
    customers: Path
    vendors: Path
    orders: Path | None = None
    source: ConnectorSpec
    ledger: ConnectorSpec
    notifier: ConnectorSpec
    bank: ConnectorSpec | None = None  # bank files in (issue 13): {kind: folder, folder: bank/}
    templates: Path | None = None
    pdf_templates: list[Path] = Field(default_factory=list)  # folders of PDF templates (robot.pdftext)
    #: a folder of official XSLT artefacts (EN 16931, Peppol, OIOUBL) run beside the native rules
    official_rules: Path | None = None
    responder: ResponderSettings = ResponderSettings()
    max_attempts: int = Field(default=5, ge=1)
    #: the ERP unreachable twice in a row: the invoice waits this long, doubled per further outage
    erp_backoff_seconds: int = Field(default=300, ge=0)
    erp_backoff_max_seconds: int = Field(default=6 * 3600, ge=0)
    schedules: Path | None = None
    alerts: AlertSettings = AlertSettings()
    contact: ContactSettings | None = None
    health: HealthSettings = HealthSettings()
    web: WebSettings = WebSettings()


def _connector_checks(cfg: RobotConfig) -> Iterable[tuple[Loc, str]]:
    for role in registry.CONTRACTS:
        spec: ConnectorSpec = getattr(cfg, role)
        try:
            cls = registry.resolve(role, spec.kind)
        except ConfigError as exc:
            yield (role, "kind"), exc.message
            continue
        try:
            cls.Settings.model_validate(spec.settings())
        except ValidationError as exc:
            for err in exc.errors():
                loc = (role, *err["loc"])
                if err["type"] == "extra_forbidden":
                    allowed = ", ".join(["kind", *cls.Settings.model_fields])
                    yield (
                        loc,
                        f"unknown key {err['loc'][-1]!r} for {role} kind {spec.kind!r}; allowed: {allowed}",
                    )
                elif err["type"] == "string_type":  # an unquoted number where text is expected
                    where = ".".join(str(part) for part in err["loc"])
                    yield loc, TextExpected(f"{where} (in {role} kind {spec.kind!r})", err.get("input"))
                else:
                    where = ".".join(str(part) for part in err["loc"])
                    yield loc, f"{where}: {err['msg']} (in {role} kind {spec.kind!r})"


class LoadedConfig:
    """The validated configuration and the folder its relative paths start from."""

    def __init__(self, path: Path, cfg: RobotConfig) -> None:
        self.path = path
        self.base_dir = path.parent
        self.cfg = cfg

    def file(self, rel: Path | None) -> Path | None:
        return None if rel is None else (self.base_dir / rel)

    def pdf_templates(self) -> TemplateSet | None:
        """The PDF templates of ``pdf_templates`` (None when none are configured).

        A missing folder is a ConfigError; a template that cannot be used is not: it is in the
        set's ``problems`` (file:line, why) and skipped (:mod:`robot.pdftext.loading`).
        """
        if not self.cfg.pdf_templates:
            return None
        from robot.pdftext import TemplateSet

        return TemplateSet.load([self.base_dir / p for p in self.cfg.pdf_templates])

    def official_rules(self) -> OfficialRules | None:
        """The official artefacts of ``official_rules`` (None when not configured: the default).

        A missing or empty folder, or two artefacts for one rule set, is a ConfigError; they are
        compiled when a document first needs them (``check-config --probe`` compiles them all).
        """
        if self.cfg.official_rules is None:
            return None
        from classifiers.engine import load_rules
        from robot.processing.official import OfficialRules

        return OfficialRules.load(self.base_dir / self.cfg.official_rules, load_rules())

    @overload
    def build(self, role: Literal["source"]) -> Source: ...
    @overload
    def build(self, role: Literal["ledger"]) -> Ledger: ...
    @overload
    def build(self, role: Literal["notifier"]) -> Notifier: ...
    @overload
    def build(self, role: str) -> Connector: ...
    def build(self, role: str) -> Connector:
        """The connector configured for ``role`` (the caller closes it, or uses it in ``with``)."""
        spec: ConnectorSpec = getattr(self.cfg, role)
        return registry.build(role, spec.kind, spec.settings(), self.base_dir)


def load_config(path: Path) -> LoadedConfig:
    if not path.is_file():
        raise ConfigError("configuration file not found", file=str(path))
    from robot.store.db import DEFAULT_URL, relative_to

    cfg = load_yaml_model(path, RobotConfig, checks=[_connector_checks])
    path = path.resolve()
    # a SQLite path is relative to this file, like every other path in it (not to the working
    # directory: `run --config` from elsewhere must open the same store)
    cfg = cfg.model_copy(update={"database": relative_to(cfg.database or DEFAULT_URL, path.parent)})
    return LoadedConfig(path, cfg)
