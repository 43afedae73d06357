"""The ``web:`` section of the configuration: its keys, defaults and refusals (file and line)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from robot.configuration.settings import load_config
from robot.errors import ConfigError
from tests.conftest import SAMPLES


def _config(tmp_path: Path, web: str) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "samples")
    path = tmp_path / "samples" / "fakturarobot.yaml"
    path.write_text(path.read_text(encoding="utf-8") + web, encoding="utf-8")
    return path


def test_defaults_without_a_web_section(tmp_path: Path) -> None:
    web = load_config(_config(tmp_path, "")).cfg.web
    assert (web.idle_minutes, web.session_hours, web.login_max_failures, web.login_window_minutes) == (
        30,
        12,
        5,
        15,
    )
    assert web.metrics_token_env is None and web.oidc is None


def test_every_key(tmp_path: Path) -> None:
    web = load_config(
        _config(
            tmp_path,
            "\nweb:\n  metrics_token_env: FR_METRICS\n  idle_minutes: 10\n  session_hours: 8\n"
            "  login_max_failures: 3\n  login_max_failures_per_address: 9\n  login_window_minutes: 30\n"
            "  oidc:\n    issuer: https://login.example.dk/realms/sa\n    client_id: fakturarobot\n"
            "    client_secret_env: FR_OIDC_SECRET\n    redirect_url: https://kreditor.example.dk/login/oidc/callback\n",
        )
    ).cfg.web
    assert (web.idle_minutes, web.session_hours, web.login_max_failures_per_address) == (10, 8, 9)
    assert web.oidc is not None and web.oidc.client_secret_env == "FR_OIDC_SECRET"


@pytest.mark.parametrize(
    ("web", "says"),
    [
        ("\nweb:\n  idle_minute: 10\n", "idle_minute"),
        ("\nweb:\n  idle_minutes: 0\n", "idle_minutes"),
        ("\nweb:\n  metrics_token_env: not a name\n", "metrics_token_env"),
        ("\nweb:\n  oidc: {issuer: https://x, client_id: c, client_secret_env: S}\n", "redirect_url"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, web: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(_config(tmp_path, web))
