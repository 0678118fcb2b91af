"""DRF view mixins for endpoints that store files through plain serializer saves."""

from .cleanup import files_atomic_block


class FilesAtomicMixin:
    """Wrap serializer saves so a failure after a file was stored removes the file too."""

    def perform_create(self, serializer):
        with files_atomic_block():
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with files_atomic_block():
            super().perform_update(serializer)
