"""The work-order admin: the taxonomy with its deadlines, scoped read-only tickets."""

import pytest

from grids.geo import locator
from grids.models import Role
from workorders.models import HotlineCallback
from workorders.services import workorder_act, workorder_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(categories, tree, make_user):
    locator.reset()
    ticket, _ = workorder_create(
        actor=None,
        source="hotline",
        category=categories["M01-01"],
        title="楼道堆物",
        description="楼道堆放杂物，影响通行。",
        reporter_phone="13700001234",
        external_number="A-1",
        lat=31.5,
        lng=119.25,
    )
    return workorder_act(
        actor=make_user(Role.DISPATCHER, tree["T1"]),
        workorder=ticket,
        action="dispatch",
        unit=tree["G1"],
    )


def test_categories_with_their_deadline_rules(admin_client, categories):
    page = admin_client.get("/admin/workorders/category/").content.decode()
    assert "燃气安全隐患" in page and "矛盾化解" in page
    change = admin_client.get(
        f"/admin/workorders/category/{categories['M03-01'].pk}/change/"
    )
    assert change.status_code == 200
    assert "deadline_rules-TOTAL_FORMS" in change.content.decode()


def test_tickets_are_scoped_masked_and_read_only(client, ticket, tree, make_user):
    near = make_user(Role.DISPATCHER, tree["T1"], is_staff=True)
    far = make_user(Role.DISPATCHER, tree["T2"], is_staff=True)
    client.force_login(far)
    assert (
        ticket.number not in client.get("/admin/workorders/workorder/").content.decode()
    )
    assert (
        client.get(f"/admin/workorders/workorder/{ticket.pk}/change/").status_code
        == 302
    )
    client.force_login(near)
    assert ticket.number in client.get("/admin/workorders/workorder/").content.decode()
    page = client.get(
        f"/admin/workorders/workorder/{ticket.pk}/change/"
    ).content.decode()
    assert "137****1234" in page and "13700001234" not in page
    assert "dispatch" in page  # the event history
    assert client.get("/admin/workorders/workorder/add/").status_code == 403


def test_the_outbox_and_its_retry_action(admin_client, ticket):
    callback = HotlineCallback.objects.get()
    response = admin_client.post(
        "/admin/workorders/hotlinecallback/",
        {"action": "retry_now", "_selected_action": [callback.pk]},
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/workorders/hotlinecallback/").content.decode()
    assert f"{callback.workorder_id} dispatch" in page
