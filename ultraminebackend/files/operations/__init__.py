"""Running the storage: system checks, health probes, ``storage_doctor`` and ``migrate_media``
(the commands themselves live in ``files/management/commands``, where Django finds them)."""
