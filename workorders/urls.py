from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter(trailing_slash=True)
router.register("workorders", views.WorkOrderViewSet, basename="workorder")

api_urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path(
        "workorders/<int:pk>/attachments/",
        views.AttachmentUploadView.as_view(),
        name="workorder-attachments",
    ),
    path(
        "workorders/<int:pk>/<slug:action>/",
        views.WorkOrderActionView.as_view(),
        name="workorder-action",
    ),
    path("hotline/tickets/", views.HotlineIntakeView.as_view(), name="hotline-intake"),
    *router.urls,
]
