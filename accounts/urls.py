"""Auth routes (trailing slash optional)."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^token/?$", views.TokenView.as_view(), name="auth-token"),
    re_path(r"^token/refresh/?$", views.TokenRefresh.as_view(), name="auth-token-refresh"),
    re_path(r"^logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^password/?$", views.PasswordView.as_view(), name="auth-password"),
    re_path(r"^me/?$", views.MeView.as_view(), name="auth-me"),
]
