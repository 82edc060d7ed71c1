"""An upload's video is read in a child process (``media.sandbox``)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from expotv.config import Settings
from expotv.media import sandbox
from expotv.media.exceptions import MediaUndecodable
from tests import support
from tests.integration.media import samples
from tests.integration.media.conftest import count_ads, media_files


def job(tmp_path: Path, data: bytes, **changes: object) -> sandbox.VideoJob:
    source = tmp_path / "upload"
    source.write_bytes(data)
    values: dict[str, object] = {
        "source": str(source),
        "demuxer": "mp4",
        "poster": str(tmp_path / "poster.jpg"),
        "target": str(tmp_path / "video.mp4"),
        "long_side": 1920,
        "short_side": 1080,
        "max_seconds": 60.0,
        "convert_inline": False,
        "budget_seconds": 60.0,
    }
    values.update(changes)
    return sandbox.VideoJob(**values)  # type: ignore[arg-type]


def answer_of(video_job: sandbox.VideoJob) -> dict[str, object]:
    """``main`` in this process, as the child runs it."""
    stdout = io.StringIO()
    code = sandbox.main(io.StringIO(json.dumps(sandbox.asdict(video_job))), stdout)
    assert code == 0
    answer: dict[str, object] = json.loads(stdout.getvalue())
    return answer


def test_an_h264_mp4_is_remuxed_with_its_poster(tmp_path: Path) -> None:
    video_job = job(tmp_path, samples.mp4_h264())

    assert answer_of(video_job) == {"duracao": 2, "pendente": False}
    assert samples.video_facts(Path(video_job.target)).codecs == [("video", "h264")]
    assert Path(video_job.poster).stat().st_size > 0


def test_another_codec_waits_for_the_queue_or_is_converted_inline(
    tmp_path: Path,
) -> None:
    queued = job(tmp_path, samples.webm_vp8(), demuxer="matroska,webm")
    assert answer_of(queued) == {"duracao": 2, "pendente": True}
    assert not Path(queued.target).exists()

    inline = job(
        tmp_path, samples.webm_vp8(), demuxer="matroska,webm", convert_inline=True
    )
    assert answer_of(inline) == {"duracao": 2, "pendente": False}
    assert samples.video_facts(Path(inline.target)).codecs == [("video", "h264")]


def test_the_files_faults_come_back_by_name(tmp_path: Path) -> None:
    assert answer_of(job(tmp_path, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)) == {
        "rejeitado": {
            "tipo": "MediaUndecodable",
            "detalhe": "o vídeo está corrompido ou não pôde ser lido",
        }
    }
    too_long = job(tmp_path, samples.long_video(3), max_seconds=2.0)
    answer = answer_of(too_long)
    assert answer["rejeitado"]["tipo"] == "VideoTooLong"  # type: ignore[index]


def test_a_child_answer_is_raised_as_its_own_error(tmp_path: Path) -> None:
    """The whole trip, through a real child process."""
    with pytest.raises(MediaUndecodable, match="corrompido"):
        sandbox.prepare(job(tmp_path, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64))
    done = sandbox.prepare(job(tmp_path, samples.mp4_h264()))
    assert done == sandbox.VideoDone(duration_seconds=2, needs_processing=False)


def test_a_stuck_reader_is_killed_past_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sandbox, "COMMAND", [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    monkeypatch.setattr(sandbox, "GRACE_SECONDS", 0.5)
    with pytest.raises(MediaUndecodable, match="demorou demais"):
        sandbox.prepare(job(tmp_path, samples.mp4_h264(), budget_seconds=0.5))


def test_a_child_that_fails_without_an_answer_is_a_bug_not_a_rejection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sandbox, "COMMAND", [sys.executable, "-c", "raise SystemExit('defeito')"]
    )
    with pytest.raises(RuntimeError, match="defeito"):
        sandbox.prepare(job(tmp_path, samples.mp4_h264()))


async def test_a_crashing_reader_is_a_422_and_leaves_nothing(
    media_client: httpx.AsyncClient,
    media_app: FastAPI,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A decoder that crashes on a hostile file ends its child, not the worker."""
    monkeypatch.setattr(
        sandbox,
        "COMMAND",
        [
            sys.executable,
            "-c",
            "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
        ],
    )
    response = await media_client.post(
        "/teste/midia", files={"arquivo": ("x.mp4", samples.mp4_h264())}
    )

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "media_undecodable"
    assert response.json()["detail"][0]["msg"] == sandbox.CRASHED
    assert media_files(settings) == []
    assert await count_ads(media_app) == 0
    # The worker goes on: the next video is read as usual.
    monkeypatch.undo()
    again = await media_client.post(
        "/teste/midia", files={"arquivo": ("x.mp4", samples.mp4_h264())}
    )
    assert again.status_code == 201, again.text


def test_an_api_worker_that_took_videos_never_loads_ffmpeg(tmp_path: Path) -> None:
    """The memory half of the point: PyAV stays out of the API process."""
    (tmp_path / "clip.mp4").write_bytes(samples.mp4_h264())
    (tmp_path / "clip.webm").write_bytes(samples.webm_vp8())
    script = f"""
import asyncio
from pathlib import Path
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from starlette.datastructures import UploadFile
from expotv.config import Settings
from expotv.db import utcnow
from expotv.media import service
from expotv.storage.local import LocalStorage

async def main():
    folder = Path({str(tmp_path)!r})
    settings = Settings(_env_file=None, environment="test", data_dir=folder,
                        jwt_secret="s" * 40)
    engine = create_async_engine("sqlite+aiosqlite://")
    storage = LocalStorage(folder / "media")
    kinds = []
    async with AsyncSession(engine) as session:
        for name in ("clip.mp4", "clip.webm"):
            with open(folder / name, "rb") as file:
                stored = await service.ingest(
                    session, UploadFile(file, filename=name), storage=storage,
                    settings=settings, now=utcnow(), queue=None)
            kinds.append(stored.kind.value)
    await engine.dispose()
    assert kinds == ["video", "video"], kinds

asyncio.run(main())
"""
    assert support.modules_loaded_after(script, ("av.container",)) == []
