from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts import urls as accounts_urls
from dispatch import urls as dispatch_urls
from grids import urls as grids_urls
from reviews import urls as reviews_urls
from workorders import urls as workorders_urls

from . import health, views

admin.site.site_header = _("Jintan Grid Governance Platform")
admin.site.site_title = _("Jintan Grid Governance Platform")
admin.site.index_title = _("Administration")

api_v1 = [
    *accounts_urls.api_urlpatterns,
    *grids_urls.api_urlpatterns,
    *workorders_urls.api_urlpatterns,
    *dispatch_urls.api_urlpatterns,
    *reviews_urls.api_urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include(accounts_urls.urlpatterns)),
    path("admin/", admin.site.urls),
    path("command/", include((dispatch_urls.urlpatterns, "dispatch"))),
    path("reviews/", include((reviews_urls.urlpatterns, "reviews"))),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/schema/swagger/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="swagger-ui",
    ),
    path(
        "api/schema/redoc/",
        SpectacularRedocView.as_view(url_name="schema"),
        name="redoc",
    ),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
