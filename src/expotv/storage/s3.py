"""S3-compatible object storage (Cloudflare R2 in production, moto in the tests).

``EXPOTV_STORAGE_URL=s3://bucket[/prefix]``. The endpoint, region and keys come from
``EXPOTV_S3_*`` when set, else from boto3's usual sources (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, profiles). boto3 is
blocking, so every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from expotv.config import Environment, Settings
from expotv.storage.base import (
    IMMUTABLE_CACHE_CONTROL,
    ObjectNotFound,
    StorageError,
    StoredObject,
)
from expotv.storage.keys import is_valid_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


def parse_storage_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix/")``."""
    if not url.startswith("s3://"):
        raise ValueError(f"URL de armazenamento S3 inválida: {url!r}")
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise ValueError(f"URL de armazenamento S3 sem bucket: {url!r}")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


class S3Storage:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        prefix: str = "",
        public_base_url: str,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.public_base_url = public_base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        bucket, prefix = parse_storage_url(settings.storage_url or "")
        endpoint = (
            settings.s3_endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
            or os.environ.get("AWS_ENDPOINT_URL")
        )
        region = (
            settings.s3_region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            # R2 and most S3-compatible servers accept any region; "auto" is R2's.
            or ("auto" if endpoint else None)
        )
        secret = settings.s3_secret_access_key
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(
                signature_version="s3v4",
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                # Path-style works on R2, MinIO and moto without wildcard DNS.
                s3={"addressing_style": "path"} if endpoint else None,
                # Third-party S3 servers lag behind AWS's default checksum headers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        public = settings.public_media_url
        if not public:
            if settings.environment is Environment.PRODUCTION:
                raise ValueError(
                    "EXPOTV_PUBLIC_MEDIA_URL é obrigatório com armazenamento S3"
                )
            if endpoint:
                public = f"{endpoint.rstrip('/')}/{bucket}"
            else:
                public = f"https://{bucket}.s3.{region or 'us-east-1'}.amazonaws.com"
            logger.warning(
                "EXPOTV_PUBLIC_MEDIA_URL não definido; URLs de mídia em %s", public
            )
        return cls(client, bucket, prefix=prefix, public_base_url=public)

    def object_name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        # upload_file switches to multipart for large files and aborts the
        # multipart upload on failure, so no half object is left behind.
        await self._call(
            self.client.upload_file,
            str(path),
            self.bucket,
            self.object_name(key),
            ExtraArgs={
                "ContentType": content_type,
                "CacheControl": IMMUTABLE_CACHE_CONTROL,
            },
        )

    async def get_file(self, key: str, path: Path) -> None:
        try:
            await self._call(
                self.client.download_file, self.bucket, self.object_name(key), str(path)
            )
        except ObjectNotFound:
            raise ObjectNotFound(key) from None

    async def delete(self, key: str) -> None:
        await self._call(
            self.client.delete_object, Bucket=self.bucket, Key=self.object_name(key)
        )

    async def exists(self, key: str) -> bool:
        try:
            await self._call(
                self.client.head_object, Bucket=self.bucket, Key=self.object_name(key)
            )
        except ObjectNotFound:
            return False
        return True

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{self.object_name(key)}"

    async def iter_objects(self) -> AsyncIterator[StoredObject]:
        token: str | None = None
        while True:
            options: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
            if token:
                options["ContinuationToken"] = token
            page = await self._call(self.client.list_objects_v2, **options)
            for item in page.get("Contents", []):
                key = str(item["Key"]).removeprefix(self.prefix)
                if is_valid_key(key):
                    modified = item["LastModified"].astimezone(UTC)
                    yield StoredObject(key, int(item.get("Size", 0)), modified)
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    async def check(self) -> None:
        await self._call(self.client.head_bucket, Bucket=self.bucket)

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND_CODES:
                raise ObjectNotFound(str(exc)) from exc
            raise StorageError(str(exc)) from exc
        except (BotoCoreError, Boto3Error) as exc:
            raise StorageError(str(exc)) from exc
