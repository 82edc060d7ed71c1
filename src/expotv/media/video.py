"""Videos with PyAV (FFmpeg bundled in its wheels): inspect, remux, transcode.

    inspect    open with the demuxer the magic bytes named, decode up to the poster
               frame (proves the file decodes), read codec, size and duration
    remux      H.264 in MP4/MOV: copy the video packets into a new MP4, drop audio,
               ``+faststart`` (the seed's ``-c:v copy -an -movflags +faststart``)
    transcode  anything else: decode and encode with libx264 (yuv420p, even size,
               at most 1080p), no audio, ``+faststart``

Every function blocks: call them in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from expotv.media.exceptions import (
    ConversionCancelled,
    ConversionFailed,
    MediaTypeNotAccepted,
    MediaUndecodable,
)
from expotv.media.images import save_thumbnail

MAX_DURATION_SECONDS = 3600
# Decode at most this much to find a poster past any fade-in.
POSTER_AT_SECONDS = 1.0
POSTER_MAX_FRAMES = 120
# Transcoded videos fit this box (landscape or portrait): what TVs play.
MAX_WIDTH, MAX_HEIGHT = 1920, 1080
_PLAYABLE_PIXEL_FORMATS = {"yuv420p", "yuvj420p"}
# Opened with format="mp4" the demuxer reports that name, probed its full one.
_MP4_DEMUXERS = {"mp4", "mov", "mov,mp4,m4a,3gp,3g2,mj2"}


@dataclass(frozen=True, slots=True)
class VideoInfo:
    demuxer: str
    codec: str
    width: int
    height: int
    pixel_format: str | None
    duration: float
    rotation: int

    @property
    def duration_seconds(self) -> int:
        """Whole seconds, rounded up, within the ``duracao`` range (1..3600)."""
        return min(MAX_DURATION_SECONDS, max(1, math.ceil(self.duration - 1e-6)))

    @property
    def can_remux(self) -> bool:
        """Already what TVs play: H.264 4:2:0 8-bit in an MP4/MOV container."""
        return (
            self.demuxer in _MP4_DEMUXERS
            and self.codec == "h264"
            and self.pixel_format in _PLAYABLE_PIXEL_FORMATS
        )


def inspect(source: Path, demuxer: str, poster: Path) -> VideoInfo:
    """Validate ``source`` by decoding it up to a poster frame, saved as JPEG."""
    try:
        container = av.open(str(source), format=demuxer, metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise MediaUndecodable("o vídeo está corrompido ou não pôde ser lido") from exc
    with container:
        if not container.streams.video:
            raise MediaTypeNotAccepted("o arquivo não contém uma faixa de vídeo")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        duration = _duration(source, demuxer, container, stream)
        target = min(POSTER_AT_SECONDS, duration / 2) if duration else 0.0
        chosen: av.VideoFrame | None = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                chosen = frame
                if index >= POSTER_MAX_FRAMES or (frame.time or 0.0) >= target:
                    break
        except av.FFmpegError as exc:
            if chosen is None:
                raise MediaUndecodable(
                    "o vídeo está corrompido ou não pôde ser decodificado"
                ) from exc
        if chosen is None:
            raise MediaUndecodable("o vídeo não tem nenhum quadro decodificável")
        rotation = int(chosen.rotation or 0)
        picture = chosen.to_image()  # type: ignore[no-untyped-call]
        if rotation % 360:
            picture = picture.rotate(rotation, expand=True)
        save_thumbnail(picture, poster)
        return VideoInfo(
            demuxer=container.format.name,
            codec=ctx.name,
            width=chosen.width,
            height=chosen.height,
            pixel_format=ctx.pix_fmt,
            duration=duration,
            rotation=rotation,
        )


def _duration(source: Path, demuxer: str, container: Any, stream: Any) -> float:
    # The video track's own length: the audio, dropped later, may run longer.
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    scanned = _scan_duration(source, demuxer)
    if scanned:
        return scanned
    if container.duration:
        return float(container.duration / av.time_base)
    return 0.0


def _scan_duration(source: Path, demuxer: str) -> float | None:
    """End of the last video packet (WebM/MKV headers give no per-track length).

    Demuxing reads packets without decoding them: cheap even for 50 MB.
    """
    try:
        with av.open(str(source), format=demuxer, metadata_errors="ignore") as inp:
            stream = inp.streams.video[0]
            if not stream.time_base:
                return None
            rate = stream.average_rate or stream.guessed_rate
            frame_ticks = round(1 / (rate * stream.time_base)) if rate else 0
            first: int | None = None
            end: int | None = None
            for packet in inp.demux(stream):
                if packet.pts is None:
                    continue
                first = packet.pts if first is None else min(first, packet.pts)
                last = packet.pts + (packet.duration or frame_ticks)
                end = last if end is None else max(end, last)
            if first is None or end is None:
                return None
            return float((end - first) * stream.time_base)
    except av.FFmpegError:
        return None


def remux(source: Path, demuxer: str, target: Path) -> None:
    """Copy the H.264 packets into an MP4 with the index up front, without audio."""
    try:
        with (
            av.open(str(source), format=demuxer, metadata_errors="ignore") as inp,
            av.open(
                str(target), "w", format="mp4", options={"movflags": "+faststart"}
            ) as out,
        ):
            in_stream = inp.streams.video[0]
            # The template copies the display matrix too, so phones' portrait
            # videos stay upright.
            out_stream = out.add_stream_from_template(in_stream)
            for packet in inp.demux(in_stream):
                if packet.dts is None:  # the demuxer's end-of-stream flush
                    continue
                packet.stream = out_stream
                out.mux(packet)
    except av.FFmpegError as exc:
        raise MediaUndecodable(
            "o vídeo está corrompido e não pôde ser preparado para as TVs"
        ) from exc


def transcode(
    source: Path,
    demuxer: str | None,
    target: Path,
    *,
    cancel: threading.Event | None = None,
) -> None:
    """Re-encode to H.264 (libx264) MP4, ``+faststart``, no audio."""
    try:
        _transcode(source, demuxer, target, cancel)
    except ConversionCancelled:
        raise
    except av.FFmpegError as exc:
        raise ConversionFailed(
            f"não foi possível converter o vídeo para H.264: {exc}"
        ) from exc
    except (MemoryError, OSError, ValueError) as exc:
        raise ConversionFailed(f"não foi possível converter o vídeo: {exc}") from exc


def _transcode(
    source: Path,
    demuxer: str | None,
    target: Path,
    cancel: threading.Event | None,
) -> None:
    with av.open(str(source), format=demuxer, metadata_errors="ignore") as inp:
        if not inp.streams.video:
            raise ConversionFailed("o arquivo não contém uma faixa de vídeo")
        in_stream = inp.streams.video[0]
        in_stream.thread_type = "AUTO"
        width, height = fit_even(
            in_stream.codec_context.width, in_stream.codec_context.height
        )
        rate = in_stream.average_rate or in_stream.guessed_rate or Fraction(25)
        time_base = in_stream.time_base or Fraction(1, 90000)
        # One frame's worth of time_base ticks, to stamp frames that carry no pts.
        step = max(1, round(1 / (rate * time_base)))
        with av.open(
            str(target), "w", format="mp4", options={"movflags": "+faststart"}
        ) as out:
            out_stream = out.add_stream(
                "libx264", rate=rate, options={"preset": "veryfast", "crf": "23"}
            )
            out_stream.width, out_stream.height = width, height
            out_stream.pix_fmt = "yuv420p"
            out_stream.codec_context.time_base = time_base
            rotation_set = False
            last_pts: int | None = None
            frames = 0
            for frame in inp.decode(in_stream):
                if cancel is not None and cancel.is_set():
                    raise ConversionCancelled()
                if not rotation_set:
                    if frame.rotation:
                        out_stream.set_display_rotation(int(frame.rotation))
                    rotation_set = True
                pts = frame.pts
                if pts is None:
                    pts = 0 if last_pts is None else last_pts + step
                if last_pts is not None and pts <= last_pts:
                    continue  # x264 refuses non-increasing timestamps
                last_pts = pts
                picture = frame.reformat(width=width, height=height, format="yuv420p")
                picture.pts = pts
                picture.time_base = time_base
                for packet in out_stream.encode(picture):
                    out.mux(packet)
                frames += 1
            for packet in out_stream.encode(None):
                out.mux(packet)
            if frames == 0:
                raise ConversionFailed("o vídeo não tem nenhum quadro decodificável")


def fit_even(width: int, height: int) -> tuple[int, int]:
    """Scale down into 1920×1080 (or 1080×1920 when portrait), even sides."""
    box_w, box_h = (
        (MAX_WIDTH, MAX_HEIGHT) if width >= height else (MAX_HEIGHT, MAX_WIDTH)
    )
    scale = min(1.0, box_w / width, box_h / height)
    new_w = max(2, int(width * scale) // 2 * 2)
    new_h = max(2, int(height * scale) // 2 * 2)
    return new_w, new_h
