"""Upload limits over HTTP: the body cap while streaming, then per-kind limits."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from expotv.config import Settings
from expotv.edge.middleware import FORM_ALLOWANCE_BYTES
from tests.integration.media import samples
from tests.integration.media.conftest import (
    IMAGE_LIMIT,
    VIDEO_LIMIT,
    count_ads,
    media_files,
)

CAP = VIDEO_LIMIT + FORM_ALLOWANCE_BYTES
CHUNK = 16 * 1024
BOUNDARY = "expotvboundary"


def padded_png(size: int) -> bytes:
    data = samples.image_bytes("PNG", (16, 16))
    return data + b"\x00" * (size - len(data))


def padded_mp4(size: int) -> bytes:
    data = samples.mp4_h264(audio=None, frames=3)
    free = size - len(data)
    return data + struct.pack(">I4s", free, b"free") + b"\x00" * (free - 8)


class CountingBody:
    """A multipart body sent in chunks, remembering how much the server pulled."""

    def __init__(self, file_size: int) -> None:
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="arquivo"; filename="v.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        self.file_size = file_size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.sent += len(self.head)
        yield self.head
        remaining = self.file_size
        while remaining > 0:
            size = min(CHUNK, remaining)
            remaining -= size
            self.sent += size
            yield b"\x00" * size
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.sent += len(tail)
        yield tail


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def test_declared_length_over_the_cap_is_413_without_reading(
    media_client: httpx.AsyncClient,
) -> None:
    body = CountingBody(CAP * 20)
    headers = {**MULTIPART, "Content-Length": str(CAP * 20 + 200)}

    response = await media_client.post("/teste/midia", content=body, headers=headers)

    assert response.status_code == 413
    assert response.json()["detail"].startswith("envio grande demais")
    assert body.sent <= CHUNK + len(body.head)


async def test_streamed_body_over_the_cap_is_413_as_soon_as_it_passes(
    media_client: httpx.AsyncClient, media_app: FastAPI, settings: Settings
) -> None:
    body = CountingBody(CAP * 20)  # chunked: no Content-Length to trust

    response = await media_client.post("/teste/midia", content=body, headers=MULTIPART)

    assert response.status_code == 413
    assert "grande demais" in response.json()["detail"]
    assert body.sent <= CAP + 2 * CHUNK
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0


async def test_image_at_the_limit_is_accepted(
    media_client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await media_client.post(
        "/teste/midia", files={"arquivo": ("a.png", padded_png(IMAGE_LIMIT))}
    )
    assert response.status_code == 201, response.text
    assert len(media_files(settings)) == 2


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (padded_png(IMAGE_LIMIT + 1), "imagens"),
        (padded_mp4(VIDEO_LIMIT + 1), "vídeos"),
    ],
    ids=["image", "video"],
)
async def test_one_byte_over_the_kind_limit_is_413_and_leaves_nothing(
    media_client: httpx.AsyncClient,
    media_app: FastAPI,
    settings: Settings,
    data: bytes,
    what: str,
) -> None:
    response = await media_client.post(
        "/teste/midia", files={"arquivo": ("arquivo", data)}
    )

    assert response.status_code == 413
    assert what in response.json()["detail"]
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0


@pytest.mark.parametrize(
    ("data", "name", "status"),
    [
        (b"ola, eu sou um texto", "foto.png", 415),
        (samples.image_bytes("PNG", (300, 300))[:200], "foto.png", 422),
        (samples.huge_png_header(30_000, 30_000), "bomba.png", 422),
        (samples.bomb_png(2000, 1000), "grande.png", 422),
    ],
    ids=["text-named-png", "truncated-png", "bomb", "too-many-pixels"],
)
async def test_bad_files_get_clear_errors_and_leave_nothing(
    media_client: httpx.AsyncClient,
    media_app: FastAPI,
    settings: Settings,
    data: bytes,
    name: str,
    status: int,
) -> None:
    response = await media_client.post(
        "/teste/midia", files={"arquivo": (name, data, "image/png")}
    )

    assert response.status_code == status
    detail = response.json()["detail"]
    if status == 422:
        assert detail[0]["loc"] == ["body", "arquivo"]
    else:
        assert "não aceito" in detail
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0


async def test_small_bodies_pass_through_the_guard(
    media_client: httpx.AsyncClient,
) -> None:
    response = await media_client.post("/teste/midia", data={"falha": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "arquivo"]
