"""Project-wide file plumbing: storage roles, upload names, URL building and serving.

Every app stores and links files through this package; no app builds URLs or picks storages itself.
"""
