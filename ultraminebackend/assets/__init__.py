"""One stored asset for every app: on a CDN (Cloudinary today) or on our own public storage.

See docs/writes-and-assets.md.
"""
