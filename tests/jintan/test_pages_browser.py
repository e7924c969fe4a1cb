"""The landing page in a real browser: Chinese renders, the language switch works."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_in_chromium(live_server, page, screenshot):
    page.goto(live_server.url + "/")
    assert page.title() == "金坛区网格化基层治理平台"
    assert page.locator("h1").inner_text() == "金坛区网格化基层治理平台"
    path = screenshot("home-zh")
    assert path.stat().st_size > 10_000

    page.select_option("#language-select", "en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Jintan Grid Governance Platform"
    screenshot("home-en")
