"""Who may do what, as seen in the browser: sessions, CSRF, levels, tenants."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.painel.conftest import Painel, new_context, sign_in

pytestmark = pytest.mark.browser

READ_PAGES = [
    "/painel",
    "/painel/avisos",
    "/painel/avisos/1",
    "/painel/anuncios",
    "/painel/anuncios/1",
    "/painel/tvs",
    "/painel/tvs/1",
    "/painel/condominios",
    "/painel/condominios/{condo}",
    "/painel/noticias",
    "/painel/noticias/1",
    "/painel/noticias/fontes",
]
# /painel/conta is the exception: every level may change its own name and password.


async def test_logout_in_one_tab_ends_the_session_in_the_others(
    browser: Browser, painel: Painel
) -> None:
    context = await new_context(browser, painel, None)
    first = await context.new_page()
    await sign_in(first, painel, "sindico")
    second = await context.new_page()
    await second.goto(painel.url("/painel/condominios"))
    await expect(second.get_by_role("heading", level=1)).to_have_text("Condomínios")

    await first.goto(painel.url("/painel/tvs"))
    await first.get_by_role("button", name="Sair").click()
    await expect(first).to_have_url(re.compile(r"/login"))
    await expect(first.get_by_role("status")).to_have_text("Você saiu do painel.")
    # The other tab leaves by itself, to the sign-in form that brings it back.
    await expect(second).to_have_url(
        re.compile(r"/login\?next=%2Fpainel%2Fcondominios")
    )
    # And the server agrees: the session is over for every tab.
    await second.goto(painel.url("/painel/tvs"))
    await expect(second).to_have_url(re.compile(r"/login"))
    await context.close()


async def test_a_form_posted_without_its_csrf_token_is_refused(
    as_sindico: Page, painel: Painel
) -> None:
    page = as_sindico
    await page.goto(painel.url("/painel/tvs/nova"))
    await page.get_by_label("Nome da TV").fill("TV sem token")
    form = page.locator("#conteudo form[method=post]")
    await form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    await page.get_by_role("button", name="Cadastrar TV").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Formulário expirado"
    )
    await page.goto(painel.url("/painel/tvs"))
    await expect(page.get_by_text("TV sem token")).to_have_count(0)


async def test_visitante_has_no_edit_control_on_any_page(
    browser: Browser, painel: Painel
) -> None:
    context = await new_context(browser, painel, "visitante")
    page = await context.new_page()
    for path in READ_PAGES:
        response = await page.goto(painel.url(path.format(condo=painel.condominium_id)))
        assert response is not None
        assert response.status == 200, path
        writes = page.locator("form[method=post]:not([action='/painel/sair'])")
        await expect(writes).to_have_count(0)
        editing = page.locator(
            "a[href$='/nova'], a[href$='/novo'], a[href$='/editar'], "
            "input:not([type=hidden]):not([type=search]):not([name=q]), textarea"
        )
        assert await editing.count() == 0, path
    await context.close()


async def test_sindico_gets_a_404_page_for_another_condominium(
    as_sindico: Page, painel: Painel
) -> None:
    page = as_sindico
    for path in (
        f"/painel/condominios/{painel.other_condominium_id}",
        f"/painel/condominios/{painel.other_condominium_id}/editar",
        f"/painel/tvs/{painel.other_tv_id}",
    ):
        response = await page.goto(painel.url(path))
        assert response is not None
        assert response.status == 404
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Página não encontrada"
        )
        await expect(page.get_by_text("TV do vizinho")).to_have_count(0)
        await expect(page.get_by_text("Edifício Vizinho")).to_have_count(0)
