"""Real media files made on the spot (Pillow and PyAV), and ways to look inside them."""

from __future__ import annotations

import functools
import io
import os
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from fastapi import UploadFile
from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB"
) -> bytes:
    image = Image.new(mode, size, _colour(mode))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def incompressible_png(
    color: tuple[int, int, int] = (220, 120, 40), size: tuple[int, int] = (900, 600)
) -> bytes:
    """A PNG that does not compress (900×600: about 1.5 MB), for uploads that take
    a while or pass the plain-body limit."""
    noise = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    image = Image.blend(Image.new("RGB", size, color), noise, 0.15)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _colour(mode: str) -> Any:
    return {"RGB": (200, 40, 40), "RGBA": (200, 40, 40, 128), "L": 90}.get(mode, 1)


def phone_jpeg() -> bytes:
    """A 60×30 JPEG whose EXIF says "rotate 90° clockwise" and carries GPS."""
    image = Image.new("RGB", (60, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {
        1: "S",
        2: (23.0, 33.0, 1.0),
        3: "W",
        4: (46.0, 38.0, 1.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def animated_gif(
    frames: int = 4, durations: tuple[int, ...] = (100, 200, 300, 400)
) -> bytes:
    pictures = [
        Image.new("RGB", (32, 24), (i * 60 % 256, 255 - i * 50, 40))
        for i in range(frames)
    ]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=list(durations[:frames]),
        loop=0,
        comment=b"secret author note",
    )
    return buffer.getvalue()


def animation(fmt: str, frames: int, size: tuple[int, int] = (24, 16)) -> bytes:
    """An animated GIF, WebP or PNG (APNG) of distinct frames."""
    pictures = [
        Image.new("RGB", size, (i * 40 % 256, 255 - i * 30, 60)) for i in range(frames)
    ]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        format=fmt,
        save_all=True,
        append_images=pictures[1:],
        duration=100,
        loop=0,
    )
    return buffer.getvalue()


def many_frame_gif(frames: int, side: int = 1, junk: bytes = b"") -> bytes:
    """A GIF of ``frames`` ``side``×``side`` frames, about 26 bytes each when 1×1:
    the frame block Pillow writes for one picture, repeated (Pillow itself would
    take minutes to save 130,000 frames). ``junk`` goes before each block."""
    buffer = io.BytesIO()
    Image.new("P", (side, side), 0).save(buffer, format="GIF")
    single = buffer.getvalue()
    descriptor = single.index(b"\x2c", 13)
    header = b"GIF89a" + single[6:descriptor]
    # Graphic control extension: keep the previous frame, 10 ms.
    block = b"\x21\xf9\x04\x04\x01\x00\x00\x00" + single[descriptor:-1]
    return header + (junk + block) * frames + b";"


def huge_png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims enormous dimensions (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", rows)
        + chunk(b"IEND", b"")
    )


def bomb_png(width: int, height: int) -> bytes:
    """A real, fully decodable 1-bit PNG: small file, many pixels."""
    buffer = io.BytesIO()
    Image.new("1", (width, height), 0).save(buffer, format="PNG")
    return buffer.getvalue()


def video_bytes(
    container: str = "mp4",
    codec: str = "libx264",
    *,
    audio: str | None = "aac",
    frames: int = 15,
    size: tuple[int, int] = (64, 48),
    rate: int = 10,
    rotation: int | None = None,
) -> bytes:
    """A short clip; ``audio`` adds a silent track (so tests see it dropped)."""
    width, height = size
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        sound = out.add_stream(audio, rate=48000, layout="mono") if audio else None
        for index in range(frames):
            picture = Image.new("RGB", size, (index * 15 % 256, 60, 160))
            frame = av.VideoFrame.from_image(picture)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if sound is not None:
            _silence(out, sound, seconds=Fraction(frames, rate))
    return buffer.getvalue()


def _silence(out: Any, stream: Any, *, seconds: Fraction) -> None:
    samples_per_frame = stream.codec_context.frame_size or 1024
    total = int(48000 * seconds)
    pts = 0
    while pts < total:
        frame = av.AudioFrame(
            format=stream.format.name, layout="mono", samples=samples_per_frame
        )
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 48000
        frame.pts = pts
        for packet in stream.encode(frame):
            out.mux(packet)
        pts += samples_per_frame
    for packet in stream.encode(None):
        out.mux(packet)


def mp4_h264(**kw: Any) -> bytes:
    return video_bytes("mp4", "libx264", **kw)


def mov_h264(**kw: Any) -> bytes:
    return video_bytes("mov", "libx264", **kw)


def webm_vp8(**kw: Any) -> bytes:
    kw.setdefault("audio", "libopus")
    return video_bytes("webm", "libvpx", **kw)


def avi_mpeg4(**kw: Any) -> bytes:
    kw.setdefault("audio", "libmp3lame")
    return video_bytes("avi", "mpeg4", **kw)


def mp4_mpeg4(**kw: Any) -> bytes:
    """MP4 whose video is not H.264: must be transcoded, not remuxed."""
    return video_bytes("mp4", "mpeg4", **kw)


def long_video(seconds: int, container: str = "mp4", codec: str = "libx264") -> bytes:
    """Two 16×16 frames ``seconds - 1`` apart at 1 fps: an hour in about 2 KB."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=1)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1)
        for pts in (0, seconds - 1):
            frame = av.VideoFrame.from_image(Image.new("RGB", (16, 16), (9, 9, 9)))
            frame.pts, frame.time_base = pts, Fraction(1, 1)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def with_declared_duration(mp4: bytes, seconds: int) -> bytes:
    """``mp4`` whose headers (mvhd, mdhd; version 0) claim ``seconds``, whatever
    its packets say: a file that lies about its length."""
    data = bytearray(mp4)
    for box in (b"mvhd", b"mdhd"):
        at = data.index(box)
        assert data[at + 4] == 0, "version 1 boxes are not handled"
        timescale = struct.unpack(">I", data[at + 16 : at + 20])[0]
        data[at + 20 : at + 24] = struct.pack(">I", timescale * seconds)
    return bytes(data)


@functools.cache
def slow_to_convert() -> bytes:
    """An AVI (MPEG-4 part 2) whose conversion takes a good part of a second."""
    return avi_mpeg4(audio=None, frames=150, size=(1280, 720), rate=25)


_SQUARE_H264 = """
import sys, av
side, target = int(sys.argv[1]), sys.argv[2]
with av.open(target, "w", format="mp4") as out:
    stream = out.add_stream("libx264", rate=1, options={
        "preset": "ultrafast", "threads": "1", "rc-lookahead": "0", "crf": "51"})
    stream.width = stream.height = side
    stream.pix_fmt = "yuv420p"
    frame = av.VideoFrame(side, side, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    for packet in [*stream.encode(frame), *stream.encode(None)]:
        out.mux(packet)
"""


def write_square_h264(side: int, target: Path) -> None:
    """One black ``side``×``side`` H.264 frame in an MP4 (~200 KB for 8192).

    Made in a child process: x264 needs ~450 MB for it, which must not count
    against the test process whose memory the tests measure.
    """
    subprocess.run(
        [sys.executable, "-c", _SQUARE_H264, str(side), str(target)],
        check=True,
        timeout=120,
    )


def upload(data: bytes, filename: str = "arquivo.bin") -> UploadFile:
    return UploadFile(file=io.BytesIO(data), filename=filename, size=len(data))


@dataclass(frozen=True)
class VideoFacts:
    codecs: list[tuple[str, str]]
    width: int
    height: int
    frames: int
    duration: float
    rotation: int
    moov_before_mdat: bool


def video_facts(path: Path) -> VideoFacts:
    data = path.read_bytes()
    with av.open(str(path)) as container:
        codecs = [(s.type, s.codec_context.name) for s in container.streams]
        stream = container.streams.video[0]
        frames = 0
        rotation = 0
        for index, frame in enumerate(container.decode(stream)):
            if index == 0:
                rotation = int(frame.rotation or 0)
            frames += 1
        duration = float(container.duration or 0) / 1_000_000
        width, height = stream.codec_context.width, stream.codec_context.height
    return VideoFacts(
        codecs=codecs,
        width=width,
        height=height,
        frames=frames,
        duration=duration,
        rotation=rotation,
        moov_before_mdat=_top_level_box_offset(data, b"moov")
        < _top_level_box_offset(data, b"mdat"),
    )


def _top_level_box_offset(data: bytes, kind: bytes) -> int:
    offset = 0
    while offset + 8 <= len(data):
        size, box = struct.unpack(">I4s", data[offset : offset + 8])
        if box == kind:
            return offset
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        if size < 8:
            break
        offset += size
    return len(data) + 1


def stored_files(root: Path) -> list[str]:
    """Every object under a local storage root (hidden temporaries included)."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
