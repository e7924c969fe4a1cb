"""Boundaries and points: validating GeoJSON, and locating a point to its grid.

The locator keeps a shapely STRtree of every active grid and micro-grid
boundary, built once per process and rebuilt when ``grids.services`` bumps the
boundary version (a cache key), so locating a point costs microseconds.
"""

import threading
import time
from dataclasses import dataclass

import shapely
from django.core.cache import cache
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from jintan.errors import DomainError

from .models import Level, OrgUnit

BOUNDARY_VERSION_KEY = "grids:boundary-version"
# How often a process asks the cache whether boundaries changed.
VERSION_CHECK_SECONDS = 2.0


def boundary_validate(geojson) -> dict:
    """Return ``geojson`` if it is a valid Polygon/MultiPolygon in lon/lat."""
    if not isinstance(geojson, dict) or geojson.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise DomainError(
            _("A boundary must be a GeoJSON Polygon or MultiPolygon."),
            code="invalid_boundary",
            fields={"boundary": [_("Expected a GeoJSON Polygon or MultiPolygon.")]},
        )
    try:
        geometry = shape(geojson)
    except Exception as exc:
        raise DomainError(
            _("The boundary is not valid GeoJSON: %(error)s") % {"error": exc},
            code="invalid_boundary",
            fields={"boundary": [str(exc)]},
        ) from exc
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise DomainError(
            _("Boundary coordinates must be longitude, latitude in degrees."),
            code="invalid_boundary",
            fields={"boundary": [_("Coordinates out of range.")]},
        )
    if geometry.is_empty or not geometry.is_valid:
        raise DomainError(
            _("The boundary polygon is empty or intersects itself."),
            code="invalid_boundary",
            fields={"boundary": [shapely.is_valid_reason(geometry)]},
        )
    return geojson


def point_validate(lat, lng) -> tuple[float, float]:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            _("Latitude and longitude must be numbers."),
            code="invalid_point",
            fields={"lat": [_("Not a number.")], "lng": [_("Not a number.")]},
        ) from exc
    errors = {}
    if not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if not -180 <= lng <= 180:
        errors["lng"] = [_("Longitude must be between -180 and 180.")]
    if errors:
        raise DomainError(
            _("The point is outside the valid coordinate range."),
            code="invalid_point",
            fields=errors,
        )
    return lat, lng


@dataclass(frozen=True)
class Location:
    grid_id: int
    micro_grid_id: int | None


class _Layer:
    """One STRtree over the boundaries of one level; ties go to the lowest code."""

    def __init__(self, rows):
        rows = sorted(rows, key=lambda row: row[1])
        self.ids = [row[0] for row in rows]
        self.geometries = [shape(row[2]) for row in rows]
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = STRtree(self.geometries) if self.geometries else None

    def find(self, point: Point) -> int | None:
        if self.tree is None:
            return None
        hits = self.tree.query(point, predicate="covered_by")
        return self.ids[int(hits.min())] if len(hits) else None


class Locator:
    def __init__(self):
        self._lock = threading.Lock()
        self._version = None
        self._checked_at = 0.0
        self._grids = self._micro_grids = None

    def locate(self, lat, lng) -> Location:
        """The grid (and micro-grid where known) covering the point.

        Raises ``DomainError(code="outside_grids")`` when no grid covers it.
        """
        lat, lng = point_validate(lat, lng)
        self._refresh_if_stale()
        point = Point(lng, lat)
        grid_id = self._grids.find(point)
        if grid_id is None:
            raise DomainError(
                _("The point (%(lat)s, %(lng)s) is not in any grid.")
                % {"lat": lat, "lng": lng},
                code="outside_grids",
                status=422,
            )
        return Location(grid_id=grid_id, micro_grid_id=self._micro_grids.find(point))

    def reset(self):
        with self._lock:
            self._version = None
            self._checked_at = 0.0

    def _refresh_if_stale(self):
        now = time.monotonic()
        if self._grids is not None and now - self._checked_at < VERSION_CHECK_SECONDS:
            return
        with self._lock:
            version = cache.get(BOUNDARY_VERSION_KEY, 0)
            if self._grids is None or version != self._version:
                self._grids = _Layer(_boundaries(Level.GRID))
                self._micro_grids = _Layer(_boundaries(Level.MICRO_GRID))
                self._version = version
            self._checked_at = now


def _boundaries(level: Level):
    return OrgUnit.objects.filter(
        level=level, is_active=True, boundary__isnull=False
    ).values_list("id", "code", "boundary")


def boundaries_changed() -> None:
    """Tell every process's locator to rebuild on its next call."""
    cache.set(BOUNDARY_VERSION_KEY, time.time_ns(), timeout=None)
    locator.reset()


locator = Locator()
