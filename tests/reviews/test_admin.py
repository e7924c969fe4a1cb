"""Reviews in the admin: read-only, and scoped like the pages."""

import pytest
from django.utils import timezone

from grids.models import Role
from reviews.models import Report
from reviews.periods import local_date
from reviews.services import report_generate, worklog_note_write

pytestmark = pytest.mark.django_db


def test_a_town_administrator_reads_the_towns_reports_only(
    client, make_user, tree, month, people
):
    for unit in (tree["D"], tree["T1"], tree["T2"]):
        report_generate(actor=None, unit=unit, period=month)
    worklog_note_write(
        actor=people["far_worker"], day=local_date(timezone.now()), note="直溪"
    )
    admin = make_user(Role.ADMINISTRATOR, tree["T1"], is_staff=True)
    client.force_login(admin)
    page = client.get("/admin/reviews/report/").content.decode()
    listed = page[page.index('id="result_list"') :]
    assert tree["T1"].name in listed
    assert tree["T2"].name not in listed and tree["D"].name not in listed
    far = Report.objects.get(unit=tree["T2"])
    assert client.get(f"/admin/reviews/report/{far.pk}/change/").status_code in (
        302,
        404,
    )
    own = Report.objects.get(unit=tree["T1"])
    page = client.get(f"/admin/reviews/report/{own.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only
    assert client.get("/admin/reviews/report/add/").status_code == 403
    assert "直溪" not in client.get("/admin/reviews/worklog/").content.decode()
