"""The dashboard in Chromium: a real uvicorn on loopback with the demo data, on
SQLite and on MariaDB, plus the people the tests sign in as."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import insert, select

from expotv.auth.passwords import hash_password
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.db import create_engine, create_sessionmaker
from expotv.demo import DEMO_PASSWORD, MANAGER_EMAIL, MASTER_EMAIL, run_demo
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from expotv.users.models import Role, User, viewer_condominium
from tests import support
from tests.conftest import DATABASES, make_settings

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "painel"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

VIEWER_EMAIL = "visitante@expotv.local"
OTHER_EMAIL = "outro.sindico@expotv.local"
EMAILS = {
    "master": MASTER_EMAIL,
    "sindico": MANAGER_EMAIL,
    "visitante": VIEWER_EMAIL,
    "outro": OTHER_EMAIL,
}


@dataclass
class Painel:
    base_url: str
    database: str
    tv_codes: list[str]
    tv_ids: list[int]
    condominium_id: int
    other_condominium_id: int
    other_tv_id: int
    # Signed-in browser states, per person, made once per server.
    states: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


async def _add_people(settings: Settings) -> tuple[list[int], int, int, int]:
    """A Visitante of the demo condomínio, and a second síndico with its own."""
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    password_hash = hash_password(DEMO_PASSWORD)
    try:
        async with sessionmaker() as session:
            condo_id = await session.scalar(
                select(Condominium.id).order_by(Condominium.id)
            )
            assert condo_id is not None
            tv_ids = list(await session.scalars(select(TV.id).order_by(TV.id)))
            viewer = User(
                name="Vera Lúcia (moradora)",
                email=VIEWER_EMAIL,
                password_hash=password_hash,
                role=Role.VIEWER,
            )
            other = User(
                name="Otávio Lima (síndico)",
                email=OTHER_EMAIL,
                password_hash=password_hash,
                role=Role.MANAGER,
            )
            session.add_all([viewer, other])
            await session.flush()
            await session.execute(
                insert(viewer_condominium),
                [{"user_id": viewer.id, "condominium_id": condo_id}],
            )
            other_condo = Condominium(
                name="Edifício Vizinho", address="Rua Ao Lado, 7", manager_id=other.id
            )
            session.add(other_condo)
            await session.flush()
            other_tv = TV(
                code=generate_code(),
                name="TV do vizinho",
                condominium_id=other_condo.id,
            )
            session.add(other_tv)
            await session.commit()
            return tv_ids, condo_id, other_condo.id, other_tv.id
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def painel(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Painel]:
    data_dir = tmp_path_factory.mktemp("painel")
    name = f"expotv_painel_{support.run_id()}"
    database_url: str | None = None
    if request.param == "mariadb":
        database_url = support.run_in_thread(
            lambda: asyncio.run(support.create_mariadb_database(name))
        )
    try:
        settings = make_settings(data_dir, database_url=database_url)
        support.migrate(settings)
        demo = support.run_in_thread(
            lambda: asyncio.run(run_demo(settings, quiet_if_filled=True))
        )
        tv_ids, condo_id, other_condo_id, other_tv_id = support.run_in_thread(
            lambda: asyncio.run(_add_people(settings))
        )
        with support.live_server(settings) as server:
            yield Painel(
                base_url=server.base_url,
                database=request.param,
                tv_codes=demo.tv_codes,
                tv_ids=tv_ids,
                condominium_id=condo_id,
                other_condominium_id=other_condo_id,
                other_tv_id=other_tv_id,
            )
    finally:
        if database_url is not None:
            support.run_in_thread(
                lambda: asyncio.run(support.drop_mariadb_database(name))
            )


async def sign_in(page: Page, painel: Painel, who: str) -> None:
    """Sign in through the form, as a person would."""
    await page.goto(painel.url("/login"))
    await page.get_by_label("E-mail").fill(EMAILS[who])
    await page.get_by_label("Senha").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page).to_have_url(re.compile(r"/painel"))


async def new_context(
    browser: Browser, painel: Painel, who: str | None, *, phone: bool = False
) -> BrowserContext:
    """A browser context (pt-BR, São Paulo time), signed in as ``who``."""
    options: dict[str, Any] = {
        "viewport": PHONE if phone else DESKTOP,
        "locale": "pt-BR",
        "timezone_id": "America/Sao_Paulo",
    }
    if phone:
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    if who is not None and who in painel.states:
        options["storage_state"] = painel.states[who]
    context = await browser.new_context(**options)
    if who is not None and who not in painel.states:
        page = await context.new_page()
        await sign_in(page, painel, who)
        painel.states[who] = await context.storage_state()
        await page.close()
    return context


@pytest.fixture
async def as_sindico(browser: Browser, painel: Painel) -> AsyncIterator[Page]:
    context = await new_context(browser, painel, "sindico")
    page = await context.new_page()
    yield page
    await context.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core findings on the page as it is now.

    axe is evaluated through the DevTools protocol, so the page's own
    Content-Security-Policy stays as strict as in production.
    """
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        # axe's default rules: WCAG 2.x A and AA, plus its best practices.
        # The player in the TV page's preview frame is checked by the player's tests.
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " iframes: false})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(
        path=str(path), full_page=True, animations="disabled", scale="css"
    )
    return path
