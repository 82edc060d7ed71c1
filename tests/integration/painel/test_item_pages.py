"""Anúncio and aviso pages: the item service behind forms and the page's script."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus
from expotv.notices.models import Notice
from expotv.users.models import Role, User
from tests.integration.condominiums import arrange
from tests.integration.media.samples import image_bytes, incompressible_png
from tests.integration.painel.browserless import post_forms, sign_in
from tests.support import Factory

XHR = {"Accept": "application/json"}


async def _manager_with_condominium(factory: Factory) -> tuple[User, int]:
    manager = await factory.user(Role.MANAGER, name="Síndica")
    condo = await arrange.condominium(factory, manager=manager)
    return manager, condo.id


async def test_sindico_publishes_an_aviso_from_the_plain_form(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    csrf = await sign_in(client, manager.email)
    form = await client.get("/painel/avisos/novo")
    assert f'name="condominios_ids" value="{condo_id}" checked' in form.text
    created = await client.post(
        "/painel/avisos/novo",
        data={
            "csrf_token": csrf,
            "nome": "Falta de água",
            "mensagem": "Sem água das 9h às 12h.",
            "condominios_ids": ["", str(condo_id)],
            "data_expiracao": "24/12/2030 18:30",
            "duracao": "",
            "status": "ativo",
        },
        files={"arquivo": ("", b"", "application/octet-stream")},
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/painel/avisos?ok=aviso_criado"
    async with factory.sessionmaker() as session:
        notice = await session.scalar(select(Notice))
        assert notice is not None
        # Typed in São Paulo's wall clock (UTC-3), stored in UTC.
        assert notice.expires_at == datetime(2030, 12, 24, 21, 30, tzinfo=UTC)
        assert notice.duration_seconds == 15
        assert notice.created_by_id == manager.id
    listed = await client.get("/painel/avisos")
    assert "Falta de água" in listed.text
    assert "até 24/12/2030 18:30" in listed.text


async def test_refused_form_comes_back_with_the_errors_and_the_values(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, _ = await _manager_with_condominium(factory)
    csrf = await sign_in(client, manager.email)
    refused = await client.post(
        "/painel/avisos/novo",
        data={
            "csrf_token": csrf,
            "nome": "Aviso sem destino",
            "mensagem": "",
            "condominios_ids": "",
            "data_expiracao": "01/01/2001 10:00",
        },
    )
    assert refused.status_code == 422
    page = refused.text
    assert re.search(r'id="erro-mensagem"[^>]*>.*Preencha este campo', page, re.S)
    assert re.search(
        r'id="erro-condominios_ids"[^>]*>.*Escolha ao menos uma opção', page, re.S
    )
    assert 'value="Aviso sem destino"' in page
    async with factory.sessionmaker() as session:
        assert await session.scalar(select(Notice)) is None


async def test_upload_from_the_script_answers_json_and_the_item_plays(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    tv = await arrange.tv(factory, await _condo(factory, condo_id))
    csrf = await sign_in(client, manager.email)
    picture = incompressible_png()
    # Larger than a plain body may be: the page's route takes uploads.
    assert len(picture) > 1024 * 1024
    created = await client.post(
        "/painel/anuncios/novo",
        data={"nome": "Padaria", "condominios_ids": str(condo_id)},
        files={"arquivo": ("padaria.png", picture, "image/png")},
        headers={**XHR, "X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["destino"] == "/painel/anuncios?ok=anuncio_criado"
    assert body["status"] == "ativo"
    states = await client.get(f"/painel/anuncios/status.json?ids={body['id']},999")
    [state] = states.json()["itens"]
    assert state["status"] == "ativo"
    assert state["thumbnail_url"]
    content = (await client.get(f"/app/tv/{tv.code}/content")).json()
    assert any(
        i["id"] == body["id"] and i["tipo"] == "anuncio" for i in content["itens"]
    )


async def test_the_apis_refusals_come_back_as_json_per_field(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    csrf = await sign_in(client, manager.email)
    headers = {**XHR, "X-CSRF-Token": csrf}
    not_a_picture = await client.post(
        "/painel/anuncios/novo",
        data={"nome": "Falso", "condominios_ids": str(condo_id)},
        files={"arquivo": ("falso.png", b"isto nao e uma imagem" * 4, "image/png")},
        headers=headers,
    )
    assert not_a_picture.status_code == 415
    assert not_a_picture.json()["campo"] == "arquivo"
    no_file = await client.post(
        "/painel/anuncios/novo",
        data={"nome": "Sem arquivo", "condominios_ids": str(condo_id)},
        files={"arquivo": ("", b"", "application/octet-stream")},
        headers=headers,
    )
    assert no_file.status_code == 422
    assert no_file.json()["detail"][0]["loc"] == ["body", "arquivo"]
    bad_fields = await client.post(
        "/painel/anuncios/novo",
        data={"nome": "", "condominios_ids": str(condo_id), "duracao": "0"},
        files={"arquivo": ("a.png", image_bytes(), "image/png")},
        headers=headers,
    )
    assert bad_fields.status_code == 422
    messages = {e["loc"][-1]: e["msg"] for e in bad_fields.json()["detail"]}
    assert messages == {
        "nome": "preencha este campo",
        "duracao": "informe um valor a partir de 1",
    }
    async with factory.sessionmaker() as session:
        assert await session.scalar(select(Ad)) is None


async def test_only_the_creator_edits_and_a_visitante_only_reads(
    client: httpx.AsyncClient, factory: Factory, admin: User
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    condo = await _condo(factory, condo_id)
    viewer = await factory.user(Role.VIEWER)
    await arrange.assign(factory, viewer, condo)
    own = await arrange.notice(factory, condo, created_by_id=manager.id)
    masters = await arrange.ad(factory, condo, created_by_id=admin.id)

    csrf = await sign_in(client, manager.email)
    mine = await client.get(f"/painel/avisos/{own.id}")
    assert f"/painel/avisos/{own.id}/excluir" in post_forms(mine.text)
    theirs = await client.get(f"/painel/anuncios/{masters.id}")
    assert theirs.status_code == 200
    assert post_forms(theirs.text) == ["/painel/sair"]
    refused = await client.post(
        f"/painel/anuncios/{masters.id}", data={"csrf_token": csrf, "nome": "Meu"}
    )
    assert refused.status_code == 403
    saved = await client.post(
        f"/painel/avisos/{own.id}",
        data={"csrf_token": csrf, "nome": "Novo título", "duracao": "20"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/painel/avisos/{own.id}?ok=aviso_salvo"

    client.cookies.clear()
    csrf = await sign_in(client, viewer.email)
    for path in (f"/painel/avisos/{own.id}", f"/painel/anuncios/{masters.id}"):
        page = await client.get(path)
        assert page.status_code == 200
        assert post_forms(page.text) == ["/painel/sair"]
    listed = await client.get("/painel/avisos")
    assert "Novo título" in listed.text
    assert "/painel/avisos/novo" not in listed.text
    refused = await client.post(
        f"/painel/avisos/{own.id}/excluir", data={"csrf_token": csrf}
    )
    assert refused.status_code == 403


async def test_another_condominiums_item_is_a_404_page(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, _ = await _manager_with_condominium(factory)
    other = await factory.user(Role.MANAGER)
    other_condo = await arrange.condominium(factory, "Vizinho", manager=other)
    hidden = await arrange.notice(factory, other_condo, created_by_id=other.id)
    csrf = await sign_in(client, manager.email)
    page = await client.get(f"/painel/avisos/{hidden.id}")
    assert page.status_code == 404
    assert "Página não encontrada" in page.text
    posted = await client.post(
        f"/painel/avisos/{hidden.id}", data={"csrf_token": csrf, "nome": "x"}
    )
    assert posted.status_code == 404
    states = await client.get(f"/painel/avisos/status.json?ids={hidden.id}")
    assert states.json() == {"itens": []}


async def test_an_aviso_loses_its_picture_when_asked(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    csrf = await sign_in(client, manager.email)
    created = await client.post(
        "/painel/avisos/novo",
        data={
            "nome": "Com foto",
            "mensagem": "Olhem",
            "condominios_ids": str(condo_id),
        },
        files={"arquivo": ("foto.png", image_bytes(), "image/png")},
        headers={**XHR, "X-CSRF-Token": csrf},
    )
    notice_id = created.json()["id"]
    page = await client.get(f"/painel/avisos/{notice_id}")
    assert 'name="remover_midia"' in page.text
    saved = await client.post(
        f"/painel/avisos/{notice_id}",
        data={"csrf_token": csrf, "remover_midia": "1"},
        files={"arquivo": ("", b"", "application/octet-stream")},
    )
    assert saved.status_code == 303
    async with factory.sessionmaker() as session:
        notice = await session.get(Notice, notice_id)
        assert notice is not None
        assert notice.archive_url is None
        assert notice.status is ContentStatus.ACTIVE


async def _condo(factory: Factory, condo_id: int) -> Condominium:
    async with factory.sessionmaker() as session:
        found = await session.get(Condominium, condo_id)
        assert found is not None
        return found


async def test_an_item_that_starts_later_shows_as_agendado(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    condo = await _condo(factory, condo_id)
    later = await arrange.notice(
        factory,
        condo,
        created_by_id=manager.id,
        starts_at=datetime(2099, 1, 1, tzinfo=UTC),
    )
    await sign_in(client, manager.email)
    listed = await client.get("/painel/avisos")
    assert listed.status_code == 200
    assert 'data-status="agendado"' in listed.text
    states = await client.get(f"/painel/avisos/status.json?ids={later.id}")
    assert states.json()["itens"][0]["status_texto"] == "Agendado"


async def test_schedule_fields_reach_the_item_in_the_condominiums_zone(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager = await factory.user(Role.MANAGER)
    condo = await arrange.condominium(factory, "Manaus", manager=manager)
    async with factory.sessionmaker() as session:
        stored_condo = await session.get(Condominium, condo.id)
        assert stored_condo is not None
        stored_condo.timezone = "America/Manaus"
        await session.commit()
    lobby = await arrange.tv(factory, condo, name="Portaria")
    await arrange.tv(factory, condo, name="Elevador")
    csrf = await sign_in(client, manager.email)
    form = await client.get("/painel/avisos/novo")
    assert "Horário de Manaus" in form.text
    created = await client.post(
        "/painel/avisos/novo",
        data={
            "csrf_token": csrf,
            "nome": "Vazamento de gás",
            "mensagem": "Saiam pela escada.",
            "condominios_ids": ["", str(condo.id)],
            "tvs_ids": ["", str(lobby.id)],
            "data_inicio": "01/01/2099 08:00",
            "data_expiracao": "24/12/2099 18:30",
            "horarios_enviados": "1",
            "horario-0-dias": ["1", "5"],
            "horario-0-inicio": "22:00",
            "horario-0-fim": "02:00",
            "horario-1-inicio": "",
            "horario-1-fim": "",
            "emergencia": ["false", "true"],
        },
    )
    assert created.status_code == 303, created.text
    async with factory.sessionmaker() as session:
        notice = await session.scalar(select(Notice).options(selectinload(Notice.tvs)))
        assert notice is not None
        # Wall-clock time in Manaus (UTC-4), stored in UTC.
        assert notice.starts_at == datetime(2099, 1, 1, 12, 0, tzinfo=UTC)
        assert notice.expires_at == datetime(2099, 12, 24, 22, 30, tzinfo=UTC)
        assert notice.tv_ids == {lobby.id}
        assert notice.is_emergency
        [window] = notice.windows
        assert sorted(window.days) == [1, 5]
        assert window.crosses_midnight
    page = await client.get(f"/painel/avisos/{notice.id}")
    assert "Começa" in page.text
    assert "seg, sex, 22:00–02:00" in page.text
    assert "01/01/2099 08:00" in page.text
    tv_page = await client.get(f"/painel/tvs/{lobby.id}")
    assert "Fora do ciclo agora" in tv_page.text
    assert "ainda não começou" in tv_page.text


async def test_a_window_typed_wrong_is_shown_next_to_the_windows(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    manager, condo_id = await _manager_with_condominium(factory)
    csrf = await sign_in(client, manager.email)
    refused = await client.post(
        "/painel/avisos/novo",
        data={
            "csrf_token": csrf,
            "nome": "Janela ruim",
            "mensagem": "Texto",
            "condominios_ids": str(condo_id),
            "horarios_enviados": "1",
            "horario-0-inicio": "10:00",
            "horario-0-fim": "10:00",
        },
    )
    assert refused.status_code == 422
    assert re.search(r'id="erro-horarios"[^>]*>.*<span>\w', refused.text, re.S)
    assert 'name="horario-0-inicio" value="10:00"' in refused.text
