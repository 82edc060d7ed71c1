"""``GET/HEAD /media/{key}``: the local backend's objects, as TVs fetch them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from expotv.content import MediaKind
from expotv.context import context_of
from expotv.storage import keys
from expotv.storage.local import LocalStorage
from tests.cost import WALL_SECONDS, measured

NOW = datetime(2026, 1, 2, tzinfo=UTC)
BODY = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
async def stored_key(app: FastAPI, tmp_path: Path) -> str:
    storage: LocalStorage = context_of(app).storage
    key = keys.media_key(MediaKind.VIDEO, "mp4", NOW)
    source = tmp_path / "clip.mp4"
    source.write_bytes(BODY)
    await storage.put_file(key, source, "video/mp4")
    return key


async def test_whole_object_with_long_immutable_caching(
    client: httpx.AsyncClient, stored_key: str
) -> None:
    response = await client.get(f"/media/{stored_key}")

    assert response.status_code == 200
    assert response.content == BODY
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-length"] == str(len(BODY))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"].startswith('"')


async def test_head_gives_the_headers_without_the_body(
    client: httpx.AsyncClient, stored_key: str
) -> None:
    response = await client.head(f"/media/{stored_key}")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(BODY))
    assert response.headers["etag"]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=10230-99999", 10230, 10239),
    ],
)
async def test_one_range_is_a_206(
    client: httpx.AsyncClient, stored_key: str, header: str, first: int, last: int
) -> None:
    response = await client.get(f"/media/{stored_key}", headers={"Range": header})

    assert response.status_code == 206
    assert response.content == BODY[first : last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(BODY)}"
    assert response.headers["content-length"] == str(last - first + 1)


async def test_range_past_the_end_is_416(
    client: httpx.AsyncClient, stored_key: str
) -> None:
    response = await client.get(
        f"/media/{stored_key}", headers={"Range": "bytes=20000-"}
    )
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(BODY)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "bytes=9-2", "lines=1-2"])
async def test_ranges_we_do_not_serve_get_the_whole_object(
    client: httpx.AsyncClient, stored_key: str, header: str
) -> None:
    response = await client.get(f"/media/{stored_key}", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == BODY


@pytest.mark.parametrize(
    ("header", "status", "content_range"),
    [
        # Past the length cap: ignored, the whole object (it was a 500).
        ("bytes=0-" + "9" * 4400, 200, None),
        ("bytes=" + "9" * 4400 + "-", 200, None),
        # Within the cap, numbers beyond any file size are compared, not converted.
        ("bytes=" + "9" * 40 + "-", 416, f"bytes */{len(BODY)}"),
        ("bytes=0-" + "9" * 40, 206, f"bytes 0-{len(BODY) - 1}/{len(BODY)}"),
        ("bytes=-" + "9" * 40, 206, f"bytes 0-{len(BODY) - 1}/{len(BODY)}"),
        # Digits int() would refuse or misread.
        ("bytes=\u00b2-", 200, None),
    ],
    ids=[
        "4400-digit-last",
        "4400-digit-first",
        "huge-first",
        "huge-last",
        "suffix",
        "sup2",
    ],
)
async def test_hostile_range_headers_get_an_answer_fast(
    client: httpx.AsyncClient,
    stored_key: str,
    header: str,
    status: int,
    content_range: str | None,
) -> None:
    with measured() as cost:
        response = await client.get(
            f"/media/{stored_key}", headers={"Range": header.encode("latin-1")}
        )

    assert response.status_code == status
    assert response.headers.get("content-range") == content_range
    if status != 416:
        assert response.content == BODY
    assert cost.cpu_seconds < 1.0
    assert cost.seconds < WALL_SECONDS


async def test_etag_revalidation_is_a_304(
    client: httpx.AsyncClient, stored_key: str
) -> None:
    etag = (await client.head(f"/media/{stored_key}")).headers["etag"]

    response = await client.get(f"/media/{stored_key}", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


async def test_if_range_with_a_stale_tag_sends_everything(
    client: httpx.AsyncClient, stored_key: str
) -> None:
    response = await client.get(
        f"/media/{stored_key}", headers={"Range": "bytes=0-9", "If-Range": '"old"'}
    )
    assert response.status_code == 200
    assert response.content == BODY


@pytest.mark.parametrize(
    "path",
    [
        "/media/../../etc/passwd",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/..%2f..%2fexpotv.db",
        "/media/imagem/2026/01/02/" + "0" * 32 + ".png",
        "/media/imagem/2026/01/02/" + "0" * 32 + ".upload",
        "/media/expotv.db",
        "/media/",
    ],
)
async def test_anything_but_a_stored_public_key_is_404(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404


async def test_pending_originals_are_never_served(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    storage: LocalStorage = context_of(app).storage
    key = keys.upload_key(keys.media_key(MediaKind.VIDEO, "mp4", NOW))
    source = tmp_path / "original"
    source.write_bytes(b"\x1a\x45\xdf\xa3 original")
    await storage.put_file(key, source, "application/octet-stream")

    response = await client.get(f"/media/{key}")

    assert response.status_code == 404
