"""Every page, on a desktop and on a phone: no serious or critical axe-core finding,
and a screenshot kept as a test artifact (test-artifacts/painel/)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext

from tests.browser.painel.conftest import (
    Painel,
    axe_violations,
    new_context,
    screenshot,
)

pytestmark = pytest.mark.browser

# (who, path, artifact name); {tv}, {condo}, {user} are filled in from the fixture.
PAGES = [
    (None, "/login", "login"),
    ("sindico", "/painel", "inicio"),
    ("sindico", "/painel/tvs", "tvs"),
    ("sindico", "/painel/tvs/{tv}", "tv"),
    ("sindico", "/painel/tvs/nova", "tv-nova"),
    ("sindico", "/painel/condominios", "condominios"),
    ("sindico", "/painel/condominios/{condo}", "condominio"),
    ("sindico", "/painel/condominios/novo", "condominio-novo"),
    ("sindico", "/painel/avisos", "avisos"),
    ("sindico", "/painel/avisos/novo", "aviso-novo"),
    ("sindico", "/painel/avisos/1", "aviso"),
    ("sindico", "/painel/anuncios", "anuncios"),
    ("sindico", "/painel/anuncios/novo", "anuncio-novo"),
    ("sindico", "/painel/anuncios/1", "anuncio"),
    ("sindico", "/painel/noticias", "noticias"),
    ("sindico", "/painel/conta", "conta"),
    ("sindico", "/painel/tvs/999999", "nao-encontrada"),
    ("visitante", "/painel/tvs/{tv}", "tv-visitante"),
    ("visitante", "/painel/avisos/1", "aviso-visitante"),
    ("master", "/painel", "inicio-master"),
    ("master", "/painel/usuarios", "usuarios"),
    ("master", "/painel/usuarios/novo", "usuario-novo"),
    ("master", "/painel/usuarios/2", "usuario"),
    ("master", "/painel/condominios/{condo}/editar", "condominio-editar"),
    ("master", "/painel/noticias/nova", "noticia-nova"),
    ("master", "/painel/noticias/1", "noticia"),
    ("master", "/painel/noticias/fontes", "fontes"),
]


class Contexts:
    """One signed-in context per person and screen, shared by this module's tests
    (a new browser context costs about a second)."""

    def __init__(self, browser: Browser, painel: Painel) -> None:
        self.browser = browser
        self.painel = painel
        self.made: dict[tuple[str | None, bool], BrowserContext] = {}

    async def get(self, who: str | None, *, phone: bool) -> BrowserContext:
        key = (who, phone)
        if key not in self.made:
            self.made[key] = await new_context(
                self.browser, self.painel, who, phone=phone
            )
        return self.made[key]


@pytest.fixture(scope="module")
async def contexts(browser: Browser, painel: Painel) -> AsyncIterator[Contexts]:
    made = Contexts(browser, painel)
    yield made
    for context in made.made.values():
        await context.close()


@pytest.mark.parametrize(
    ("who", "path", "name"), PAGES, ids=[name for _, _, name in PAGES]
)
async def test_page_is_accessible_on_desktop_and_phone(
    contexts: Contexts, painel: Painel, who: str | None, path: str, name: str
) -> None:
    """On SQLite: axe and a screenshot on both screens. On MariaDB the page is
    the same markup from other rows: it must load without an error (axe would
    find what it finds on SQLite, at a second or two per page and screen)."""
    url = painel.url(path.format(tv=painel.tv_ids[0], condo=painel.condominium_id))
    full = painel.database == "sqlite"
    for phone in (False, True) if full else (False,):
        page = await (await contexts.get(who, phone=phone)).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
        response = await page.goto(url)
        assert response is not None
        assert response.status < 500, (url, response.status)
        found: list[dict[str, object]] = []
        if full:
            if await page.locator("[data-preview-frame]").count():
                # Let the embedded player show its first item for the screenshot.
                await page.wait_for_timeout(1500)
            found = await axe_violations(page)
            await screenshot(page, f"{name}-{'celular' if phone else 'desktop'}")
        await page.close()
        assert not found, json.dumps(found, ensure_ascii=False, indent=1)
        assert not errors, errors
