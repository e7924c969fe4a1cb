import pytest

from grids.models import Role
from workorders.services import workorder_act


@pytest.fixture
def staff(make_user, tree):
    return {
        "commander": make_user(Role.COMMANDER, tree["D"]),
        "dispatcher": make_user(Role.DISPATCHER, tree["T1"]),
        "far_dispatcher": make_user(Role.DISPATCHER, tree["T2"]),
        "cadre": make_user(Role.CADRE, tree["V1"]),
        "worker": make_user(Role.GRID_WORKER, tree["G1"]),
        "far_worker": make_user(Role.GRID_WORKER, tree["G2"]),
    }


@pytest.fixture
def dispatched_ticket(new_ticket, staff, tree):
    """A ticket dispatched to G1, owned by its grid worker."""

    def make(**extra):
        ticket = new_ticket(**extra)
        return workorder_act(
            actor=staff["dispatcher"],
            workorder=ticket,
            action="dispatch",
            unit=tree["G1"],
            owner=staff["worker"],
        )

    return make
