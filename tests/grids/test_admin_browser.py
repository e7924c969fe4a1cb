"""The territory admin in a real browser: the tree, masked registry, scope."""

import re

import pytest

from accounts.models import User
from grids import demo
from grids.models import Level, OrgUnit, Post, Resident, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username, password):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_the_tree_and_the_masked_registry(live_server, page, screenshot):
    demo.seed(demo.SCALES["small"])
    User.objects.create_superuser("chief", password="pw-chief-2026")
    sign_in(page, live_server, "chief", "pw-chief-2026")

    page.goto(live_server.url + "/admin/grids/orgunit/")
    body = page.locator("#result_list").inner_text()
    assert "金坛区" in body and "儒林镇" in body
    screenshot("admin-tree")

    resident = Resident.objects.order_by("id").first()
    page.goto(live_server.url + "/admin/grids/resident/")
    text = page.locator("#result_list").inner_text()
    assert resident.phone not in text
    assert re.search(r"1\d\d\*{4}\d{4}", text)
    screenshot("admin-residents")


def test_a_town_administrator_sees_only_the_town(live_server, page, screenshot):
    demo.seed(demo.SCALES["small"])
    towns = list(OrgUnit.objects.filter(level=Level.TOWN).order_by("code"))
    admin = User.objects.create_user(
        "town-admin", password="pw-town-2026", is_staff=True
    )
    Post.objects.create(user=admin, unit=towns[0], role=Role.ADMINISTRATOR)
    sign_in(page, live_server, "town-admin", "pw-town-2026")

    page.goto(live_server.url + "/admin/grids/household/")
    text = page.locator("#result_list").inner_text()
    assert towns[0].name in text
    assert all(town.name not in text for town in towns[1:])
    other = OrgUnit.objects.filter(town=towns[1], level=Level.VILLAGE).first()
    response = page.goto(live_server.url + f"/admin/grids/orgunit/{other.pk}/change/")
    assert response.status != 200 or "不存在" in page.content()
    screenshot("admin-town-scope")
