"""/noticias and /noticias/fontes: shapes, levels and validation."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from expotv.content import ContentStatus
from expotv.db import utcnow
from expotv.news.models import NewsFeed, NewsItem
from expotv.users.models import Role
from tests.support import Factory

NEWS_FIELDS = {
    "id",
    "titulo",
    "resumo",
    "imagem_url",
    "fonte",
    "link",
    "status",
    "publicado_em",
    "data_expiracao",
    "duracao",
    "created_at",
    "updated_at",
}
FEED_FIELDS = {
    "id",
    "nome",
    "url",
    "ativo",
    "ultima_coleta",
    "ultimo_erro",
    "created_at",
    "updated_at",
}
# A literal public address: no DNS needed to accept it.
PUBLIC_FEED_URL = "http://93.184.216.34/rss.xml"


def _future(days: int = 1) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: object
) -> dict[str, object]:
    body: dict[str, object] = {"titulo": "Notícia de teste"}
    body.update(fields)
    response = await client.post("/noticias", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_master_creates_news_with_defaults(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/noticias", json={"titulo": "  Obras na portaria  "}, headers=admin_headers
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == NEWS_FIELDS
    assert body["titulo"] == "Obras na portaria"
    assert body["duracao"] == 10
    assert body["status"] == "ativo"
    assert body["resumo"] == ""
    assert body["imagem_url"] is None
    assert body["data_expiracao"] is None
    assert body["publicado_em"] is not None


async def test_news_round_trip_and_partial_update(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await _create(
        client,
        admin_headers,
        resumo="Resumo",
        imagem_url="https://cdn.example.com/a.jpg",
        link="https://example.com/materia",
        fonte="Jornal",
        duracao=20,
        data_expiracao=_future(),
    )

    fetched = await client.get(f"/noticias/{created['id']}", headers=admin_headers)
    assert fetched.json() == created

    response = await client.put(
        f"/noticias/{created['id']}",
        json={"titulo": "Novo título", "imagem_url": None, "nivel": "x"},
        headers=admin_headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["titulo"] == "Novo título"
    assert body["imagem_url"] is None
    assert body["resumo"] == "Resumo"
    assert body["duracao"] == 20
    assert body["link"] == "https://example.com/materia"


async def test_master_deletes_news(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await _create(client, admin_headers)

    response = await client.delete(f"/noticias/{created['id']}", headers=admin_headers)

    assert response.status_code == 204
    missing = await client.get(f"/noticias/{created['id']}", headers=admin_headers)
    assert missing.status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
async def test_other_levels_read_news_but_cannot_write(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    factory: Factory,
    role: Role,
) -> None:
    created = await _create(client, admin_headers)
    headers = await factory.headers(await factory.user(role))

    listed = await client.get("/noticias", headers=headers)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    fetched = await client.get(f"/noticias/{created['id']}", headers=headers)
    assert fetched.status_code == 200

    url = f"/noticias/{created['id']}"
    post = await client.post("/noticias", json={"titulo": "x"}, headers=headers)
    put = await client.put(url, json={"titulo": "x"}, headers=headers)
    delete = await client.delete(url, headers=headers)
    assert [post.status_code, put.status_code, delete.status_code] == [403, 403, 403]


async def test_writing_a_missing_news_is_404_even_for_a_visitante(
    client: httpx.AsyncClient, factory: Factory, admin: object
) -> None:
    headers = await factory.headers(await factory.user(Role.VIEWER))

    response = await client.put("/noticias/999999", json={}, headers=headers)

    assert response.status_code == 404


async def test_news_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/noticias")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("titulo", ""),
        ("titulo", "x" * 301),
        ("imagem_url", "ftp://example.com/a.jpg"),
        ("imagem_url", "javascript:alert(1)"),
        ("imagem_url", "nao é url"),
        ("link", "file:///etc/passwd"),
        ("duracao", 0),
        ("duracao", 3601),
        ("duracao", "10"),
        ("status", "expirado"),
        ("status", "processando"),
        ("data_expiracao", "2001-01-01T00:00:00Z"),
        ("data_expiracao", "ontem"),
    ],
)
async def test_invalid_news_fields_are_422_naming_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    field: str,
    value: object,
) -> None:
    body = {"titulo": "Notícia", field: value}

    response = await client.post("/noticias", json=body, headers=admin_headers)

    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])


async def test_update_with_past_expiry_or_null_title_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await _create(client, admin_headers)
    url = f"/noticias/{created['id']}"

    past = await client.put(
        url, json={"data_expiracao": "2001-01-01T00:00:00+00:00"}, headers=admin_headers
    )
    null_title = await client.put(url, json={"titulo": None}, headers=admin_headers)

    assert past.status_code == 422
    assert null_title.status_code == 422
    unchanged = await client.get(url, headers=admin_headers)
    assert unchanged.json()["titulo"] == created["titulo"]


async def test_news_past_its_expiry_reads_as_expirado(
    client: httpx.AsyncClient, admin_headers: dict[str, str], factory: Factory
) -> None:
    now = utcnow()
    await factory.add(
        NewsItem(title="Velha", expires_at=now - timedelta(minutes=1), source="x")
    )
    live = await _create(client, admin_headers, titulo="Nova")

    expired = await client.get("/noticias?status=expirado", headers=admin_headers)
    active = await client.get("/noticias?status=ativo", headers=admin_headers)

    assert [item["titulo"] for item in expired.json()["items"]] == ["Velha"]
    assert expired.json()["items"][0]["status"] == "expirado"
    assert [item["id"] for item in active.json()["items"]] == [live["id"]]


async def test_a_new_date_revives_an_expired_news(
    client: httpx.AsyncClient, admin_headers: dict[str, str], factory: Factory
) -> None:
    item = await factory.add(
        NewsItem(title="Expirada", status=ContentStatus.EXPIRED, source="")
    )

    response = await client.put(
        f"/noticias/{item.id}",
        json={"data_expiracao": _future()},
        headers=admin_headers,
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ativo"


async def test_news_list_filters_and_pagination(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _create(client, admin_headers, titulo="Chuva forte", fonte="G1")
    await _create(client, admin_headers, titulo="Sol", resumo="Sem chuva", fonte="UOL")
    await _create(client, admin_headers, titulo="Trânsito", status="inativo")

    by_text = await client.get("/noticias?q=CHUVA", headers=admin_headers)
    by_source = await client.get("/noticias?fonte=g1", headers=admin_headers)
    inactive = await client.get("/noticias?status=inativo", headers=admin_headers)
    page = await client.get("/noticias?limit=1&offset=1", headers=admin_headers)
    wildcard = await client.get("/noticias?q=%25", headers=admin_headers)

    assert sorted(i["titulo"] for i in by_text.json()["items"]) == [
        "Chuva forte",
        "Sol",
    ]
    assert [i["titulo"] for i in by_source.json()["items"]] == ["Chuva forte"]
    assert [i["titulo"] for i in inactive.json()["items"]] == ["Trânsito"]
    assert page.json()["total"] == 3
    assert page.json()["limit"] == 1
    assert len(page.json()["items"]) == 1
    assert wildcard.json()["total"] == 0


@pytest.mark.parametrize(
    "query", ["limit=201", "offset=-1", "status=talvez", "fonte_id=0"]
)
async def test_bad_list_parameters_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], query: str
) -> None:
    response = await client.get(f"/noticias?{query}", headers=admin_headers)

    assert response.status_code == 422


@pytest.mark.parametrize("news_id", ["0", "-1", "99999999999999999999", "abc"])
async def test_bad_news_ids_are_rejected_cleanly(
    client: httpx.AsyncClient, admin_headers: dict[str, str], news_id: str
) -> None:
    response = await client.get(f"/noticias/{news_id}", headers=admin_headers)

    assert response.status_code in (404, 422)


# --- sources -------------------------------------------------------------------


async def test_master_manages_a_public_source(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/noticias/fontes",
        json={"nome": "Portal", "url": PUBLIC_FEED_URL},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    assert set(feed) == FEED_FIELDS
    assert feed["ativo"] is True
    assert feed["ultima_coleta"] is None
    assert feed["ultimo_erro"] is None

    listed = await client.get("/noticias/fontes", headers=admin_headers)
    assert [f["id"] for f in listed.json()["items"]] == [feed["id"]]
    renamed = await client.put(
        f"/noticias/fontes/{feed['id']}",
        json={"nome": "Portal novo", "ativo": False},
        headers=admin_headers,
    )
    assert renamed.status_code == 200
    assert renamed.json()["nome"] == "Portal novo"
    assert renamed.json()["ativo"] is False
    inactive = await client.get("/noticias/fontes?ativo=false", headers=admin_headers)
    assert inactive.json()["total"] == 1

    deleted = await client.delete(
        f"/noticias/fontes/{feed['id']}", headers=admin_headers
    )
    assert deleted.status_code == 204
    gone = await client.get(f"/noticias/fontes/{feed['id']}", headers=admin_headers)
    assert gone.status_code == 404


async def test_duplicate_source_url_is_409(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = {"nome": "Portal", "url": PUBLIC_FEED_URL}
    first = await client.post("/noticias/fontes", json=body, headers=admin_headers)
    second = await client.post("/noticias/fontes", json=body, headers=admin_headers)

    assert first.status_code == 201
    assert second.status_code == 409


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
async def test_other_levels_read_sources_but_cannot_write(
    client: httpx.AsyncClient, factory: Factory, admin: object, role: Role
) -> None:
    feed = await factory.add(NewsFeed(name="Portal", url=PUBLIC_FEED_URL))
    headers = await factory.headers(await factory.user(role))
    url = f"/noticias/fontes/{feed.id}"

    listed = await client.get("/noticias/fontes", headers=headers)
    fetched = await client.get(url, headers=headers)
    post = await client.post(
        "/noticias/fontes",
        json={"nome": "Outro", "url": "http://93.184.216.35/rss"},
        headers=headers,
    )
    put = await client.put(url, json={"nome": "x"}, headers=headers)
    delete = await client.delete(url, headers=headers)
    collect = await client.post(f"{url}/coletar", headers=headers)

    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    assert fetched.status_code == 200
    assert [post.status_code, put.status_code, delete.status_code] == [403, 403, 403]
    assert collect.status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.216.34/rss",
        "file:///etc/passwd",
        "http://127.0.0.1/rss",
        "http://localhost:8000/rss",
        "http://10.0.0.8/rss",
        "http://192.168.1.1/rss",
        "http://172.16.0.1/rss",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/rss",
        "http://[::ffff:127.0.0.1]/rss",
        "http://0.0.0.0/rss",
        "http://224.0.0.1/rss",
        "http://2130706433/rss",
        "http://user:senha@93.184.216.34/rss",
        "http://nao-existe.invalid/rss",
        "rss.xml",
    ],
)
async def test_source_urls_that_may_not_be_fetched_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], url: str
) -> None:
    response = await client.post(
        "/noticias/fontes", json={"nome": "Fonte", "url": url}, headers=admin_headers
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == "url"


async def test_changing_a_source_to_a_private_url_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], factory: Factory
) -> None:
    feed = await factory.add(NewsFeed(name="Portal", url=PUBLIC_FEED_URL))

    response = await client.put(
        f"/noticias/fontes/{feed.id}",
        json={"url": "http://127.0.0.1:9/rss"},
        headers=admin_headers,
    )

    assert response.status_code == 422
    still = await client.get(f"/noticias/fontes/{feed.id}", headers=admin_headers)
    assert still.json()["url"] == PUBLIC_FEED_URL


async def test_fontes_path_is_not_read_as_a_news_id(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/noticias/fontes", headers=admin_headers)

    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}


async def test_deleting_a_source_keeps_its_collected_news(
    client: httpx.AsyncClient, admin_headers: dict[str, str], factory: Factory
) -> None:
    feed = await factory.add(NewsFeed(name="Portal", url=PUBLIC_FEED_URL))
    item = await factory.add(
        NewsItem(
            title="Coletada",
            source="Portal",
            feed_id=feed.id,
            guid_hash="a" * 64,
            status=ContentStatus.ACTIVE,
        )
    )

    await client.delete(f"/noticias/fontes/{feed.id}", headers=admin_headers)

    response = await client.get(f"/noticias/{item.id}", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["fonte"] == "Portal"
