"""One stored asset for every app: on a CDN (Cloudinary, ImageKit) or on our own public storage.

``models.StoredAsset`` holds where a file lives, ``store.AssetStore`` puts it there (the CDNs in
order, then our storage), ``delivery`` answers its URLs and ``cleanup`` removes it. A new CDN is
one ``providers.CdnProvider`` subclass registered in ``providers.PROVIDERS``.
"""
