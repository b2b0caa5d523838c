"""The dashboard's "Avatar view" box in headless Chromium: it shows the pipeline's view and changing it submits
``set_view``. Same browser set-up (and skip rules) as test_dashboard_browser.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.daemon.fake import FakeController
from tests.daemon.test_dashboard_browser import ARGS, CHROMIUM, wait_js
from tests.daemon.helpers import need
from vtbridge.daemon.control import Command
from vtbridge.daemon.dashboard.server import Dashboard


class ViewController(FakeController):
    """The fake controller, plus the avatar view the real pipeline publishes."""

    view = "mirror"

    def submit(self, command: Command) -> None:
        super().submit(command)
        if command.kind == "set_view":
            self.view = str(command.arg)

    def snapshot(self):
        return replace(super().snapshot(), view=self.view)


@pytest.fixture
def page():
    need(programs=("chromium",), modules=("playwright",), why="dashboard browser tests need Chromium")
    from playwright.sync_api import sync_playwright

    fake = ViewController()
    dash = Dashboard(fake)
    url = dash.start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        wait_js(page, "Number(document.body.dataset.updates || 0) > 3")
        yield page, fake
        browser.close()
    dash.stop()
    assert errors == []


def test_view_box_shows_and_changes_the_view(page):
    page, fake = page
    assert page.eval_on_selector("#avatar-view", "e => e.value") == "mirror"
    page.select_option("#avatar-view", "camera")
    assert fake.wait_for(lambda c: c == Command("set_view", "camera"))
    page.locator("#state").click()  # focus elsewhere: the box follows the snapshot again
    wait_js(page, "document.getElementById('avatar-view').value === 'camera'")
    fake.view = "mirror"  # changed elsewhere (the tray): the box follows
    wait_js(page, "document.getElementById('avatar-view').value === 'mirror'")
