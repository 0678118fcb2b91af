"""Content: brands, social posts with media, and blogs."""
