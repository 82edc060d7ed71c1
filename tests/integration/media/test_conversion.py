"""Videos converted off the request path, end to end through ``/anuncios``.

The app's in-process worker converts after the commit; ``media_queue.join()``
waits for it (no sleeps).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.content import ContentStatus
from expotv.context import context_of
from expotv.db import session_scope
from expotv.main import create_app
from expotv.media import service as media_service
from expotv.media import tasks, video
from expotv.media.exceptions import ConversionFailed
from expotv.storage import keys
from expotv.storage.base import StorageError
from expotv.storage.local import LocalStorage
from tests.integration.media import samples
from tests.integration.media.conftest import media_files, upload_ad, waiting_ad

NOW = datetime(2026, 4, 5, tzinfo=UTC)


async def post_ad(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    condo: Condominium,
    data: bytes,
    *,
    expect: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    response = await upload_ad(client, headers, condo, data, **fields)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_ad(
    client: httpx.AsyncClient, headers: dict[str, str], ad_id: int
) -> dict[str, Any]:
    response = await client.get(f"/anuncios/{ad_id}", headers=headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def path_of(settings: Settings, url: str) -> Path:
    return settings.media_dir / url.removeprefix("/media/")


async def test_webm_is_processing_then_plays_as_h264(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    ad = await post_ad(client, admin_headers, condo, samples.webm_vp8(), name="a.webm")

    assert ad["status"] == "processando"
    assert ad["tipo_midia"] == "video"
    assert ad["duracao"] == 2
    assert ad["archive_url"].endswith(".mp4")
    assert ad["thumbnail_url"].endswith(".thumb.jpg")
    assert (await client.get(ad["thumbnail_url"])).status_code == 200

    await context_of(app).media_queue.join()

    ad = await get_ad(client, admin_headers, ad["id"])
    assert ad["status"] == "ativo"
    assert ad["erro_midia"] is None
    response = await client.get(ad["archive_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    facts = samples.video_facts(path_of(settings, ad["archive_url"]))
    assert facts.codecs == [("video", "h264")]
    assert facts.moov_before_mdat
    key = ad["archive_url"].removeprefix("/media/")
    assert media_files(settings) == sorted([key, keys.thumbnail_key(key)])


async def test_h264_mp4_plays_at_once_without_audio(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    ad = await post_ad(client, admin_headers, condo, samples.mp4_h264(), name="a.mp4")

    assert ad["status"] == "ativo"
    assert ad["duracao"] == 2
    facts = samples.video_facts(path_of(settings, ad["archive_url"]))
    assert facts.codecs == [("video", "h264")]
    assert facts.moov_before_mdat


async def test_conversion_ends_in_the_requested_status(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
) -> None:
    ad = await post_ad(
        client, admin_headers, condo, samples.avi_mpeg4(), status="inativo"
    )
    assert ad["status"] == "processando"

    await context_of(app).media_queue.join()

    assert (await get_ad(client, admin_headers, ad["id"]))["status"] == "inativo"


async def test_failed_conversion_is_erro_with_the_reason_and_no_leftovers(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise ConversionFailed("o codec do vídeo não é suportado")

    monkeypatch.setattr(video, "transcode", fail)
    ad = await post_ad(client, admin_headers, condo, samples.webm_vp8())

    await context_of(app).media_queue.join()

    ad = await get_ad(client, admin_headers, ad["id"])
    assert ad["status"] == "erro"
    assert ad["erro_midia"] == "o codec do vídeo não é suportado"
    # Only the thumbnail is left, and the item still points at it.
    assert media_files(settings) == [ad["thumbnail_url"].removeprefix("/media/")]


async def test_deleting_before_the_conversion_leaves_nothing(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    ad = await post_ad(client, admin_headers, condo, samples.webm_vp8())
    response = await client.delete(f"/anuncios/{ad['id']}", headers=admin_headers)
    assert response.status_code == 204

    await context_of(app).media_queue.join()

    assert media_files(settings) == []


async def test_replacing_before_the_conversion_keeps_only_the_new_media(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    ad = await post_ad(client, admin_headers, condo, samples.webm_vp8())
    response = await client.put(
        f"/anuncios/{ad['id']}",
        files={"arquivo": ("b.png", samples.image_bytes("PNG"), "image/png")},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text

    await context_of(app).media_queue.join()

    ad = await get_ad(client, admin_headers, ad["id"])
    assert ad["status"] == "ativo"
    assert ad["tipo_midia"] == "imagem"
    key = ad["archive_url"].removeprefix("/media/")
    assert media_files(settings) == sorted([key, keys.thumbnail_key(key)])


async def test_a_ready_video_tells_its_condominiums_tvs(
    app: FastAPI,
    settings: Settings,
    condo: Condominium,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told: list[set[int]] = []
    original = tasks.content_changed

    def record(session: Any, **kwargs: Any) -> None:
        told.append(set(kwargs["condominium_ids"]))
        original(session, **kwargs)

    monkeypatch.setattr(tasks, "content_changed", record)
    ad_id = await create_pending_ad(
        app, settings, condo, queue=context_of(app).media_queue
    )

    await context_of(app).media_queue.join()

    assert told == [{condo.id}]
    assert await status_of(app, ad_id) is ContentStatus.ACTIVE


class DroppingQueue:
    """A queue that loses the job (e.g. the process died before running it)."""

    async def enqueue(self, key: str) -> None:
        return None


async def create_pending_ad(
    app: FastAPI,
    settings: Settings,
    condo: Condominium,
    *,
    queue: media_service.ConversionQueue,
) -> int:
    async with session_scope(context_of(app).sessionmaker) as session:
        media = await media_service.ingest(
            session,
            samples.upload(samples.webm_vp8()),
            storage=context_of(app).storage,
            settings=settings,
            now=NOW,
            queue=queue,
        )
        assert media.needs_processing
        target = await session.get(Condominium, condo.id)
        ad = waiting_ad(media, "Pendente", condominiums=[target])
        session.add(ad)
        await session.flush()
        return ad.id


async def status_of(app: FastAPI, ad_id: int) -> ContentStatus:
    async with context_of(app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        return ad.status


async def test_a_lost_job_is_picked_up_when_a_worker_starts(
    app: FastAPI, settings: Settings, condo: Condominium
) -> None:
    ad_id = await create_pending_ad(app, settings, condo, queue=DroppingQueue())
    assert await status_of(app, ad_id) is ContentStatus.PROCESSING

    restarted = create_app(settings)
    async with LifespanManager(restarted, startup_timeout=30):
        await context_of(restarted).media_queue.join()

    assert await status_of(app, ad_id) is ContentStatus.ACTIVE
    assert not any(name.endswith(".upload") for name in media_files(settings))


async def test_a_lost_original_ends_in_erro(
    app: FastAPI, settings: Settings, condo: Condominium
) -> None:
    ad_id = await create_pending_ad(app, settings, condo, queue=DroppingQueue())
    async with context_of(app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.media_key is not None
        await context_of(app).storage.delete(keys.upload_key(ad.media_key))

    outcome = await tasks.convert_upload(
        context_of(app).media_queue.context, ad.media_key
    )

    assert outcome is tasks.Outcome.FAILED
    async with context_of(app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.status is ContentStatus.ERROR
        assert ad.media_error == tasks.ORIGINAL_MISSING


async def test_a_repeated_job_changes_nothing(
    app: FastAPI, settings: Settings, condo: Condominium
) -> None:
    ad_id = await create_pending_ad(
        app, settings, condo, queue=context_of(app).media_queue
    )
    await context_of(app).media_queue.join()
    async with context_of(app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.media_key is not None
    before = media_files(settings)

    outcome = await tasks.convert_upload(
        context_of(app).media_queue.context, ad.media_key
    )

    assert outcome is tasks.Outcome.ORPHAN  # nothing waits for it any more
    assert media_files(settings) == before
    assert await status_of(app, ad_id) is ContentStatus.ACTIVE


async def test_an_aviso_with_a_video_is_converted_too(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    settings: Settings,
) -> None:
    response = await client.post(
        "/avisos",
        data={
            "nome": "Manutenção",
            "mensagem": "Elevador parado amanhã",
            "condominios_ids": str(condo.id),
        },
        files={"arquivo": ("aviso.mkv", samples.webm_vp8(), "video/x-matroska")},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    notice = response.json()
    assert notice["status"] == "processando"

    await context_of(app).media_queue.join()

    response = await client.get(f"/avisos/{notice['id']}", headers=admin_headers)
    assert response.json()["status"] == "ativo"
    facts = samples.video_facts(path_of(settings, notice["archive_url"]))
    assert facts.codecs == [("video", "h264")]


async def test_the_tvs_playlist_gains_the_video_once_it_is_ready(
    client: httpx.AsyncClient,
    app: FastAPI,
    admin_headers: dict[str, str],
    condo: Condominium,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hold the conversion until the "before" playlist was read.
    release = threading.Event()
    transcode = video.transcode

    def held(*args: Any, **kwargs: Any) -> None:
        assert release.wait(timeout=30)
        transcode(*args, **kwargs)

    monkeypatch.setattr(video, "transcode", held)
    response = await client.post(
        "/tvs", json={"nome": "Hall", "condominio_id": condo.id}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    content_url = f"/app/tv/{response.json()['codigo']}/content"
    ad = await post_ad(client, admin_headers, condo, samples.webm_vp8())

    before = (await client.get(content_url)).json()
    release.set()
    await context_of(app).media_queue.join()
    after = (await client.get(content_url)).json()

    assert [item["id"] for item in before["itens"]] == []
    # One anúncio fills every anúncio slot of the cycle.
    assert {(item["tipo"], item["id"]) for item in after["itens"]} == {
        ("anuncio", ad["id"])
    }
    assert after["itens"][0]["archive_url"] == ad["archive_url"]


async def test_storage_failing_for_the_converted_video_is_erro_and_leaves_nothing(
    app: FastAPI, settings: Settings, condo: Condominium
) -> None:
    class NoVideoWrites(LocalStorage):
        async def put_file(self, key: str, path: Path, content_type: str) -> None:
            if key.endswith(".mp4"):
                raise StorageError("bucket unavailable")
            await super().put_file(key, path, content_type)

    ad_id = await create_pending_ad(app, settings, condo, queue=DroppingQueue())
    async with context_of(app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.media_key is not None
    context = tasks.MediaContext(
        settings, NoVideoWrites(settings.media_dir), context_of(app).sessionmaker
    )

    outcome = await tasks.convert_upload(context, ad.media_key)

    assert outcome is tasks.Outcome.FAILED
    async with context_of(app).sessionmaker() as session:
        ad = await session.get(Ad, ad_id)
        assert ad is not None
        assert ad.status is ContentStatus.ERROR
        assert ad.media_error == tasks.STORE_FAILED
    assert media_files(settings) == [ad.thumbnail_key]
