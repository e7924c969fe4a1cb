"""Ticket fixtures shared by the apps above ``workorders`` (dispatch, reviews)."""

import pytest

from grids.geo import locator
from workorders import defaults
from workorders.models import Category, DeadlineRule
from workorders.services import workorder_create


@pytest.fixture
def categories(db):
    """The default taxonomy (a data migration loads it; tests that flush lose it)."""
    defaults.load(Category, DeadlineRule)
    return {category.code: category for category in Category.objects.all()}


@pytest.fixture
def escalation_steps(db):
    """The default escalation steps (a data migration loads them; tests that
    flush the database lose them)."""
    from dispatch import defaults
    from dispatch.models import EscalationStep

    defaults.load(EscalationStep)


@pytest.fixture
def new_ticket(tree, categories, escalation_steps):
    """``new_ticket(lng=119.25)``: a hotline ticket located in T1's grid (lng
    119.5–120 lands in T2, 130 outside every grid), waiting for dispatch."""
    locator.reset()
    serial = iter(range(1, 100_000))

    def make(*, lng=119.25, category="M01-01", priority="normal", **extra):
        fields = {
            "actor": None,
            "source": "hotline",
            "category": categories[category],
            "priority": priority,
            "title": "楼上漏水",
            "description": "楼上住户漏水到我家，协商未果。",
            "reporter_name": "张先生",
            "reporter_phone": "13912345678",
            "lat": 31.5,
            "lng": lng,
            "external_number": f"12345-{next(serial):05d}",
        }
        fields.update(extra)
        return workorder_create(**fields)[0]

    return make
