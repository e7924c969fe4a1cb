import pytest

from grids.models import Department, Role
from reviews.models import Kind
from reviews.periods import Period


@pytest.fixture
def month():
    """A month long over: three months back, so every history fits before now."""
    return Period.last_ended(Kind.MONTHLY).previous().previous()


@pytest.fixture
def people(make_user, tree):
    department = Department.objects.create(
        name="城管中队", code="CG1", kind="urban_management", territory=tree["T1"]
    )
    return {
        "commander": make_user(Role.COMMANDER, tree["D"], full_name="周指挥"),
        "town": make_user(Role.DISPATCHER, tree["T1"], full_name="陈调度"),
        "far_town": make_user(Role.DISPATCHER, tree["T2"], full_name="吴调度"),
        "worker": make_user(Role.GRID_WORKER, tree["G1"], full_name="王网格"),
        "peer": make_user(Role.GRID_WORKER, tree["G1"], full_name="李网格"),
        "far_worker": make_user(Role.GRID_WORKER, tree["G2"], full_name="赵网格"),
        "department": department,
        "department_staff": make_user(
            Role.DEPARTMENT_STAFF, tree["T1"], department=department
        ),
    }
