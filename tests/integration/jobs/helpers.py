"""Rows for the job tests, committed directly (no API, no invalidation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from expotv.ads.models import Ad, ad_condominium
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus
from expotv.notices.models import Notice, notice_condominium
from tests import support


async def condominium(factory: support.Factory) -> int:
    condo = await factory.add(Condominium(name=f"Condomínio {support.run_id()}"))
    return int(condo.id)


async def ad(
    factory: support.Factory,
    condominium_id: int,
    *,
    status: ContentStatus,
    expires_at: datetime | None,
) -> int:
    item = await factory.add(Ad(name="Anúncio", status=status, expires_at=expires_at))
    async with factory.sessionmaker() as session:
        await session.execute(
            insert(ad_condominium).values(ad_id=item.id, condominium_id=condominium_id)
        )
        await session.commit()
    return int(item.id)


async def notice(
    factory: support.Factory,
    condominium_id: int,
    *,
    status: ContentStatus,
    expires_at: datetime | None,
) -> int:
    item = await factory.add(
        Notice(name="Aviso", message="Mensagem", status=status, expires_at=expires_at)
    )
    async with factory.sessionmaker() as session:
        await session.execute(
            insert(notice_condominium).values(
                notice_id=item.id, condominium_id=condominium_id
            )
        )
        await session.commit()
    return int(item.id)
