"""Ultramine backend: Django project package (settings, URLs and the shared file plumbing)."""
