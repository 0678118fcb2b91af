"""The test run's settings (pytest.ini): production's settings with the development key, static
files served as they are (no collectstatic) and a fast password hasher. Chosen by name, so nothing
in production depends on whether pytest happens to be imported."""

from ultraminebackend.settings import *  # noqa: F403
from ultraminebackend.settings import DEV_SECRET_KEY, SECRET_KEY, STORAGES

SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Hashing passwords at production cost would dominate tests that create users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
