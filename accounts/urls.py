from django.contrib.auth import views as auth_views
from django.urls import path

from . import api

api_urlpatterns = [
    path("auth/tokens/", api.TokenListView.as_view(), name="token-list"),
    path("auth/tokens/refresh/", api.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/tokens/<int:pk>/", api.TokenDetailView.as_view(), name="token-detail"),
]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
