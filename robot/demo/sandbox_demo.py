"""``fakturarobot demo --sandbox``: the whole loop over real HTTP on 127.0.0.1.

    sandbox purchase system (FastAPI) ──HTTP──► robot ──HTTP──► Business Central-shaped test ERP
                 ▲                                │
                 └──── outcome written back ──────┴──► notices in the outbox (.eml)

Both servers run in this process on free ports; nothing leaves the machine. The configuration the
robot runs with is written to ``var/sandbox/fakturarobot.yaml`` so the run can be repeated with
``fakturarobot run``-style tooling while the servers are up.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connectors.testing.bc_server.app import DEFAULT_COMPANY_ID
from connectors.testing.bc_server.app import create_app as create_bc
from connectors.testing.localserver import serve
from connectors.testing.purchase_sandbox import create_app as create_purchase_system
from robot.configuration.masterdata import load_vendors

PURCHASE_TOKEN_ENV = "FAKTURAROBOT_PURCHASE_TOKEN"
BC_TOKEN_ENV = "FAKTURAROBOT_BC_TOKEN"


@dataclass(frozen=True, slots=True)
class Sandbox:
    config: Path
    purchase_url: str
    erp_url: str
    purchase_folder: Path
    bc_app: Any

    def erp_invoices(self) -> list[dict[str, Any]]:
        """Posted purchase invoices in the test ERP (credit memos: :meth:`erp_credit_memos`)."""
        from connectors.testing.bc_server.app import get_state

        return get_state(self.bc_app).posted("invoice")

    def erp_credit_memos(self) -> list[dict[str, Any]]:
        """Posted purchase credit memos in the test ERP (one per clean credit note)."""
        from connectors.testing.bc_server.app import get_state

        return get_state(self.bc_app).posted("credit_memo")

    def outcomes(self) -> dict[str, Any]:
        """Outcomes the robot wrote back, by purchase-system invoice id."""
        path = self.purchase_folder / ".outcomes.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return dict(data.get("outcomes", {}))


@contextmanager
def sandbox(samples: Path, var: Path, *, fail_rate: float = 0.0) -> Iterator[Sandbox]:
    """Start the purchase-system sandbox and the test ERP over a fresh copy of ``samples/inbox``."""
    if var.exists():
        shutil.rmtree(var)
    folder = var / "purchase-system"
    shutil.copytree(samples / "inbox", folder)
    purchase_token, bc_token = secrets.token_hex(16), secrets.token_hex(16)
    os.environ[PURCHASE_TOKEN_ENV], os.environ[BC_TOKEN_ENV] = purchase_token, bc_token
    vendors = {v.number: v.name for v in load_vendors(samples / "vendors.yaml")}
    bc_app = create_bc(vendors=vendors, bearer_tokens=[bc_token], fail_rate=fail_rate)
    with serve(create_purchase_system(folder, purchase_token)) as purchase_url, serve(bc_app) as erp_url:
        config = var / "fakturarobot.yaml"
        config.write_text(
            yaml.safe_dump(_config(samples, var, purchase_url, erp_url), sort_keys=False), "utf-8"
        )
        yield Sandbox(config, purchase_url, erp_url, folder, bc_app)


def _config(samples: Path, var: Path, purchase_url: str, erp_url: str) -> dict[str, Any]:
    return {
        "database": f"sqlite:///{var.resolve()}/fakturarobot.db",
        "customers": str((samples / "customers.yaml").resolve()),
        "vendors": str((samples / "vendors.yaml").resolve()),
        "orders": str((samples / "orders.yaml").resolve()),
        "pdf_templates": [str(p.resolve()) for p in [samples / "pdf-templates"] if p.is_dir()],
        "source": {"kind": "purchase-api", "base_url": purchase_url, "token_env": PURCHASE_TOKEN_ENV},
        "ledger": {
            "kind": "business-central",
            "base_url": f"{erp_url}/api/v2.0",
            "company_id": DEFAULT_COMPANY_ID,
            "auth": {"type": "bearer", "token_env": BC_TOKEN_ENV},
            "default_account": "5810",
            "timeout_seconds": 5,
            "backoff_base_seconds": 0.05,
            "backoff_max_seconds": 0.5,
        },
        "notifier": {"kind": "eml", "outbox": str((var / "outbox").resolve())},
    }
