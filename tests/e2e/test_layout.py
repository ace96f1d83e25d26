"""The pages on a phone's width: the top bar stays a bar, and tables fit the screen."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [380, 640, 1200])
def test_the_top_bar_is_a_few_lines_high_at_any_width(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/search/?q=knots")
        bar = page.locator("header.topbar").bounding_box()
        box = page.locator("header .searchbox input").bounding_box()
        # Brand, search box and navigation, stacked on a phone: the box is one line of text
        # high (its flex basis of 320px once made it 320px tall in the stacked bar).
        assert box["height"] < 60, box
        assert bar["height"] < 200, bar
    finally:
        context.close()


def test_the_playlists_table_fits_a_phone_without_scrolling_sideways(browser, live_server, yt):
    # Alice's real list from the emulator (thumbnails, 3,000-video counts, state badges) was
    # 509px wide at 380: the whole page, top bar included, scrolled sideways.
    context = browser.new_context(viewport={"width": 380, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.click("text=Sign in with Google")
        page.click("text=alice@example.com")
        page.wait_for_url(re.compile(r".*/playlists/$"))
        assert page.locator("table.table tbody tr").count() > 5
        assert page.evaluate("document.documentElement.scrollWidth") <= 380
    finally:
        context.close()
