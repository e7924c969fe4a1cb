"""Routes of the command center: pages under /command/, API under /api/v1/."""

from django.urls import path

from . import api
from .views import pages, stream

urlpatterns = [
    path("alerts/stream/", stream.alert_stream, name="alert-stream"),
    *pages.urlpatterns,
]

api_urlpatterns = [
    path("alerts/", api.AlertListView.as_view(), name="alert-list"),
    path(
        "alerts/<int:pk>/acknowledge/",
        api.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
    path(
        "notifications/", api.NotificationListView.as_view(), name="notification-list"
    ),
    path(
        "notifications/read/",
        api.NotificationReadView.as_view(),
        name="notification-read",
    ),
]
