"""Refresh the README's dashboard screenshots (docs/img/painel-*.png).

The dashboard's browser tests take a screenshot of every page, desktop and phone,
into test-artifacts/painel/; this picks the README's four and scales them to the
widths the README shows them at. From the repository's root:

    EXPOTV_TEST_DATABASES=sqlite uv run pytest -n 0 --no-cov \\
        tests/browser/painel/test_painel_pages.py \\
        tests/browser/painel/test_painel_flow.py
    uv run python scripts/readme_screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "painel"
IMAGES = ROOT / "docs" / "img"
DESKTOP_WIDTH = 960
PHONE_WIDTH = 300

# README image <- the test's screenshot, and the width it is shown at.
SHOTS = {
    "painel-tv.png": ("tv-desktop.png", DESKTOP_WIDTH),
    "painel-anuncios.png": ("anuncios-depois-do-envio.png", DESKTOP_WIDTH),
    "painel-inicio-celular.png": ("inicio-celular.png", PHONE_WIDTH),
    "painel-aviso-novo-celular.png": ("aviso-novo-celular.png", PHONE_WIDTH),
}


def main() -> int:
    missing = [name for name, _ in SHOTS.values() if not (ARTIFACTS / name).exists()]
    if missing:
        sys.stderr.write(f"not in {ARTIFACTS}: {', '.join(missing)}; run the tests\n")
        return 1
    for target, (source, width) in SHOTS.items():
        with Image.open(ARTIFACTS / source) as shot:
            size = (width, round(shot.height * width / shot.width))
            scaled = shot.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        # A 256-colour palette: a third of the bytes, no visible loss on these pages.
        scaled.quantize(colors=256).save(IMAGES / target, optimize=True)
        sys.stdout.write(f"{target}: {size[0]}×{size[1]} from {source}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
