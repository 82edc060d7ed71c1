"""Helpers for the player's browser tests: stub content bodies, screen shapes, routes
that serve a stub playlist, and the screenshot folder (``test-artifacts/player``)."""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageStat
from playwright.async_api import Browser, BrowserContext, Page, Route

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "player"

SHAPES = {
    "1080p": (1920, 1080),
    "720p": (1280, 720),
    "retrato": (1080, 1920),
}

# The player's smallest text: hundredths of the screen's shorter side (player.js).
TEXT_MIN_RATIO = 3.34
TITLE_MIN_RATIO = 4.4

CONDOMINIO = "Residencial Jardim das Acácias"

SENTENCES = (
    "Comunicamos a todos os moradores que, a partir da próxima segunda-feira, terão "
    "início as obras de impermeabilização da laje da cobertura do Bloco B. "
    "Durante o período da obra, o acesso ao terraço ficará interditado e haverá "
    "movimentação de materiais pelo elevador de serviço entre 8h e 17h. "
    "Pedimos a compreensão de todos: qualquer dúvida, procure a administração. "
)


def long_text(chars: int) -> str:
    text = (SENTENCES * (chars // len(SENTENCES) + 1))[:chars]
    return text[:-1] + "."


def aviso(item_id: int, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "tipo": "aviso",
        "id": item_id,
        "titulo": "Manutenção do elevador social",
        "archive_url": None,
        "tipo_midia": None,
        "duracao": 15,
        "thumbnail_url": None,
        "mensagem": "O elevador social ficará parado na quinta-feira, das 9h às "
        "12h, para manutenção preventiva. Use o elevador de serviço.",
    }
    item.update(fields)
    return item


def noticia(item_id: int, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "tipo": "noticia",
        "id": item_id,
        "titulo": "Feira orgânica volta à praça neste sábado",
        "archive_url": None,
        "tipo_midia": None,
        "duracao": 10,
        "thumbnail_url": None,
        "resumo": "Produtores da região levam frutas, verduras, queijos e pães "
        "artesanais à praça central, das 7h às 13h.",
        "fonte": "Agência Brasil",
        "publicado_em": "2026-12-01T09:30:00+00:00",
    }
    item.update(fields)
    return item


def anuncio(item_id: int, media: dict[str, Any], **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "tipo": "anuncio",
        "id": item_id,
        "titulo": "Pizzaria Bella Napoli",
        "archive_url": media["archive_url"],
        "tipo_midia": media["tipo_midia"],
        "duracao": 8,
        "thumbnail_url": media.get("thumbnail_url"),
    }
    item.update(fields)
    return item


def content(
    code: str,
    items: list[dict[str, Any]],
    *,
    modo: str = "normal",
    valido_ate: str | None = None,
) -> dict[str, Any]:
    """A content body as the server sends it, with a version hashed from the items."""
    versao = hashlib.sha256(
        json.dumps([items, modo], sort_keys=True).encode()
    ).hexdigest()[:16]
    return {
        "tv": {
            "codigo": code,
            "nome": "Hall de entrada",
            "condominio_id": 1,
            "condominio_nome": CONDOMINIO,
            "proporcao_anuncios": 1,
            "proporcao_avisos": 1,
            "proporcao_noticias": 1,
        },
        "versao": versao,
        "gerado_em": "2026-12-01T12:00:00+00:00",
        "modo": modo,
        "valido_ate": valido_ate,
        "itens": items,
    }


@dataclass
class StubServer:
    """Serves a settable content body (with ETag/304) and answers pings."""

    body: dict[str, Any]
    content_requests: int = 0
    ping_requests: int = 0
    status: int = 200
    log: list[str] = field(default_factory=list)

    async def content(self, route: Route) -> None:
        self.content_requests += 1
        if self.status != 200:
            await route.fulfill(status=self.status, body="indisponível")
            return
        etag = f'"{self.body["versao"]}"'
        if route.request.headers.get("if-none-match") == etag:
            await route.fulfill(status=304, headers={"ETag": etag})
            return
        await route.fulfill(
            status=200,
            content_type="application/json",
            headers={"ETag": etag},
            body=json.dumps(self.body),
        )

    async def ping(self, route: Route) -> None:
        self.ping_requests += 1
        if self.status != 200:
            await route.fulfill(status=self.status, body="indisponível")
            return
        await route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(
                {
                    "status": "online",
                    "versao": self.body["versao"],
                    "intervalo_ping": 30,
                }
            ),
        )

    async def install(self, target: Page | BrowserContext) -> None:
        await target.route("**/app/tv/*/content", self.content)
        await target.route("**/app/tv/*/ping", self.ping)


async def new_player_page(
    browser: Browser,
    shape: str = "720p",
    *,
    service_workers: str = "block",
) -> tuple[BrowserContext, Page]:
    width, height = SHAPES[shape]
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        service_workers=service_workers,  # type: ignore[arg-type]
    )
    page = await context.new_page()
    return context, page


async def wait_playing(page: Page, item_id: int | None = None) -> None:
    selector = "#stage[data-state=tocando]"
    if item_id is not None:
        selector = f"#stage[data-state=tocando][data-id='{item_id}']"
    await page.wait_for_selector(selector, state="attached", timeout=20_000)


async def screenshot(page: Page, name: str) -> bytes:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return await page.screenshot(path=ARTIFACTS / f"{name}.png", animations="disabled")


def landscape_jpeg(width: int = 1200, height: int = 800) -> bytes:
    """A photo-like picture (sky, sun, hills) for the notícia layouts."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(40 + 180 * t), int(90 + 120 * t), int(200 - 40 * t)),
        )
    draw.ellipse(
        (width * 0.62, height * 0.18, width * 0.78, height * 0.42), fill=(255, 214, 120)
    )
    for i, (shade, top) in enumerate(((46, 0.55), (34, 0.66), (22, 0.78))):
        points = [(0, height)]
        for x in range(0, width + 1, width // 12):
            bump = math.sin(x / width * math.pi * (2 + i) + i) * height * 0.05
            points.append((x, height * top + bump))
        points.append((width, height))
        draw.polygon(points, fill=(shade, 90 + shade * 2, 50 + shade))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def frame_problem(png: bytes) -> str | None:
    """Why this frame looks broken (black or a single flat colour), or None."""
    image = Image.open(io.BytesIO(png)).convert("L")
    stats = ImageStat.Stat(image)
    mean = stats.mean[0]
    spread = math.sqrt(stats.var[0])
    if mean < 12:
        return f"preto (brilho médio {mean:.1f})"
    if spread < 4:
        return f"liso (desvio {spread:.1f})"
    return None


async def record_swaps(page: Page) -> None:
    """Record (time, id, tipo, media ok) every time an item becomes visible."""
    await page.evaluate(
        """() => {
            window.__swaps = [];
            const stage = document.getElementById('stage');
            const note = () => {
                const layer = document.querySelector('.layer.is-on');
                const img = layer && layer.querySelector('img.media, .figure img');
                const video = layer && layer.querySelector('video');
                window.__swaps.push({
                    t: performance.now(),
                    id: stage.dataset.id,
                    tipo: stage.dataset.tipo,
                    img: img ? img.naturalWidth : null,
                    video: video ? video.readyState : null,
                });
            };
            new MutationObserver(note).observe(stage, {
                attributes: true, attributeFilter: ['data-id', 'data-tipo'],
            });
        }"""
    )


Check = Callable[[Page], Awaitable[None]]
