"""Running the storage: system checks, health probes and the work of ``storage_doctor``,
``migrate_media`` and ``regenerate_thumbnails`` (thin commands in ``files/management/commands``)."""
