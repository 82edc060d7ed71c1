"""Images: decode fully, apply the EXIF orientation, re-encode without metadata.

Re-encoding is what strips EXIF (phone photos carry GPS), XMP and comments: only the
pixels, the colour profile, transparency and an animation's timing survive. Every
item also gets a JPEG thumbnail at most ``THUMBNAIL_WIDTH`` wide. Blocking: call in a
thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, ImageSequence

from expotv.media.exceptions import ImageDimensionsTooLarge, MediaUndecodable

THUMBNAIL_WIDTH = 480
THUMBNAIL_MAX_HEIGHT = 960
# The frames of an animation are all held while re-encoding: allow them twice the
# pixels of a still picture.
ANIMATION_PIXEL_FACTOR = 2

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}

_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    path: Path
    ext: str
    thumbnail: Path
    width: int
    height: int
    frames: int


def process_image(
    source: Path, image_format: str, workdir: Path, *, max_pixels: int
) -> ProcessedImage:
    """Check and re-encode ``source``, which its magic bytes call ``image_format``."""
    ext = EXTENSIONS[image_format]
    target = workdir / f"image.{ext}"
    thumbnail = workdir / "thumbnail.jpg"
    try:
        with Image.open(source, formats=[image_format]) as image:
            _check_dimensions(image, max_pixels)
            if getattr(image, "n_frames", 1) > 1:
                first = _save_animation(image, image_format, target)
            else:
                first = _save_still(image, image_format, target)
            save_thumbnail(first, thumbnail)
            frames = getattr(image, "n_frames", 1)
    except _BOMB_ERRORS:
        raise _too_many_pixels(max_pixels) from None
    except (ImageDimensionsTooLarge, MediaUndecodable):
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
    pixels = width * height
    if pixels > max_pixels:
        raise _too_many_pixels(max_pixels, width=width, height=height)
    frames = getattr(image, "n_frames", 1)
    if pixels * frames > max_pixels * ANIMATION_PIXEL_FACTOR:
        raise ImageDimensionsTooLarge(
            f"animação grande demais: {frames} quadros de {width}×{height} pixels "
            "excedem o limite de pixels; reduza o tamanho ou o número de quadros"
        )


def _too_many_pixels(
    max_pixels: int, *, width: int | None = None, height: int | None = None
) -> ImageDimensionsTooLarge:
    size = f" ({width}×{height})" if width and height else ""
    return ImageDimensionsTooLarge(
        f"imagem com pixels demais{size}: o limite é {max_pixels:,} pixels".replace(
            ",", "."
        )
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


def _save_animation(image: Image.Image, image_format: str, target: Path) -> Image.Image:
    transpose = _transpose_method(image)
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
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
