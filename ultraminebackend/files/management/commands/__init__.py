"""``storage_doctor`` and ``migrate_media``."""
