"""An upload the client aborts is a client disconnect: one INFO line (499), no 5xx
in the metrics, no traceback, nothing stored. A real socket sends half a multipart
body to a real server and closes."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from sqlalchemy import func, select

from expotv.ads.models import Ad
from expotv.config import Settings
from expotv.observability.logging import ACCESS_LOGGER, ERRORS_LOGGER
from expotv.users.models import Role
from tests import support
from tests.cost import WALL_SECONDS, measured
from tests.integration.condominiums import arrange
from tests.integration.edge.conftest import rss_bytes
from tests.integration.media.samples import stored_files

BOUNDARY = "expotvcorte"
MiB = 1024 * 1024


def requests_total(status: str) -> float:
    labels = {"method": "POST", "route": "/anuncios", "status": status}
    return support.sample_value("expotv_http_requests_total", labels) or 0.0


def half_an_upload(port: int, token: str, condominium_id: int) -> None:
    fields = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n"
        for name, value in (("nome", "Cortado"), ("condominios_ids", condominium_id))
    )
    head = (
        f"{fields}--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="arquivo"; filename="v.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    request = (
        "POST /anuncios HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(head) + 4 * MiB}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request + head + b"\x00" * (2 * MiB))
        time.sleep(0.3)  # the server is now reading the file part


async def test_an_aborted_upload_is_a_quiet_client_disconnect(
    settings: Settings,
    factory: support.Factory,
    clean: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = await factory.user(Role.ADMIN)
    token = await factory.token(admin)
    condominium = await arrange.condominium(factory)
    errors_before = requests_total("500")
    closed_before = requests_total("499")
    rss_before = rss_bytes()
    files_before = stored_files(settings.media_dir)

    with caplog.at_level(logging.INFO), support.live_server(settings) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        with measured() as cost:
            half_an_upload(port, token, condominium.id)
            deadline = time.monotonic() + WALL_SECONDS
            while requests_total("499") == closed_before:
                assert time.monotonic() < deadline, "o servidor não registrou o fim"
                time.sleep(0.05)

    # The server's CPU (it runs in this process) for a cut-short 20 MB upload.
    assert cost.cpu_seconds < 3
    assert rss_bytes() - rss_before < 64 * MiB
    assert requests_total("500") == errors_before
    assert requests_total("499") == closed_before + 1
    access = [
        (r.levelno, r.__dict__["status"])
        for r in caplog.records
        if r.name == ACCESS_LOGGER
    ]
    assert access == [(logging.INFO, 499)]
    assert [r for r in caplog.records if r.name == ERRORS_LOGGER] == []
    assert not [r for r in caplog.records if r.exc_info]
    async with factory.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Ad)) == 0
    assert stored_files(settings.media_dir) == files_before
