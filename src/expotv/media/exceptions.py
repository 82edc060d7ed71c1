from __future__ import annotations

from expotv.errors import Invalid, PayloadTooLarge, Unavailable, UnsupportedMedia

ACCEPTED_KINDS = "PNG, JPEG, WebP, GIF, MP4, MOV, WebM, MKV ou AVI"


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 1 else f"{limit // 1024} KB"


class MediaRejected(Exception):
    """Marks the errors that are the file's fault (counted as ``rejected``)."""


class MediaTooLarge(MediaRejected, PayloadTooLarge, code="media_too_large"):
    def __init__(self, *, what: str, limit: int) -> None:
        super().__init__(
            f"arquivo grande demais: o limite para {what} é {_megabytes(limit)}"
        )


class UploadTooLarge(PayloadTooLarge, code="upload_too_large"):
    def __init__(self, *, limit: int) -> None:
        super().__init__(
            f"envio grande demais: o limite é {_megabytes(limit)} por requisição"
        )


class MediaTypeNotAccepted(
    MediaRejected, UnsupportedMedia, code="media_type_not_accepted"
):
    detail = f"tipo de arquivo não aceito; envie {ACCEPTED_KINDS}"


class InvalidFile(MediaRejected, Invalid, field="arquivo"):
    """The file's own faults, each a 422 naming the ``arquivo`` field."""


class MediaUndecodable(InvalidFile, code="media_undecodable"):
    detail = "o arquivo está corrompido ou não pôde ser lido"


class ImageDimensionsTooLarge(InvalidFile, code="image_dimensions_too_large"): ...


def _seconds(value: float) -> str:
    if value >= 60 and value % 60 == 0:
        return f"{value / 60:.0f} min"
    return f"{value:g} s".replace(".", ",")


class AnimationTooLarge(InvalidFile, code="animation_too_large"): ...


# Raised with width=, height=, long_side=, short_side=.
class VideoDimensionsTooLarge(InvalidFile, code="video_dimensions_too_large"):
    detail = (
        "vídeo grande demais ({width}×{height}): o limite é {long_side}×"
        "{short_side} pixels (ou {short_side}×{long_side} em pé)"
    )


class VideoTooLong(InvalidFile, code="video_too_long"):
    @classmethod
    def lasting(cls, seconds: float, *, limit: float) -> VideoTooLong:
        return cls(
            f"vídeo longo demais ({_seconds(round(seconds))}): o limite é "
            f"{_seconds(limit)}"
        )


class MediaStorageFailed(Unavailable, code="media_storage_failed"):
    detail = "não foi possível gravar o arquivo; tente novamente"


class ConversionFailed(Exception):
    """A video could not be converted; ``reason`` is shown as ``erro_midia``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConversionTimedOut(ConversionFailed):
    def __init__(self, budget_seconds: float) -> None:
        super().__init__(
            f"a conversão passou do tempo limite de {_seconds(budget_seconds)}; "
            "envie um vídeo mais curto ou de resolução menor"
        )


class ConversionCancelled(Exception):
    """The worker is shutting down; the conversion will run again on restart."""
