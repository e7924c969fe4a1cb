"""The desk, the ticket page and the alert list in headless Chromium.

A dispatcher logs in through the login form, dispatches a ticket from the
desk to a grid and one of its workers, finds it on the ticket page and
acknowledges an alert. Screenshots ``desk``, ``ticket`` and ``alerts`` are
saved under artifacts/screenshots/ for a person to look at.
"""

from datetime import timedelta

import pytest

from dispatch.models import Alert
from dispatch.sweep import alerts_sweep
from grids.models import Department, Role
from workorders.models import Status, WorkOrder
from workorders.services import workorder_act

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATTERS = [
    ("楼上漏水", "人民路12号3单元502室", "normal", 119.25),
    ("小区门口占道经营", "东门大街与华城路交叉口", "urgent", 119.30),
    ("河道漂浮垃圾", "丹金溧漕河五叶村段", "normal", 119.10),
    ("燃气管道异味", "五叶村八组15号", "critical", 119.40),
]


@pytest.fixture
def desk_world(tree, make_user, new_ticket):
    dispatcher = make_user(
        Role.DISPATCHER, tree["T1"], username="wangfang", full_name="王芳"
    )
    worker = make_user(Role.GRID_WORKER, tree["G1"], full_name="李强")
    make_user(Role.GRID_WORKER, tree["G1b"], full_name="赵敏")
    make_user(Role.CADRE, tree["V1"], full_name="陈建国")
    Department.objects.create(
        name="儒林镇城管中队", code="UM1", kind="urban_management", territory=tree["T1"]
    )
    tickets = [
        new_ticket(title=title, address=address, priority=priority, lng=lng)
        for title, address, priority, lng in MATTERS
    ]
    returned = new_ticket(title="噪音扰民", address="五叶村委会旁", lng=119.2)
    returned = workorder_act(
        actor=dispatcher,
        workorder=returned,
        action="dispatch",
        unit=tree["G1b"],
    )
    workorder_act(
        actor=make_user(Role.CADRE, tree["G1b"]),
        workorder=returned,
        action="return",
        note="位置在第1网格，不归本网格",
    )
    # Alerts on a ticket already at work, as the sweep raises them hours on.
    late = new_ticket(title="路灯不亮", address="华城路88号", priority="critical")
    late = workorder_act(
        actor=dispatcher, workorder=late, action="dispatch", unit=tree["G1"]
    )
    alerts_sweep(now=late.created_at + timedelta(hours=8.1))
    return {
        "dispatcher": dispatcher,
        "worker": worker,
        "tickets": tickets,
        "late": late,
    }


def log_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button.primary")
    page.wait_for_load_state()


def test_dispatch_from_the_desk_then_see_it_on_the_ticket_page(
    live_server, page, screenshot, desk_world, tree
):
    world = desk_world
    ticket = world["tickets"][0]
    log_in(page, live_server, "wangfang", "/command/desk/")
    assert page.url.endswith("/command/desk/")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 5  # four new, one returned; not the dispatched one
    assert "位置在第1网格" in page.locator("table.queue").inner_text()
    # desk.js is loaded under the CSP: "select all" is shown and works.
    assert page.locator("#select-all").is_visible()
    page.check("#select-all")
    assert page.locator("input.pick:checked").count() == 5
    page.uncheck("#select-all")
    screenshot("desk")

    # Choosing the other grid narrows the worker list to its own staff.
    page.select_option("#id_unit", str(tree["G1b"].pk))
    assert page.locator(f"#id_owner option[value='{world['worker'].pk}']").is_hidden()
    page.select_option("#id_unit", str(tree["G1"].pk))
    page.select_option("#id_owner", str(world["worker"].pk))
    page.check(f"#pick-{ticket.pk}")
    page.fill("#id_instructions", "请今天上门核实")
    page.click("button[name=action][value=dispatch]")
    page.wait_for_load_state()
    success = page.locator(".message.success")
    assert ticket.number in success.inner_text()
    assert page.locator(f"#pick-{ticket.pk}").count() == 0

    ticket = WorkOrder.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.unit_id, ticket.owner_id) == (
        Status.DISPATCHED,
        tree["G1"].pk,
        world["worker"].pk,
    )
    workorder_act(actor=world["worker"], workorder=ticket, action="accept")

    page.goto(f"{live_server.url}/command/tickets/{ticket.pk}/")
    timeline = page.locator("ol.timeline").inner_text()
    assert "请今天上门核实" in timeline
    assert "李强" in timeline
    assert "139****5678" in page.locator("dl.fields").first.inner_text()
    assert page.locator("#act-suspend").count() == 1  # a dispatcher's step
    screenshot("ticket")

    page.goto(f"{live_server.url}/command/alerts/")
    assert page.locator("table.alerts tbody tr").count() == Alert.objects.count()
    screenshot("alerts")
    page.locator("table.alerts button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".message.success").count() == 1
    assert Alert.objects.filter(acknowledged_by=world["dispatcher"]).count() == 1
    assert world["late"].number in page.locator("table.alerts").inner_text()
