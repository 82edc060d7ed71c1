from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from expotv.media.exceptions import (
    AnimationTooLarge,
    ImageDimensionsTooLarge,
    MediaUndecodable,
)
from expotv.media.images import (
    THUMBNAIL_WIDTH,
    ImageLimits,
    ProcessedImage,
    count_gif_frames,
    process_image,
)
from tests.integration.media import samples

MAX_PIXELS = 1_000_000


def run(
    tmp_path: Path,
    data: bytes,
    fmt: str,
    max_pixels: int = MAX_PIXELS,
    *,
    max_frames: int = 600,
    max_animation_pixels: int = 2 * MAX_PIXELS,
) -> ProcessedImage:
    source = tmp_path / "upload"
    source.write_bytes(data)
    limits = ImageLimits(max_pixels, max_frames, max_animation_pixels)
    return process_image(source, fmt, tmp_path, limits=limits)


@pytest.mark.parametrize(
    ("fmt", "ext", "mode"),
    [
        ("PNG", "png", "RGBA"),
        ("PNG", "png", "L"),
        ("JPEG", "jpg", "RGB"),
        ("WEBP", "webp", "RGB"),
        ("WEBP", "webp", "RGBA"),
        ("GIF", "gif", "P"),
    ],
)
def test_images_keep_their_format(
    tmp_path: Path, fmt: str, ext: str, mode: str
) -> None:
    result = run(tmp_path, samples.image_bytes(fmt, (64, 48), mode), fmt)
    assert result.ext == ext
    with Image.open(result.path) as image:
        assert image.format == fmt
        assert image.size == (64, 48)


def test_phone_photo_loses_exif_and_gps_and_is_upright(tmp_path: Path) -> None:
    original = Image.open(io.BytesIO(samples.phone_jpeg()))
    assert original.getexif().get_ifd(samples.GPS_IFD)  # the sample really has GPS

    result = run(tmp_path, samples.phone_jpeg(), "JPEG")

    data = result.path.read_bytes()
    with Image.open(result.path) as image:
        assert "exif" not in image.info
        assert len(image.getexif()) == 0
        assert image.size == (30, 60)  # 60×30 turned by the orientation tag
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data


def test_png_text_chunks_are_dropped(tmp_path: Path) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Fulano de Tal, Rua das Flores 10")
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="PNG", pnginfo=info)

    result = run(tmp_path, buffer.getvalue(), "PNG")

    assert b"Fulano" not in result.path.read_bytes()


def test_png_transparency_survives(tmp_path: Path) -> None:
    result = run(tmp_path, samples.image_bytes("PNG", (10, 10), "RGBA"), "PNG")
    with Image.open(result.path) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0)) == (200, 40, 40, 128)


def test_animated_gif_keeps_every_frame_duration_and_loop(tmp_path: Path) -> None:
    result = run(tmp_path, samples.animated_gif(), "GIF")

    assert result.frames == 4
    with Image.open(result.path) as image:
        assert image.is_animated
        assert image.n_frames == 4
        assert image.info.get("loop") == 0
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(image)]
        colours = [
            frame.convert("RGB").getpixel((5, 5))
            for frame in ImageSequence.Iterator(image)
        ]
    assert durations == [100, 200, 300, 400]
    assert len(set(colours)) == 4
    assert b"secret author note" not in result.path.read_bytes()


def test_thumbnail_is_a_jpeg_at_most_480_wide(tmp_path: Path) -> None:
    result = run(tmp_path, samples.image_bytes("PNG", (1200, 600), "RGBA"), "PNG")
    with Image.open(result.thumbnail) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (THUMBNAIL_WIDTH, 240)


def test_small_pictures_are_not_enlarged_for_the_thumbnail(tmp_path: Path) -> None:
    result = run(tmp_path, samples.image_bytes("GIF", (40, 30), "P"), "GIF")
    with Image.open(result.thumbnail) as thumb:
        assert thumb.size == (40, 30)


def test_truncated_png_is_undecodable(tmp_path: Path) -> None:
    data = samples.image_bytes("PNG", (300, 300), "RGB")
    noisy = Image.effect_noise((300, 300), 80).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    data = buffer.getvalue()
    with pytest.raises(MediaUndecodable):
        run(tmp_path, data[: len(data) // 2], "PNG")


def test_garbage_after_a_jpeg_header_is_undecodable(tmp_path: Path) -> None:
    with pytest.raises(MediaUndecodable):
        run(tmp_path, b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, "JPEG")


def test_image_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageDimensionsTooLarge, match="pixels"):
        run(tmp_path, samples.bomb_png(2000, 1000), "PNG")


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (10_000, 10_000),  # past Pillow's own limit: its warning
        (30_000, 30_000),  # past twice the limit: its error
    ],
)
def test_decompression_bombs_are_refused_cleanly(
    tmp_path: Path, width: int, height: int
) -> None:
    # Pillow's check fires while opening, before ours; both end as a 422.
    with pytest.raises(ImageDimensionsTooLarge):
        run(tmp_path, samples.huge_png_header(width, height), "PNG", max_pixels=10**9)


def test_animation_over_its_total_pixels_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnimationTooLarge, match="animação grande demais: 4 quadros"):
        run(tmp_path, samples.animated_gif(), "GIF", max_animation_pixels=3 * 32 * 24)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animation_over_its_frame_count_is_refused(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(AnimationTooLarge, match="o limite é 3 quadros"):
        run(tmp_path, samples.animation(fmt, frames=4), fmt, max_frames=3)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animation_at_its_frame_count_is_kept_whole(tmp_path: Path, fmt: str) -> None:
    result = run(tmp_path, samples.animation(fmt, frames=3), fmt, max_frames=3)

    assert result.frames == 3
    with Image.open(result.path) as image:
        assert image.n_frames == 3


def test_gif_frames_are_counted_from_the_structure_up_to_the_bound() -> None:
    data = samples.many_frame_gif(1000)

    assert count_gif_frames(data, stop_after=5000) == 1000
    assert count_gif_frames(data, stop_after=7) == 7
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 1000
    # Pillow skips bytes that start no block; so does the count.
    assert (
        count_gif_frames(samples.many_frame_gif(3, junk=b"\x00\x07"), stop_after=9) == 3
    )
