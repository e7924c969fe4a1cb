"""The command center's pages: the dashboard (``dashboard``) and the desk,
ticket and alert pages (``desk``). Both read through the same selectors and
act through the same services as the API."""

from . import dashboard, desk

urlpatterns = [*dashboard.urlpatterns, *desk.urlpatterns]
