"""One stored asset for every app: on a CDN (Cloudinary, ImageKit) or on our own public storage.

See docs/writes-and-assets.md.
"""
