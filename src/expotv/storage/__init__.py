from __future__ import annotations

from expotv.config import Settings
from expotv.storage.base import ObjectStorage
from expotv.storage.local import LocalStorage


def create_storage(settings: Settings) -> ObjectStorage:
    url = settings.storage_url
    if url and url.startswith("s3://"):
        from expotv.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    return LocalStorage(settings.media_dir, settings.public_media_url)
