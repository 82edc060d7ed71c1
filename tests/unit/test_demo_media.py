import io

from PIL import Image

from expotv import demo


def test_demo_pictures_are_720p_png() -> None:
    data = demo.picture("Padaria São João", "Pão às terças", ("#000000", "#111111"))
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (1280, 720)


def test_text_is_folded_only_for_a_font_without_portuguese_glyphs() -> None:
    from PIL import ImageFont

    bundled = ImageFont.load_default(size=20)
    assert demo._text("às terças", bundled) == "as tercas"
    system = demo._font(20)
    if getattr(system, "path", None) in demo._FONT_FILES:
        assert demo._text("às terças", system) == "às terças"
