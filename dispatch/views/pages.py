"""The command center's pages: dashboard, dispatch desk, ticket, alert list.

(Being built; each route answers so that links and the live feed can name it.)
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path


@login_required
def placeholder(request, pk=None):
    return HttpResponse("…")


urlpatterns = [
    path("", placeholder, name="dashboard"),
    path("desk/", placeholder, name="desk"),
    path("tickets/<int:pk>/", placeholder, name="ticket"),
    path("alerts/", placeholder, name="alerts"),
]
