"""The dashboard in headless Chromium: live values that change, controls that submit the right Command, and a
screenshot in test-artifacts/dashboard.png. Skipped (or failed under VTBRIDGE_REQUIRE_MEDIA=1) without chromium
or the playwright package. Chromium is Debian's (/usr/bin/chromium); playwright's own browser download is never
used."""

from __future__ import annotations

import time

import pytest

from vtbridge.daemon.control import Command
from vtbridge.daemon.dashboard.server import Dashboard

from tests.conftest import REPO
from tests.daemon.fake import FakeController
from tests.daemon.helpers import need

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    need(programs=("chromium",), modules=("playwright",), why="dashboard browser tests need Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page_on(browser):
    fake = FakeController()
    dash = Dashboard(fake)
    url = dash.start()
    page = browser.new_page(viewport={"width": 1500, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    wait_js(page, "Number(document.body.dataset.updates || 0) > 3")
    yield page, fake, dash
    page.close()
    dash.stop()
    assert errors == []


def wait_js(page, expression: str, timeout: float = 10.0) -> None:
    """Poll with page.evaluate (wait_for_function compiles strings in the page, which our CSP rightly forbids)."""
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"timed out waiting for {expression}"
        time.sleep(0.05)


def text(page, selector):
    return page.locator(selector).inner_text()


def test_live_values_change(page_on):
    page, _, _ = page_on
    assert page.get_attribute("#state", "data-state") == "tracking" and text(page, "#conn") == "live"
    jaw, yaw = [], []
    for _ in range(6):
        jaw.append(text(page, '#blendshapes [data-name="jawOpen"] .num'))
        yaw.append(text(page, '#head [data-name="yaw"] b'))
        time.sleep(0.25)
    assert len(set(jaw)) > 2 and len(set(yaw)) > 2
    assert page.locator("#blendshapes .bar").count() == 6 and page.locator("#values .bar").count() == 3
    assert text(page, '#stages [data-name="track"] b') == "9.5"
    assert page.locator("#outputs .output").count() == 4
    assert "auth: pending" in text(page, '#outputs [data-name="vts"] .detail')
    assert "not running" in text(page, '#outputs [data-name="vts"] .detail')
    assert page.evaluate("document.getElementById('frame').naturalWidth") == 320  # preview frames arrive
    assert page.locator("#no-frame").is_hidden()
    counter = int(page.evaluate("document.body.dataset.updates"))
    time.sleep(0.5)
    assert int(page.evaluate("document.body.dataset.updates")) > counter


def test_controls_submit_commands(page_on):
    page, fake, _ = page_on
    page.click("#pause")
    assert fake.wait_for(lambda c: c == Command("pause"))
    wait_js(page, "document.getElementById('pause').textContent === 'Resume'")
    assert page.get_attribute("#state", "data-state") == "paused"
    page.click("#pause")
    assert fake.wait_for(lambda c: c == Command("resume"))

    page.click("#output-ifm")
    assert fake.wait_for(lambda c: c == Command("set_output", ("ifm", True)))
    page.click("#output-vmc")
    assert fake.wait_for(lambda c: c == Command("set_output", ("vmc", False)))

    page.select_option("#profile", "vrm1")
    assert fake.wait_for(lambda c: c == Command("set_profile", "vrm1"))
    wait_js(page, "document.getElementById('profile-name').textContent === '(vrm1)'")

    page.click("#calibrate")
    assert fake.wait_for(lambda c: c == Command("calibrate"))
    assert "quit" not in fake.kinds()


def test_screenshot(page_on):
    page, _, _ = page_on
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "dashboard.png"
    page.wait_for_timeout(1200)  # so the measured view rate is shown
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_page_without_token_gets_nothing(browser):
    dash = Dashboard(FakeController())
    url = dash.start()
    try:
        page = browser.new_page()
        response = page.goto(url.split("?")[0])
        assert response.status == 403 and "token" in page.content()
        page.close()
    finally:
        dash.stop()
