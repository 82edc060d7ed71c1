from __future__ import annotations

import threading
from pathlib import Path

import av
import pytest
from PIL import Image

from expotv.config import Settings
from expotv.media import video
from expotv.media.exceptions import (
    ConversionCancelled,
    ConversionFailed,
    ConversionTimedOut,
    MediaTypeNotAccepted,
    MediaUndecodable,
    VideoDimensionsTooLarge,
    VideoTooLong,
)
from tests.integration.media import samples

LIMITS = video.VideoLimits.from_settings(Settings())


def write(tmp_path: Path, data: bytes, name: str = "upload") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_pyav_bundles_an_h264_encoder() -> None:
    assert "libx264" in av.codecs_available


def test_inspect_reads_codec_duration_and_makes_a_poster(tmp_path: Path) -> None:
    source = write(tmp_path, samples.mp4_h264(frames=25, rate=10, size=(96, 64)))
    poster = tmp_path / "poster.jpg"

    info = video.inspect(source, "mp4", poster, limits=LIMITS)

    assert info.codec == "h264"
    assert (info.width, info.height) == (96, 64)
    assert info.duration == pytest.approx(2.5, abs=0.05)
    assert info.duration_seconds == 3  # rounded up
    assert info.can_remux
    with Image.open(poster) as image:
        assert image.format == "JPEG"
        assert image.size == (96, 64)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0.0, 1), (0.04, 1), (1.0, 1), (1.0000001, 1), (1.01, 2), (9000.0, 3600)],
)
def test_duration_is_whole_seconds_rounded_up_within_range(
    seconds: float, expected: int
) -> None:
    info = video.VideoInfo("avi", "h264", 2, 2, "yuv420p", seconds, 0)
    assert info.duration_seconds == expected


@pytest.mark.parametrize(
    ("data", "demuxer"),
    [
        (samples.webm_vp8(audio=None), "matroska"),
        (samples.avi_mpeg4(audio=None), "avi"),
        (samples.mp4_mpeg4(audio=None), "mp4"),
    ],
)
def test_only_h264_in_mp4_or_mov_is_remuxed(
    tmp_path: Path, data: bytes, demuxer: str
) -> None:
    info = video.inspect(
        write(tmp_path, data), demuxer, tmp_path / "poster.jpg", limits=LIMITS
    )
    assert not info.can_remux


@pytest.mark.parametrize("make", [samples.mp4_h264, samples.mov_h264])
def test_remux_keeps_h264_drops_audio_and_moves_the_index_first(
    tmp_path: Path, make: object
) -> None:
    assert callable(make)
    source = write(tmp_path, make(frames=15))
    original = samples.video_facts(source)
    assert ("audio", "aac") in original.codecs
    assert not original.moov_before_mdat  # PyAV writes the index last by default
    target = tmp_path / "out.mp4"

    video.remux(source, "mp4", target, limits=LIMITS)

    facts = samples.video_facts(target)
    assert facts.codecs == [("video", "h264")]
    assert facts.moov_before_mdat
    assert facts.frames == 15
    assert target.read_bytes()[4:8] == b"ftyp"


def test_remux_keeps_a_phone_video_upright(tmp_path: Path) -> None:
    source = write(tmp_path, samples.mov_h264(rotation=90))
    target = tmp_path / "out.mp4"
    video.remux(source, "mp4", target, limits=LIMITS)
    assert samples.video_facts(target).rotation == 90


def test_poster_of_a_phone_video_is_upright(tmp_path: Path) -> None:
    source = write(tmp_path, samples.mov_h264(rotation=90, size=(64, 48)))
    poster = tmp_path / "poster.jpg"
    info = video.inspect(source, "mp4", poster, limits=LIMITS)
    assert info.rotation == 90
    with Image.open(poster) as image:
        assert image.size == (48, 64)


@pytest.mark.parametrize(
    ("data", "demuxer"),
    [
        (samples.webm_vp8(), "matroska"),
        (samples.avi_mpeg4(), "avi"),
        (samples.mp4_mpeg4(), "mp4"),
    ],
)
def test_transcode_makes_h264_mp4_without_audio(
    tmp_path: Path, data: bytes, demuxer: str
) -> None:
    source = write(tmp_path, data)
    target = tmp_path / "out.mp4"

    video.transcode(source, demuxer, target, limits=LIMITS)

    facts = samples.video_facts(target)
    assert facts.codecs == [("video", "h264")]
    assert facts.moov_before_mdat
    assert facts.frames == 15
    assert facts.duration == pytest.approx(1.5, abs=0.15)
    with av.open(str(target)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_transcode_makes_odd_sizes_even(tmp_path: Path) -> None:
    source = write(tmp_path, samples.webm_vp8(audio=None, size=(65, 49), frames=3))
    target = tmp_path / "out.mp4"
    video.transcode(source, "matroska", target, limits=LIMITS)
    facts = samples.video_facts(target)
    assert (facts.width, facts.height) == (64, 48)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3840, 2160), (1920, 1080)),
        ((2160, 3840), (1080, 1920)),
        ((1281, 721), (1280, 720)),
        ((1, 1), (2, 2)),
        ((4000, 1000), (1920, 480)),
    ],
)
def test_fit_even(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert video.fit_even(*size) == expected


def test_transcode_stops_when_cancelled(tmp_path: Path) -> None:
    source = write(tmp_path, samples.webm_vp8(audio=None))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ConversionCancelled):
        video.transcode(
            source, "matroska", tmp_path / "out.mp4", cancel=cancel, limits=LIMITS
        )


def test_transcode_of_garbage_fails_with_a_reason(tmp_path: Path) -> None:
    source = write(tmp_path, b"\x1a\x45\xdf\xa3" + b"\x00" * 500)
    with pytest.raises(ConversionFailed) as caught:
        video.transcode(source, "matroska", tmp_path / "out.mp4", limits=LIMITS)
    assert "converter" in caught.value.reason


def test_truncated_video_is_undecodable(tmp_path: Path) -> None:
    data = samples.mp4_h264(frames=10)
    source = write(tmp_path, data[: len(data) // 3])
    with pytest.raises(MediaUndecodable):
        video.inspect(source, "mp4", tmp_path / "poster.jpg", limits=LIMITS)


def test_random_bytes_behind_a_video_signature_are_undecodable(tmp_path: Path) -> None:
    source = write(tmp_path, b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(range(256)) * 4)
    with pytest.raises((MediaUndecodable, MediaTypeNotAccepted)):
        video.inspect(source, "avi", tmp_path / "poster.jpg", limits=LIMITS)


def test_audio_only_mp4_is_not_a_video(tmp_path: Path) -> None:
    import io

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48000, layout="mono")
        samples._silence(out, stream, seconds=1)  # noqa: SLF001
    source = write(tmp_path, buffer.getvalue())
    with pytest.raises(MediaTypeNotAccepted, match="vídeo"):
        video.inspect(source, "mp4", tmp_path / "poster.jpg", limits=LIMITS)


def test_duration_is_the_video_tracks_even_when_the_audio_runs_longer(
    tmp_path: Path,
) -> None:
    # WebM headers carry no per-track length, and the Opus track runs longer.
    source = write(tmp_path, samples.webm_vp8(frames=40, rate=10))
    info = video.inspect(source, "matroska", tmp_path / "poster.jpg", limits=LIMITS)
    assert info.duration == pytest.approx(4.0, abs=0.01)
    assert info.duration_seconds == 4


def test_remux_stops_past_the_frame_limit(tmp_path: Path) -> None:
    # One second allows 120 frames; 130 frames at 200 fps last 0.65 s.
    limits = video.VideoLimits(3840, 2160, max_seconds=1)
    source = write(tmp_path, samples.mp4_h264(audio=None, frames=130, rate=200))

    with pytest.raises(VideoTooLong, match="quadros demais: o limite é 120"):
        video.remux(source, "mp4", tmp_path / "out.mp4", limits=limits)


def test_transcode_stops_past_the_length_limit_with_the_reason(tmp_path: Path) -> None:
    limits = video.VideoLimits(3840, 2160, max_seconds=10)
    source = write(tmp_path, samples.long_video(20, "webm", "libvpx"))

    with pytest.raises(ConversionFailed) as caught:
        video.transcode(source, "matroska", tmp_path / "out.mp4", limits=limits)

    assert "o limite é 10 s" in caught.value.reason


def test_transcode_stops_once_its_budget_is_spent(tmp_path: Path) -> None:
    source = write(tmp_path, samples.webm_vp8(audio=None))
    spent = video.Budget(seconds=0.5, deadline=0.0)

    with pytest.raises(ConversionTimedOut) as caught:
        video.transcode(
            source, "matroska", tmp_path / "out.mp4", limits=LIMITS, budget=spent
        )

    assert "tempo limite de 0,5 s" in caught.value.reason


def test_frames_larger_than_the_headers_say_are_never_decoded(tmp_path: Path) -> None:
    """A WebM whose track header says 64×48 over 640×480 frames: FFmpeg's
    max_pixels refuses the frames instead of allocating them."""
    honest = samples.webm_vp8(audio=None, size=(640, 480), frames=3)
    liar = honest.replace(b"\xb0\x82\x02\x80", b"\xb0\x82\x00\x40").replace(
        b"\xba\x82\x01\xe0", b"\xba\x82\x00\x30"
    )
    assert liar != honest
    limits = video.VideoLimits(320, 240, max_seconds=600)
    source = write(tmp_path, liar)

    with pytest.raises(MediaUndecodable):
        video.inspect(source, "matroska", tmp_path / "poster.jpg", limits=limits)
    with pytest.raises(ConversionFailed):
        video.transcode(source, "matroska", tmp_path / "out.mp4", limits=limits)


@pytest.mark.parametrize(
    ("size", "fits"),
    [
        ((3840, 2160), True),
        ((2160, 3840), True),
        ((3841, 100), False),
        ((2200, 2200), False),
        ((100, 3841), False),
    ],
)
def test_either_orientation_fits_the_limits(size: tuple[int, int], fits: bool) -> None:
    if fits:
        LIMITS.check_size(*size)
    else:
        with pytest.raises(VideoDimensionsTooLarge, match="o limite é 3840×2160"):
            LIMITS.check_size(*size)
