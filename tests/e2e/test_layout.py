"""The pages on a phone's width: the top bar stays a bar."""

from __future__ import annotations

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
