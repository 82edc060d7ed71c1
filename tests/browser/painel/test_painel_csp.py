"""The dashboard works under the strict Content-Security-Policy of its surface:
scripts and styles from its own files only (no inline script, no style
attribute), no plugins, forms posted to itself."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Route, expect

from tests.browser.painel.conftest import Painel, new_context
from tests.integration.media.samples import image_bytes

pytestmark = pytest.mark.browser

PAINEL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


async def test_pages_raise_no_policy_violation(
    browser: Browser, painel: Painel
) -> None:
    context = await new_context(browser, painel, "sindico")
    page = await context.new_page()

    async def with_csp(route: Route) -> None:
        response = await route.fetch()
        headers = {**response.headers, "content-security-policy": PAINEL_CSP}
        await route.fulfill(response=response, headers=headers)

    await page.route("**/painel**", with_csp)
    await page.add_init_script(
        """window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            (e) => window.__violations.push(
                e.violatedDirective + ' ' + e.blockedURI));"""
    )
    for path in (
        "/painel",
        f"/painel/tvs/{painel.tv_ids[0]}",
        "/painel/avisos",
        "/painel/anuncios/novo",
    ):
        await page.goto(painel.url(path))
        await page.wait_for_load_state("load")
        if path.endswith("/novo"):
            # The chosen picture is previewed on a canvas (no blob: URL needed).
            await page.locator("[data-file]").set_input_files(
                files=[
                    {"name": "a.png", "mimeType": "image/png", "buffer": image_bytes()}
                ]
            )
            await expect(page.locator("[data-file-chosen]")).to_be_visible()
        if "/tvs/" in path:
            # The loop preview asks the server as the proportions change.
            total = page.locator("[data-loop-total]")
            before = await total.inner_text()
            await page.get_by_label("Avisos", exact=True).fill("2")
            await expect(total).not_to_have_text(before)
        assert await page.evaluate("window.__violations") == [], path
    await context.close()
