"""A body refused part-way still gets its answer over a real socket.

The edge refuses a multipart body as soon as a text field holds a NUL, before the
file part behind it has arrived. Closing then, while the client is still sending
megabytes, makes the client read a connection reset instead of the 422; the edge
reads and drops the rest first (within the upload cap and a few seconds)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.users.models import Role
from tests import support
from tests.integration.condominiums import arrange
from tests.integration.media.samples import stored_files

MiB = 1024 * 1024


@pytest.mark.parametrize("round_", range(3))
async def test_a_nul_before_a_big_file_part_is_answered_not_reset(
    settings: Settings, factory: support.Factory, clean: None, round_: int
) -> None:
    admin = await factory.user(Role.ADMIN)
    token = await factory.token(admin)
    condominium = await arrange.condominium(factory)
    files_before = stored_files(settings.media_dir)

    with support.live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            response = await client.post(
                "/anuncios",
                headers={"Authorization": f"Bearer {token}"},
                data={"nome": "Com\x00NUL", "condominios_ids": str(condominium.id)},
                files={"arquivo": ("v.mp4", b"\x00" * (8 * MiB), "video/mp4")},
            )

    assert response.status_code == 422
    assert response.json()["code"] == "nul_character"
    assert stored_files(settings.media_dir) == files_before
    async with factory.sessionmaker() as session:
        assert await session.scalar(select(func.count(Ad.id))) == 0
