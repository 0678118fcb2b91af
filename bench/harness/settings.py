"""Settings for the bench's gunicorn: production settings plus the floor views and a query count.

The floor views never ship in the product's URLs: ``bench.harness.urls`` is mounted only here.
"""

from ultraminebackend.settings import *  # noqa: F403
from ultraminebackend.settings import MIDDLEWARE

ROOT_URLCONF = "bench.harness.urls"
MIDDLEWARE = ["bench.harness.middleware.count_queries", *MIDDLEWARE]
# No collectstatic in a throwaway folder; the API serves no static files anyway.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
