"""No endpoint shows another tenant's objects, their existence or their count."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from expotv.users.models import Role
from expotv.users.schemas import Level
from tests import support
from tests.integration.authz.conftest import MISSING_ID, World

TENANTS = [Level.SINDICO, Level.VISITANTE]


async def _get(
    client: httpx.AsyncClient, world: World, level: Level, url: str, **params: Any
) -> Any:
    response = await client.get(url, headers=world.headers[level], params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _visible(world: World, level: Level) -> dict[str, set[int]]:
    """What each list must show to ``level``: everything for the Master, else A's."""
    if level is Level.MASTER:
        return {
            "/condominios": set(world.condos.values()),
            "/tvs": {tv.id for tv in world.tvs.values()},
            "/anuncios": set(world.ads.values()),
            "/avisos": set(world.notices.values()),
        }
    return {
        "/condominios": {world.condo("own")},
        "/tvs": {world.tv("own").id},
        "/anuncios": {world.ad("own"), world.ad("shared")},
        "/avisos": {world.notice("own"), world.notice("shared")},
    }


@pytest.mark.parametrize("level", list(Level))
async def test_lists_show_only_the_callers_tenancy_with_its_total(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    for url, expected in _visible(world, level).items():
        page = await _get(client, world, level, url)
        assert {item["id"] for item in page["items"]} == expected, url
        assert page["total"] == len(expected), url
        # The total counts the whole visible list, not the page.
        one = await _get(client, world, level, url, limit=1, offset=1)
        assert one["total"] == len(expected), url
        assert len(one["items"]) == min(1, len(expected) - 1), url


@pytest.mark.parametrize("level", TENANTS)
@pytest.mark.parametrize("url", ["/tvs", "/anuncios", "/avisos"])
async def test_filtering_by_another_tenants_condominio_gives_an_empty_page(
    client: httpx.AsyncClient, world: World, level: Level, url: str
) -> None:
    other = await _get(client, world, level, url, condominio_id=world.condo("other"))
    missing = await _get(client, world, level, url, condominio_id=MISSING_ID)
    assert other == missing == {"items": [], "total": 0, "limit": 50, "offset": 0}
    own = await _get(client, world, level, url, condominio_id=world.condo("own"))
    assert own["total"] >= 1


@pytest.mark.parametrize("level", TENANTS)
async def test_filtering_condominios_by_another_sindico_gives_an_empty_page(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    page = await _get(client, world, level, "/condominios", sindico_id=world.sb.id)
    assert page == {"items": [], "total": 0, "limit": 50, "offset": 0}


@pytest.mark.parametrize("level", TENANTS)
@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/condominios", "Residencial B"),
        ("/tvs", "Hall B"),
        ("/tvs", "BBBBBB"),
        ("/anuncios", "Anúncio B"),
        ("/avisos", "Aviso B"),
    ],
)
async def test_searching_for_another_tenants_names_finds_nothing(
    client: httpx.AsyncClient, world: World, level: Level, url: str, text: str
) -> None:
    page = await _get(client, world, level, url, q=text)
    assert page["total"] == 0
    assert page["items"] == []


@pytest.mark.parametrize("level", TENANTS)
@pytest.mark.parametrize("status", ["ativo", "inativo", "expirado"])
async def test_status_filters_count_only_visible_items(
    client: httpx.AsyncClient, world: World, level: Level, status: str
) -> None:
    for url, expected in (
        ("/anuncios", {world.ad("own"), world.ad("shared")}),
        ("/avisos", {world.notice("own"), world.notice("shared")}),
    ):
        page = await _get(client, world, level, url, status=status)
        ids = {item["id"] for item in page["items"]}
        assert ids <= expected
        assert page["total"] == len(ids)


@pytest.mark.parametrize(
    ("level", "own_only"),
    [(Level.MASTER, False), (Level.SINDICO, True), (Level.VISITANTE, True)],
)
async def test_id_lists_inside_items_show_only_visible_ids(
    client: httpx.AsyncClient, world: World, level: Level, own_only: bool
) -> None:
    a, b = world.condo("own"), world.condo("other")
    condos = [a] if own_only else [a, b]
    signers = [world.sa.id] if own_only else [world.sa.id, world.sb.id]

    ad = await _get(client, world, level, f"/anuncios/{world.ad('shared')}")
    notice = await _get(client, world, level, f"/avisos/{world.notice('shared')}")
    assert ad["condominios_ids"] == condos
    assert notice["condominios_ids"] == condos
    assert notice["sindico_ids"] == signers

    ads = await _get(client, world, level, "/anuncios")
    notices = await _get(client, world, level, "/avisos")
    listed_ad = next(i for i in ads["items"] if i["id"] == world.ad("shared"))
    listed_notice = next(
        i for i in notices["items"] if i["id"] == world.notice("shared")
    )
    assert listed_ad["condominios_ids"] == condos
    assert listed_notice["condominios_ids"] == condos
    assert listed_notice["sindico_ids"] == signers


async def test_a_sindicos_write_answers_without_the_hidden_targets_and_keeps_them(
    client: httpx.AsyncClient, world: World
) -> None:
    """The Master shares sA's own items with B; sA edits them without seeing B."""
    a, b = world.condo("own"), world.condo("other")
    master, sindico = world.headers[Level.MASTER], world.headers[Level.SINDICO]
    for url in (f"/anuncios/{world.ad('own')}", f"/avisos/{world.notice('own')}"):
        shared = await client.put(url, headers=master, json={"condominios_ids": [a, b]})
        assert shared.status_code == 200, shared.text

        edited = await client.put(
            url, headers=sindico, json={"nome": "Editado", "condominios_ids": [a]}
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["condominios_ids"] == [a]
        assert (await _get(client, world, Level.SINDICO, url))["condominios_ids"] == [a]
        # Replacing the targets it sees leaves the Master's choice for B alone.
        assert (await _get(client, world, Level.MASTER, url))["condominios_ids"] == [
            a,
            b,
        ]


async def test_a_notice_created_by_the_master_for_both_shows_each_its_own_signer(
    client: httpx.AsyncClient, world: World
) -> None:
    a, b = world.condo("own"), world.condo("other")
    created = await client.post(
        "/avisos",
        headers=world.headers[Level.MASTER],
        json={"nome": "Geral", "mensagem": "Para todos", "condominios_ids": [a, b]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["sindico_ids"] == [world.sa.id, world.sb.id]
    url = f"/avisos/{created.json()['id']}"
    for level in TENANTS:
        seen = await _get(client, world, level, url)
        assert seen["sindico_ids"] == [world.sa.id]
        assert seen["condominios_ids"] == [a]


async def test_naming_another_tenants_sindico_is_refused_like_a_nonexistent_user(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/avisos/{world.notice('own')}"
    sindico = world.headers[Level.SINDICO]
    other = await client.put(url, headers=sindico, json={"sindico_ids": [world.sb.id]})
    missing = await client.put(url, headers=sindico, json={"sindico_ids": [MISSING_ID]})
    assert other.status_code == missing.status_code == 422
    # The same answer but for the id sent back: no hint that sB exists.
    assert re.sub(r"\d+", "N", other.text) == re.sub(r"\d+", "N", missing.text)
    created = await client.post(
        "/avisos",
        headers=sindico,
        json={
            "nome": "Assinado",
            "mensagem": "Texto",
            "condominios_ids": [world.condo("own")],
            "sindico_ids": [world.sb.id],
        },
    )
    assert created.status_code == 422


@pytest.mark.parametrize("level", TENANTS)
async def test_own_profile_lists_only_the_callers_condominios(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    me = await _get(client, world, level, "/auth/me")
    assert me["condominios_ids"] == [world.condo("own")]


@pytest.mark.parametrize("level", TENANTS)
async def test_a_visible_condominio_lists_only_its_own_tvs(
    client: httpx.AsyncClient, world: World, level: Level
) -> None:
    condo = await _get(client, world, level, f"/condominios/{world.condo('own')}")
    assert [tv["id"] for tv in condo["tvs"]] == [world.tv("own").id]
    assert condo["sindico_id"] == world.sa.id


async def test_a_visitante_assigned_to_a_sees_nothing_of_b_anywhere(
    client: httpx.AsyncClient, world: World
) -> None:
    """Every read a Visitante can make, scanned for B's ids and names."""
    reads = [
        "/condominios",
        "/tvs",
        "/anuncios",
        "/avisos",
        f"/condominios/{world.condo('own')}",
        f"/tvs/{world.tv('own').id}",
        f"/anuncios/{world.ad('shared')}",
        f"/avisos/{world.notice('shared')}",
        "/auth/me",
    ]
    for url in reads:
        body = await client.get(url, headers=world.headers[Level.VISITANTE])
        assert body.status_code == 200, url
        text = body.text
        for name in ("Residencial B", "Hall B", "BBBBBB", "Anúncio B", "Aviso B"):
            assert name not in text, (url, name)
        assert world.sb.email not in text, url


async def test_targeting_another_tenants_condominio_looks_like_a_missing_one(
    client: httpx.AsyncClient, world: World
) -> None:
    a = world.condo("own")
    writes: list[tuple[str, str, Any]] = [
        ("POST", "/tvs", lambda c: {"nome": "TV", "condominio_id": c}),
        ("PUT", f"/tvs/{world.tv('own').id}", lambda c: {"condominio_id": c}),
        ("PUT", f"/anuncios/{world.ad('own')}", lambda c: {"condominios_ids": [a, c]}),
        ("PUT", f"/avisos/{world.notice('own')}", lambda c: {"condominios_ids": [c]}),
        (
            "POST",
            "/avisos",
            lambda c: {"nome": "N", "mensagem": "M", "condominios_ids": [a, c]},
        ),
    ]
    sindico = world.headers[Level.SINDICO]
    for method, url, body in writes:
        other = await client.request(
            method, url, headers=sindico, json=body(world.condo("other"))
        )
        missing = await client.request(
            method, url, headers=sindico, json=body(MISSING_ID)
        )
        assert other.status_code == 404, (method, url)
        assert other.json() == missing.json(), (method, url)
    # Nothing was half-applied.
    tv = await _get(client, world, Level.SINDICO, f"/tvs/{world.tv('own').id}")
    assert tv["condominio_id"] == a
    ad = await _get(client, world, Level.MASTER, f"/anuncios/{world.ad('own')}")
    assert ad["condominios_ids"] == [a]
    notices = await _get(client, world, Level.MASTER, "/avisos")
    assert notices["total"] == len(world.notices)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER])
async def test_a_user_without_condominios_sees_nothing_at_all(
    client: httpx.AsyncClient, world: World, factory: support.Factory, role: Role
) -> None:
    """An empty tenancy is "nothing", never "no restriction"."""
    headers = await factory.headers(await factory.user(role))
    for url in ("/condominios", "/tvs", "/anuncios", "/avisos"):
        page = await client.get(url, headers=headers)
        assert page.json()["total"] == 0, url
    for url in (
        f"/condominios/{world.condo('own')}",
        f"/tvs/{world.tv('own').id}",
        f"/anuncios/{world.ad('shared')}",
        f"/avisos/{world.notice('shared')}",
    ):
        assert (await client.get(url, headers=headers)).status_code == 404, url
    me = await client.get("/auth/me", headers=headers)
    assert me.json()["condominios_ids"] == []


async def test_metrics_name_routes_never_tenants_or_tv_codes(
    client: httpx.AsyncClient, world: World
) -> None:
    """/metrics is public: its labels are route templates, nothing of a tenant."""
    tv = world.tv("other")
    await client.get(f"/app/tv/{tv.code}/content")
    await client.get(f"/tvs/{tv.id}", headers=world.headers[Level.MASTER])
    await client.get(
        f"/anuncios/{world.ad('other')}", headers=world.headers[Level.SINDICO]
    )
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'route="/app/tv/{codigo}/content"' in metrics.text
    assert tv.code not in metrics.text
    assert f"/tvs/{tv.id}" not in metrics.text
    assert "Residencial" not in metrics.text


async def test_an_item_on_two_of_the_callers_condominios_counts_once(
    client: httpx.AsyncClient, world: World
) -> None:
    sindico, master = world.headers[Level.SINDICO], world.headers[Level.MASTER]
    second = await client.post("/condominios", headers=sindico, json={"nome": "A2"})
    assert second.status_code == 201, second.text
    a, a2 = world.condo("own"), second.json()["id"]
    for url in (f"/anuncios/{world.ad('shared')}", f"/avisos/{world.notice('shared')}"):
        response = await client.put(
            url, headers=master, json={"condominios_ids": [a, a2, world.condo("other")]}
        )
        assert response.status_code == 200, response.text
        seen = await _get(client, world, Level.SINDICO, url)
        assert seen["condominios_ids"] == [a, a2]
    for url, expected in _visible(world, Level.SINDICO).items():
        if url in ("/anuncios", "/avisos"):
            page = await _get(client, world, Level.SINDICO, url)
            assert sorted(item["id"] for item in page["items"]) == sorted(expected)
            assert page["total"] == len(expected)
