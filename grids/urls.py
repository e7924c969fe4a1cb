from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter(trailing_slash=True)
router.register("units", views.UnitViewSet, basename="unit")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("places", views.PlaceViewSet, basename="place")

api_urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
