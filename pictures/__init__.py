"""Pictures: the Image model, its renditions, metadata stripping, and serving uploaded files.

Owns: pictures as received and stored without their metadata (models.py, images.py: the bomb guard,
EXIF orientation, resizing), their admin and upload form, the `pictures` template tag (<picture> from
the recorded renditions), and the view that serves media from disk where no proxy does.
May import: the shared modules (pagecache, sanitize). No other app: stories point at pictures, not back.
"""
