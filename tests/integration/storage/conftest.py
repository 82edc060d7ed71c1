"""A real S3-compatible server on loopback (moto's standalone server) for the S3 tests.

The tests reach it through ``S3Storage.from_settings``: the same client code that
talks to Cloudflare R2 in production.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from expotv.config import Settings
from expotv.storage.s3 import S3Storage
from tests import support
from tests.conftest import make_settings

PREFIX = "midia"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = support.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_settings(
    data_dir: Path, endpoint: str, bucket: str, **extra: object
) -> Settings:
    return make_settings(
        data_dir,
        storage_url=f"s3://{bucket}/{PREFIX}",
        s3_endpoint_url=endpoint,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        max_image_bytes=40_000,
        max_video_bytes=150_000,
        **extra,
    )


@pytest.fixture
def bucket() -> str:
    return f"expotv-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def storage_settings(tmp_path: Path, s3_endpoint: str, bucket: str) -> Settings:
    return s3_settings(tmp_path, s3_endpoint, bucket)


@pytest.fixture(scope="session")
def s3_client(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One client for the run: building a boto3 client costs about a second."""
    settings = s3_settings(tmp_path_factory.mktemp("s3"), s3_endpoint, "unused")
    return S3Storage.from_settings(settings).client


@pytest.fixture
def s3_storage(s3_client: Any, s3_endpoint: str, bucket: str) -> S3Storage:
    """A fresh bucket, laid out as ``from_settings`` would for ``storage_settings``."""
    s3_client.create_bucket(Bucket=bucket)
    # Public reads, as an R2 bucket with public access (or a CDN in front) gives.
    s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read(bucket)))
    return S3Storage(
        s3_client,
        bucket,
        prefix=f"{PREFIX}/",
        public_base_url=f"{s3_endpoint}/{bucket}",
    )


def public_read(bucket: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def bucket_keys(storage: S3Storage) -> list[str]:
    listing = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))
