"""Project-wide file plumbing, in three rooms: ``storage`` (roles, names, fields, URLs, serving),
``processing`` (intake, thumbnails, video) and ``operations`` (checks, probes, commands)."""
