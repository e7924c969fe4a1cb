"""The dashboard (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path


@login_required
def dashboard(request):
    return HttpResponse("…")


urlpatterns = [path("", dashboard, name="dashboard")]
