"""Locating a point to its grid, and validating boundaries."""

import pytest

from grids.geo import boundary_validate, locator
from grids.services import unit_deactivate, unit_update
from jintan.errors import DomainError
from tests.territory import square


@pytest.fixture
def located(tree, django_capture_on_commit_callbacks):
    locator.reset()
    return tree


def test_a_point_inside_a_grid_locates_to_it_and_its_micro_grid(located):
    found = locator.locate(31.5, 119.25)
    assert found.grid_id == located["G1"].pk
    assert found.micro_grid_id == located["M1"].pk
    found = locator.locate("31.2", "119.9")
    assert found.grid_id == located["G2"].pk


def test_a_point_on_a_shared_edge_goes_to_one_grid_always(located):
    answers = {locator.locate(31.5, 119.5).grid_id for _ in range(5)}
    # Both grids cover the edge; the lower code wins, every time.
    assert answers == {located["G1"].pk}
    assert locator.locate(31.0, 119.0).grid_id == located["G1"].pk  # a corner


@pytest.mark.parametrize(("lat", "lng"), [(30.9, 119.2), (31.5, 120.01), (0, 0)])
def test_a_point_outside_every_grid_is_a_clear_error(located, lat, lng):
    with pytest.raises(DomainError) as error:
        locator.locate(lat, lng)
    assert error.value.code == "outside_grids"
    assert error.value.status == 422
    assert "不在任何网格内" in error.value.message


@pytest.mark.parametrize(
    ("lat", "lng", "field"), [(91, 119, "lat"), (31, 181, "lng"), ("北纬", 119, "lat")]
)
def test_malformed_points_are_refused(located, lat, lng, field):
    with pytest.raises(DomainError) as error:
        locator.locate(lat, lng)
    assert error.value.code == "invalid_point"
    assert field in error.value.fields


def test_the_locator_follows_boundary_changes(
    located, django_capture_on_commit_callbacks
):
    assert locator.locate(31.5, 119.25).grid_id == located["G1"].pk
    with django_capture_on_commit_callbacks(execute=True):
        unit_update(actor=None, unit=located["G2"], boundary=square(119, 31, 120, 32))
        unit_deactivate(actor=None, unit=located["G1"])
    assert locator.locate(31.5, 119.25).grid_id == located["G2"].pk


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Point", "coordinates": [119, 31]},
        {
            "type": "Polygon",
            "coordinates": [[[119, 31], [120, 32], [119, 32], [120, 31], [119, 31]]],
        },
        square(179, 31, 181, 32),
        {"type": "Polygon", "coordinates": "not a ring"},
        "not even a mapping",
    ],
    ids=["point", "bow-tie", "out-of-range", "garbage-coordinates", "string"],
)
def test_bad_boundaries_are_refused(boundary):
    with pytest.raises(DomainError) as error:
        boundary_validate(boundary)
    assert error.value.code == "invalid_boundary"
    assert "boundary" in error.value.fields
