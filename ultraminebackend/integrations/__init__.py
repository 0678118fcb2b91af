"""External services shared by several apps (Cloudinary), each behind one small module."""
