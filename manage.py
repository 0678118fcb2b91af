#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

WITHOUT_KEY_HELP = """\
SECRET_KEY is not set, and DEBUG is off (the default, so that production never runs with a
development key). For local development: make superuser, or DEBUG=1 before the command, e.g.
    DEBUG=1 .venv/bin/python manage.py createsuperuser
In production: set SECRET_KEY (a long random string) in the environment."""


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ultraminebackend.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # One clear paragraph instead of a 40-line traceback for the commonest first stumble.
        if "SECRET_KEY" not in str(exc):
            raise
        sys.exit(WITHOUT_KEY_HELP)


if __name__ == "__main__":
    main()
