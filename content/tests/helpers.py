"""Storage inspection shared by the content tests."""


def stored_files(settings) -> list[str]:
    """Every file under local public media, as names relative to MEDIA_ROOT."""
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def content_files(settings) -> list[str]:
    """Stored files outside the AI agent's temporary folder."""
    return [name for name in stored_files(settings) if not name.startswith("ai-generated-images/")]
