"""A real Chromium for browser tests: Debian's ``/usr/bin/chromium`` driven by Playwright.

Nothing is downloaded (``playwright install`` is never needed): Playwright's bundled driver starts
the system browser through ``executable_path``. Required in CI (``CI=1``); elsewhere a test that
needs the browser skips, naming what is missing. ``page`` fixtures take a screenshot into
``var/test-screenshots/`` when the test fails (the hook is in tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("FAKTURAROBOT_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"]


def browser_problem() -> str | None:
    """Why no browser test can run here, or None."""
    if not (CHROMIUM.exists() or shutil.which(str(CHROMIUM))):
        return f"no Chromium at {CHROMIUM} (Debian package chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the venv
        return f"playwright is not installed: {exc}"
    return None


def require_browser() -> None:
    """Skip (outside CI) or fail (in CI) when the browser cannot run."""
    problem = browser_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests are required in CI: {problem}")
    pytest.skip(problem)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium (one per use; closed afterwards)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_on_failure(page: object, node: pytest.Item) -> None:
    """Save the page as a PNG named after the test, when the test's call phase failed."""
    report = getattr(node, "rep_call", None)
    if report is None or not report.failed:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in node.nodeid)[-150:]
    with contextlib.suppress(Exception):  # a failed screenshot must not hide the test's own failure
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


@contextmanager
def recording_page(browser: Browser, node: pytest.Item) -> Iterator[Page]:
    """A page in a fresh Danish, Copenhagen-time context; every dialog is recorded in
    ``page.dialogs`` (``"confirm: text"``) and accepted; a screenshot is saved if the test failed."""
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.on("dialog", on_dialog)
    page.dialogs = dialogs  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        screenshot_on_failure(page, node)
        context.close()
