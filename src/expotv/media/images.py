"""Images: decode fully, apply the EXIF orientation, re-encode without metadata.

Re-encoding is what strips EXIF (phone photos carry GPS), XMP and comments: only the
pixels, the colour profile, transparency and an animation's timing survive. Every
item also gets a JPEG thumbnail at most ``THUMBNAIL_WIDTH`` wide. Blocking: call in a
thread.

An animation is held whole while re-encoding (every frame decoded, on the full
canvas), so its cost is bounded before any frame is decoded: the frames are
counted from the file's structure (a GIF's blocks, the frame count WebP and APNG
declare) and refused past ``max_animation_frames``, or past
``max_animation_pixels`` over all frames (422).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, ImageSequence

from expotv.config import SettingsView, setting
from expotv.media.exceptions import (
    AnimationTooLarge,
    ImageDimensionsTooLarge,
    MediaUndecodable,
)

THUMBNAIL_WIDTH = 480
THUMBNAIL_MAX_HEIGHT = 960

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}

_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True, slots=True)
class ImageLimits(SettingsView):
    max_pixels: int = setting("max_image_pixels")
    max_frames: int = setting("max_animation_frames")
    max_animation_pixels: int = setting("max_animation_pixels")


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    path: Path
    ext: str
    thumbnail: Path
    width: int
    height: int
    frames: int


def process_image(
    source: Path, image_format: str, workdir: Path, *, limits: ImageLimits
) -> ProcessedImage:
    """Check and re-encode ``source``, which its magic bytes call ``image_format``."""
    ext = EXTENSIONS[image_format]
    target = workdir / f"image.{ext}"
    thumbnail = workdir / "thumbnail.jpg"
    try:
        with Image.open(source, formats=[image_format]) as image:
            _check_dimensions(image, limits.max_pixels)
            frames = _count_frames(source, image, limits.max_frames)
            _check_animation(image, frames, limits)
            if frames > 1:
                first = _save_animation(image, image_format, target, limits)
            else:
                first = _save_still(image, image_format, target)
            save_thumbnail(first, thumbnail)
    except _BOMB_ERRORS:
        raise _too_many_pixels(limits.max_pixels) from None
    except (ImageDimensionsTooLarge, AnimationTooLarge, MediaUndecodable):
        raise
    except Exception as exc:
        # Truncated data, bad chunks, unknown modes: Pillow raises many types.
        raise MediaUndecodable(
            "a imagem está corrompida ou não pôde ser decodificada"
        ) from exc
    return ProcessedImage(target, ext, thumbnail, first.width, first.height, frames)


def _check_dimensions(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaUndecodable("a imagem não tem dimensões válidas")
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels, width=width, height=height)


def _count_frames(source: Path, image: Image.Image, cap: int) -> int:
    """Frames of ``image``, counted without decoding any (at most ``cap + 1``)."""
    if image.format == "GIF":
        return max(1, count_gif_frames(source.read_bytes(), stop_after=cap + 1))
    # WebP (libwebp's demuxer) and APNG (the acTL chunk) state their count.
    return int(getattr(image, "n_frames", 1))


def _check_animation(image: Image.Image, frames: int, limits: ImageLimits) -> None:
    if frames <= 1:
        return
    if frames > limits.max_frames:
        raise AnimationTooLarge(
            f"animação com quadros demais: o limite é {limits.max_frames} quadros"
        )
    width, height = image.size
    # Every frame is composed on the whole canvas.
    if width * height * frames > limits.max_animation_pixels:
        raise AnimationTooLarge(
            f"animação grande demais: {frames} quadros de {width}×{height} pixels "
            f"passam do limite de {_thousands(limits.max_animation_pixels)} pixels "
            "somados; reduza o tamanho ou o número de quadros"
        )


def count_gif_frames(data: bytes, *, stop_after: int) -> int:
    """Image descriptors in a GIF, walking its block structure, stopping at
    ``stop_after``.

    Ours rather than Pillow's ``n_frames``, which walks every frame of the file
    (0.4 s for the 200,000 frames 5 MB can hold) before anything can be refused.
    Like Pillow's reader, a byte that starts no block is skipped, so both count
    the same frames.
    """
    if len(data) < 13:
        return 0
    pos = 13 + _colour_table_bytes(data[10])
    frames = 0
    while pos < len(data) and frames < stop_after:
        block = data[pos]
        if block == 0x2C:  # image descriptor
            frames += 1
            flags = data[pos + 9] if pos + 9 < len(data) else 0
            # descriptor, local colour table, LZW code size, then the data
            pos += 10 + _colour_table_bytes(flags) + 1
            pos = _skip_sub_blocks(data, pos)
        elif block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x3B:  # trailer
            break
        else:
            pos += 1
    return frames


def _colour_table_bytes(flags: int) -> int:
    return 3 * (2 << (flags & 0x07)) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _too_many_pixels(
    max_pixels: int, *, width: int | None = None, height: int | None = None
) -> ImageDimensionsTooLarge:
    size = f" ({width}×{height})" if width and height else ""
    return ImageDimensionsTooLarge(
        f"imagem com pixels demais{size}: o limite é {_thousands(max_pixels)} pixels"
    )


def _clean_info(source: Image.Image, image: Image.Image) -> dict[str, Any]:
    """What to keep when saving: colour and transparency, nothing about the author."""
    kept: dict[str, Any] = {}
    icc = source.info.get("icc_profile")
    if icc:
        kept["icc_profile"] = icc
    if "transparency" in image.info and image.mode in ("P", "L", "RGB", "1"):
        kept["transparency"] = image.info["transparency"]
    image.info = {}
    return kept


def _save_still(image: Image.Image, image_format: str, target: Path) -> Image.Image:
    image.load()
    oriented = ImageOps.exif_transpose(image)
    if oriented is image:
        oriented = image.copy()
    options = _clean_info(image, oriented)
    if image_format == "JPEG":
        if oriented.mode not in ("L", "RGB", "CMYK"):
            oriented = oriented.convert("RGB")
        options.update(quality=90, optimize=True)
    elif image_format == "WEBP":
        options.update(quality=90, method=4)
    elif image_format == "GIF":
        options.pop("icc_profile", None)
    oriented.save(target, format=image_format, **options)
    return oriented


def _save_animation(
    image: Image.Image, image_format: str, target: Path, limits: ImageLimits
) -> Image.Image:
    transpose = _transpose_method(image)
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        # Should the count above and the decoder ever disagree, the cap holds.
        if len(frames) >= limits.max_frames:
            raise AnimationTooLarge(
                f"animação com quadros demais: o limite é {limits.max_frames} quadros"
            )
        frame.load()
        durations.append(int(frame.info.get("duration", 100) or 100))
        copy = frame.convert("RGBA")
        copy.info = {}  # comments, XMP, EXIF: the encoder would copy them
        frames.append(copy.transpose(transpose) if transpose is not None else copy)
    options: dict[str, Any] = {
        "save_all": True,
        "append_images": frames[1:],
        "duration": durations,
    }
    # No loop entry means "play once"; keep it that way.
    if "loop" in image.info:
        options["loop"] = image.info["loop"]
    if image_format == "GIF":
        options["disposal"] = 2
    elif image_format == "WEBP":
        options.update(quality=90, method=4)
    frames[0].save(target, format=image_format, **options)
    return frames[0]


def _transpose_method(image: Image.Image) -> Image.Transpose | None:
    orientation = image.getexif().get(0x0112)
    return {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation if isinstance(orientation, int) else 0)


def to_rgb(image: Image.Image) -> Image.Image:
    """Flatten any mode onto a white background (thumbnails are JPEG)."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def save_thumbnail(image: Image.Image, target: Path) -> None:
    thumb = to_rgb(image)
    thumb.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_MAX_HEIGHT), Image.Resampling.LANCZOS)
    thumb.save(target, format="JPEG", quality=80, optimize=True)
