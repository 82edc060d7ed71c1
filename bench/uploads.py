"""The two uploads of the issue: a 2 MB picture and a 20 MB H.264 video.

The files are made here (noise, so nothing compresses them away) and kept in
``~/.cache/expotv-bench`` between runs. An upload is timed end to end: from the
first byte of ``POST /anuncios`` to the 201 of an anúncio that is ``ativo`` (an
H.264 MP4 is remuxed during the request, no conversion after it).
"""

from __future__ import annotations

import os
import statistics
import time
from fractions import Fraction
from pathlib import Path

import httpx

CACHE_DIR = Path(
    os.environ.get("BENCH_CACHE_DIR", Path.home() / ".cache" / "expotv-bench")
)
IMAGE_BYTES = 2 * 1024 * 1024
VIDEO_BYTES = 20 * 1024 * 1024


def image_file(target_bytes: int = IMAGE_BYTES) -> Path:
    """A PNG of random pixels, about ``target_bytes`` long."""
    from PIL import Image

    path = CACHE_DIR / f"noise-{target_bytes}.png"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        side = int((target_bytes / 3) ** 0.5)
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path)
    return path


def video_file(target_bytes: int = VIDEO_BYTES, seconds: int = 10) -> Path:
    """An H.264 MP4 (1280x720, 25 fps) of about ``target_bytes``."""
    import av

    path = CACHE_DIR / f"h264-{target_bytes}.mp4"
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    fps = 25
    width, height = 1280, 720
    partial = path.with_suffix(".part")
    with av.open(str(partial), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.bit_rate = target_bytes * 8 // seconds
        stream.options = {"preset": "ultrafast"}
        luma = width * height
        for index in range(seconds * fps):
            frame = av.VideoFrame(width, height, "yuv420p")
            # Noise in a band that moves: a bitrate the encoder cannot shrink.
            noise = os.urandom(luma // 4)
            band = (index * width * 8) % (luma - len(noise))
            plane = bytearray(b"\x80" * luma)
            plane[band : band + len(noise)] = noise
            frame.planes[0].update(bytes(plane))
            frame.planes[1].update(b"\x80" * frame.planes[1].buffer_size)
            frame.planes[2].update(b"\x80" * frame.planes[2].buffer_size)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    partial.rename(path)
    return path


def time_uploads(
    base_url: str,
    token: str,
    condominium_id: int,
    path: Path,
    content_type: str,
    *,
    count: int,
) -> tuple[list[float], int]:
    """``count`` uploads of ``path`` one after another: milliseconds each, errors.

    Each anúncio made is deleted afterwards (not timed)."""
    data = path.read_bytes()
    headers = {"Authorization": f"Bearer {token}"}
    timings: list[float] = []
    errors = 0
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for n in range(count):
            started = time.perf_counter()
            response = client.post(
                "/anuncios",
                data={
                    "nome": f"Upload do benchmark {n}",
                    "condominios_ids": str(condominium_id),
                    "nome_anunciante": "Benchmark",
                    "numero_anunciante": "0",
                },
                files={"arquivo": (path.name, data, content_type)},
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 201 or response.json().get("status") != "ativo":
                errors += 1
                continue
            timings.append(elapsed)
            client.delete(f"/anuncios/{response.json()['id']}")
    return timings, errors


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
