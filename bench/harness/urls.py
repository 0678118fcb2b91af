"""The project's URLs plus the floor views (bench settings only)."""

from django.urls import path

from ultraminebackend.urls import urlpatterns as project_urlpatterns

from . import floor

urlpatterns = [
    path("bench/floor/products", floor.products),
    path("bench/floor/orders", floor.orders),
    *project_urlpatterns,
]
