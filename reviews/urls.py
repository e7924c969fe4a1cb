"""Routes of the reviews: pages under /reviews/, API under /api/v1/."""

from django.urls import path, register_converter

from . import api, views


class DayConverter:
    """A day in the path: YYYY-MM-DD, or ``today`` (API only)."""

    regex = r"today|\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(DayConverter, "reviewday")

urlpatterns = [
    path("", views.report_index, name="index"),
    path("generate/", views.report_generate, name="generate"),
    path(
        "<slug:kind>/<reviewday:start>/<int:unit_id>/", views.report_page, name="report"
    ),
    path(
        "<slug:kind>/<reviewday:start>/<int:unit_id>/tickets/",
        views.report_tickets,
        name="tickets",
    ),
    path(
        "<slug:kind>/<reviewday:start>/<int:unit_id>/export.xlsx",
        views.report_export,
        name="export",
    ),
]

api_urlpatterns = [
    path("reviews/reports/", api.ReportListView.as_view(), name="review-report-list"),
    path(
        "reviews/reports/<int:pk>/",
        api.ReportDetailView.as_view(),
        name="review-report-detail",
    ),
    path("worklogs/", api.WorkLogListView.as_view(), name="worklog-list"),
    path("worklogs/<reviewday:day>/", api.MyWorkLogView.as_view(), name="worklog-mine"),
    path(
        "worklogs/<reviewday:day>/users/<int:user_id>/",
        api.StaffWorkLogView.as_view(),
        name="worklog-user",
    ),
]
