"""Videos with PyAV (FFmpeg bundled in its wheels): inspect, remux, transcode.

    inspect    open with the demuxer the magic bytes named, reading headers only
               (no frame decoded), refuse a size or length over ``VideoLimits``
               (422), then decode up to the poster frame (proves the file
               decodes), read codec, size and duration
    remux      H.264 in MP4/MOV: copy the video packets into a new MP4, drop audio,
               ``+faststart`` (the seed's ``-c:v copy -an -movflags +faststart``)
    transcode  anything else: decode and encode with libx264 (yuv420p, even size,
               at most 1080p), no audio, ``+faststart``; within a ``Budget``

Headers can lie, so the limits hold while working too: every decoder gets FFmpeg's
``max_pixels`` (a frame larger than allowed fails to decode instead of being
allocated), and remux and transcode stop at the first packet past the length or
frame-count limit. Every function blocks: call them in a thread.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expotv.config import SettingsView, setting
from expotv.lazy import lazy_module
from expotv.media.exceptions import (
    ConversionCancelled,
    ConversionFailed,
    ConversionTimedOut,
    MediaRejected,
    MediaTypeNotAccepted,
    MediaUndecodable,
    VideoDimensionsTooLarge,
    VideoTooLong,
)
from expotv.media.images import save_thumbnail

if TYPE_CHECKING:
    import av
else:
    # Loaded when a video is first read. API workers import this module for its
    # limits only (``media.sandbox`` reads uploads in a child process): they never
    # load FFmpeg's libraries (about 20 MiB each).
    av = lazy_module("av")

MAX_DURATION_SECONDS = 3600
# Decode at most this much to find a poster past any fade-in.
POSTER_AT_SECONDS = 1.0
POSTER_MAX_FRAMES = 120
# Transcoded videos fit this box (landscape or portrait): what TVs play.
MAX_WIDTH, MAX_HEIGHT = 1920, 1080
_PLAYABLE_PIXEL_FORMATS = {"yuv420p", "yuvj420p"}
# Opened with format="mp4" the demuxer reports that name, probed its full one.
_MP4_DEMUXERS = {"mp4", "mov", "mov,mp4,m4a,3gp,3g2,mj2"}
# No TV plays more; a file with more packets per second of its length limit is
# refused (a million tiny packets cost seconds to walk even without decoding).
MAX_FRAMES_PER_SECOND = 120
# Opening a file reads its headers; FFmpeg stops it (ExitError) past this.
OPEN_TIMEOUT_SECONDS = 10.0
# Walking the packets of a file whose headers give no length.
SCAN_TIMEOUT_SECONDS = 10.0
# Opening a file, FFmpeg decodes a few frames to fill what the headers leave out
# (7 of an 8192x8192 H.264 cost 200 MB before any check could run). Told to skip
# every frame, it reads the headers only; the real decoder is set up after the
# checks, with ``max_pixels``.
_HEADERS_ONLY = {"skip_frame": "all"}


@dataclass(frozen=True, slots=True)
class VideoLimits(SettingsView):
    """What an upload may be: sides in either orientation, length, and so frames."""

    long_side: int = setting("max_video_width")
    short_side: int = setting("max_video_height")
    max_seconds: float = setting("max_video_seconds")

    @property
    def max_pixels(self) -> int:
        return self.long_side * self.short_side

    @property
    def max_packets(self) -> int:
        return math.ceil(self.max_seconds * MAX_FRAMES_PER_SECOND)

    def check_size(self, width: int, height: int) -> None:
        if max(width, height) > self.long_side or min(width, height) > self.short_side:
            raise VideoDimensionsTooLarge(
                width=width,
                height=height,
                long_side=self.long_side,
                short_side=self.short_side,
            )

    def check_duration(self, seconds: float) -> None:
        if seconds > self.max_seconds:
            raise VideoTooLong.lasting(math.ceil(seconds), limit=self.max_seconds)

    def check_packets(self, count: int) -> None:
        if count > self.max_packets:
            raise VideoTooLong(
                f"vídeo com quadros demais: o limite é {self.max_packets} "
                f"({MAX_FRAMES_PER_SECOND} por segundo em {self.max_seconds:g} s)"
            )


@dataclass(frozen=True, slots=True)
class Budget:
    """The wall-clock time one conversion may take, checked at every packet."""

    seconds: float
    deadline: float  # time.monotonic()

    @classmethod
    def starting_now(cls, seconds: float) -> Budget:
        return cls(seconds, time.monotonic() + seconds)

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ConversionTimedOut(self.seconds)


def _open(source: Path, demuxer: str | None) -> Any:
    """The input container with its headers read and no frame decoded."""
    return av.open(
        str(source),
        format=demuxer,
        metadata_errors="ignore",
        options=_HEADERS_ONLY,
        timeout=OPEN_TIMEOUT_SECONDS,
    )


def _guard_decoder(stream: Any, limits: VideoLimits) -> None:
    """Refuse, in FFmpeg, frames over the limits whatever the headers said."""
    stream.codec_context.options = {"max_pixels": str(limits.max_pixels)}


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


def inspect(
    source: Path, demuxer: str, poster: Path, *, limits: VideoLimits
) -> VideoInfo:
    """Check ``source`` against ``limits`` from its headers, then validate it by
    decoding up to a poster frame, saved as JPEG."""
    try:
        container = _open(source, demuxer)
    except av.FFmpegError as exc:
        raise MediaUndecodable("o vídeo está corrompido ou não pôde ser lido") from exc
    with container:
        if not container.streams.video:
            raise MediaTypeNotAccepted("o arquivo não contém uma faixa de vídeo")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        # 0 when the headers do not say; max_pixels still guards the decoder.
        if ctx.width and ctx.height:
            limits.check_size(ctx.width, ctx.height)
        duration = _duration(source, demuxer, container, stream, limits)
        limits.check_duration(duration)
        _guard_decoder(stream, limits)
        stream.thread_type = "AUTO"
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
        limits.check_size(chosen.width, chosen.height)
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


def _duration(
    source: Path, demuxer: str, container: Any, stream: Any, limits: VideoLimits
) -> float:
    # The video track's own length: the audio, dropped later, may run longer.
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    scanned = _scan_duration(source, demuxer, limits)
    if scanned:
        return scanned
    if container.duration:
        return float(container.duration / av.time_base)
    return 0.0


def _scan_duration(source: Path, demuxer: str, limits: VideoLimits) -> float | None:
    """End of the last video packet (WebM/MKV headers give no per-track length).

    Demuxing reads packets without decoding them, and the walk stops as soon as
    the length or packet limit is passed, or after ``SCAN_TIMEOUT_SECONDS``.
    """
    started = time.monotonic()
    try:
        with _open(source, demuxer) as inp:
            stream = inp.streams.video[0]
            if not stream.time_base:
                return None
            rate = stream.average_rate or stream.guessed_rate
            frame_ticks = round(1 / (rate * stream.time_base)) if rate else 0
            first: int | None = None
            end: int | None = None
            for count, packet in enumerate(inp.demux(stream), start=1):
                limits.check_packets(count)
                if time.monotonic() - started > SCAN_TIMEOUT_SECONDS:
                    raise MediaUndecodable("o vídeo demorou demais para ser lido")
                if packet.pts is None:
                    continue
                first = packet.pts if first is None else min(first, packet.pts)
                last = packet.pts + (packet.duration or frame_ticks)
                end = last if end is None else max(end, last)
                limits.check_duration(float((end - first) * stream.time_base))
            if first is None or end is None:
                return None
            return float((end - first) * stream.time_base)
    except av.FFmpegError:
        return None


def remux(source: Path, demuxer: str, target: Path, *, limits: VideoLimits) -> None:
    """Copy the H.264 packets into an MP4 with the index up front, without audio."""
    try:
        with (
            _open(source, demuxer) as inp,
            av.open(
                str(target), "w", format="mp4", options={"movflags": "+faststart"}
            ) as out,
        ):
            in_stream = inp.streams.video[0]
            # The template copies the display matrix too, so phones' portrait
            # videos stay upright.
            out_stream = out.add_stream_from_template(in_stream)
            time_base = in_stream.time_base or Fraction(1, 90000)
            first: int | None = None
            for count, packet in enumerate(inp.demux(in_stream), start=1):
                if packet.dts is None:  # the demuxer's end-of-stream flush
                    continue
                limits.check_packets(count)
                if packet.pts is not None:
                    first = packet.pts if first is None else min(first, packet.pts)
                    limits.check_duration(float((packet.pts - first) * time_base))
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
    limits: VideoLimits,
    budget: Budget | None = None,
    cancel: threading.Event | None = None,
) -> None:
    """Re-encode to H.264 (libx264) MP4, ``+faststart``, no audio.

    Every failure is a ``ConversionFailed`` whose reason a person can read: a
    limit passed, the ``budget`` spent (``ConversionTimedOut``), a broken file.
    """
    try:
        _transcode(source, demuxer, target, limits, budget, cancel)
    except (ConversionCancelled, ConversionFailed):
        raise
    except MediaRejected as exc:
        raise ConversionFailed(str(exc)) from exc
    except av.FFmpegError as exc:
        raise ConversionFailed(
            f"não foi possível converter o vídeo para H.264: {exc}"
        ) from exc
    except (MemoryError, OSError, ValueError, ArithmeticError) as exc:
        raise ConversionFailed(f"não foi possível converter o vídeo: {exc}") from exc


class _Encoder:
    """The output stream, sized from the first decoded frame (headers can lie)."""

    def __init__(self, out: Any, rate: Fraction, time_base: Fraction) -> None:
        self.out = out
        self.rate = rate
        self.time_base = time_base
        self.stream: Any = None
        self.width = self.height = 0
        self.frames = 0

    def encode(self, frame: Any, pts: int) -> None:
        if self.stream is None:
            self._start(frame)
        picture = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        picture.pts = pts
        picture.time_base = self.time_base
        for packet in self.stream.encode(picture):
            self.out.mux(packet)
        self.frames += 1

    def _start(self, frame: Any) -> None:
        self.width, self.height = fit_even(frame.width, frame.height)
        self.stream = self.out.add_stream(
            "libx264", rate=self.rate, options={"preset": "veryfast", "crf": "23"}
        )
        self.stream.width, self.stream.height = self.width, self.height
        self.stream.pix_fmt = "yuv420p"
        self.stream.codec_context.time_base = self.time_base
        if frame.rotation:
            self.stream.set_display_rotation(int(frame.rotation))

    def flush(self, budget: Budget | None) -> None:
        if self.stream is None:
            return
        for packet in self.stream.encode(None):
            if budget is not None:
                budget.check()
            self.out.mux(packet)


def _transcode(
    source: Path,
    demuxer: str | None,
    target: Path,
    limits: VideoLimits,
    budget: Budget | None,
    cancel: threading.Event | None,
) -> None:
    with _open(source, demuxer) as inp:
        if not inp.streams.video:
            raise ConversionFailed("o arquivo não contém uma faixa de vídeo")
        in_stream = inp.streams.video[0]
        _guard_decoder(in_stream, limits)
        in_stream.thread_type = "AUTO"
        rate = in_stream.average_rate or in_stream.guessed_rate or Fraction(25)
        time_base = in_stream.time_base or Fraction(1, 90000)
        # One frame's worth of time_base ticks, to stamp frames that carry no pts.
        step = max(1, round(1 / (rate * time_base)))
        with av.open(
            str(target), "w", format="mp4", options={"movflags": "+faststart"}
        ) as out:
            encoder = _Encoder(out, rate, time_base)
            first_pts: int | None = None
            last_pts: int | None = None
            for count, packet in enumerate(inp.demux(in_stream), start=1):
                if cancel is not None and cancel.is_set():
                    raise ConversionCancelled()
                if budget is not None:
                    budget.check()
                limits.check_packets(count)
                for frame in packet.decode():
                    limits.check_size(frame.width, frame.height)
                    pts = frame.pts
                    if pts is None:
                        pts = 0 if last_pts is None else last_pts + step
                    if last_pts is not None and pts <= last_pts:
                        continue  # x264 refuses non-increasing timestamps
                    first_pts = pts if first_pts is None else first_pts
                    limits.check_duration(float((pts - first_pts) * time_base))
                    last_pts = pts
                    encoder.encode(frame, pts)
            encoder.flush(budget)
            if encoder.frames == 0:
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
