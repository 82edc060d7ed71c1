"""Rows for condomínio and TV tests, created directly (no HTTP)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from expotv.ads.models import Ad, ad_condominium
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus
from expotv.notices.models import Notice, notice_condominium
from expotv.tvs.codes import generate_code
from expotv.tvs.models import TV
from expotv.users.models import User, viewer_condominium
from tests.support import Factory


async def condominium(
    factory: Factory, name: str = "Residencial Teste", manager: User | None = None
) -> Condominium:
    row = Condominium(
        name=name, address="Rua Teste, 1", manager_id=manager.id if manager else None
    )
    result: Condominium = await factory.add(row)
    return result


async def tv(
    factory: Factory,
    condominium: Condominium,
    *,
    name: str = "TV Hall",
    code: str | None = None,
    last_seen_at: datetime | None = None,
) -> TV:
    row = TV(
        code=code or generate_code(),
        name=name,
        condominium_id=condominium.id,
        last_seen_at=last_seen_at,
    )
    result: TV = await factory.add(row)
    return result


async def assign(factory: Factory, viewer: User, *condominiums: Condominium) -> None:
    async with factory.sessionmaker() as session:
        await session.execute(
            insert(viewer_condominium),
            [{"user_id": viewer.id, "condominium_id": c.id} for c in condominiums],
        )
        await session.commit()


async def ad(
    factory: Factory,
    *targets: Condominium,
    status: ContentStatus = ContentStatus.ACTIVE,
    **fields: Any,
) -> Ad:
    row = Ad(name="Anúncio", status=status, requested_status=status, **fields)
    await _with_targets(factory, row, ad_condominium, "ad_id", targets)
    return row


async def notice(
    factory: Factory,
    *targets: Condominium,
    status: ContentStatus = ContentStatus.ACTIVE,
    **fields: Any,
) -> Notice:
    row = Notice(
        name="Aviso",
        message="Mensagem",
        status=status,
        requested_status=status,
        **fields,
    )
    await _with_targets(factory, row, notice_condominium, "notice_id", targets)
    return row


async def _with_targets(
    factory: Factory, row: Any, link: Any, key: str, targets: tuple[Condominium, ...]
) -> None:
    async with factory.sessionmaker() as session:
        session.add(row)
        await session.flush()
        if targets:
            await session.execute(
                insert(link), [{key: row.id, "condominium_id": c.id} for c in targets]
            )
        await session.commit()
