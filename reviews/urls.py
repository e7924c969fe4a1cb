"""Routes of the reviews: pages under /reviews/, API under /api/v1/."""

urlpatterns = []
api_urlpatterns = []
