"""The dispatch desk, the ticket page and the alert list (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path


@login_required
def placeholder(request, pk=None):
    return HttpResponse("…")


urlpatterns = [
    path("desk/", placeholder, name="desk"),
    path("tickets/<int:pk>/", placeholder, name="ticket"),
    path("alerts/", placeholder, name="alerts"),
]
