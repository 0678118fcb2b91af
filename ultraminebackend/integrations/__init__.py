"""External services shared by several apps (Cloudinary, ImageKit), each behind one small module."""
