"""The queries behind a TV's playlist (columns only, no ORM objects to hydrate).

The playlist takes every "ativo" item not past its expiry, started or not: whether
it plays now, and when that changes, is ``playlist.eligibility``'s to say (a start
ahead is the playlist's next edge). The management view (``GET /tvs/{id}/playlist``)
takes every item of the condomínio, whatever its status, to say why it is out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.content import ContentStatus, plays_sql
from expotv.items.models import ContentItem
from expotv.news.models import NewsItem
from expotv.notices.models import Notice
from expotv.tvs.models import TV

Rows = Select[*tuple[Any, ...]]


def _tv() -> Rows:
    return select(
        TV.id,
        TV.code,
        TV.name,
        TV.condominium_id,
        Condominium.name.label("condominium_name"),
        Condominium.timezone,
        TV.notice_ratio,
        TV.ad_ratio,
        TV.news_ratio,
    ).join(Condominium, Condominium.id == TV.condominium_id)


def tv_by_code(code: str) -> Rows:
    return _tv().where(TV.code == code)


def tvs_by_code(codes: Collection[str]) -> Rows:
    return _tv().where(TV.code.in_(sorted(codes)))


def tv_by_id(tv_id: int) -> Rows:
    return _tv().where(TV.id == tv_id)


def items_targeting(
    model: type[ContentItem],
    condominium_ids: Collection[int],
    now: datetime,
    *own: InstrumentedAttribute[Any],
    every_status: bool = False,
) -> Rows:
    """Items of one kind targeting ``condominium_ids`` (one row per item and
    condomínio, ``condominium_id`` naming which): those that may play (or, with
    ``every_status``, all of them), in playlist order; ``own`` adds the kind's
    columns a TV shows (an aviso's text)."""
    item_id, target_id = model.link_columns()
    query = (
        select(
            target_id.label("condominium_id"),
            model.id,
            model.name,
            model.created_at,
            model.duration_seconds,
            model.status,
            model.expires_at,
            model.starts_at,
            model.windows,
            model.archive_url,
            model.media_kind,
            model.thumbnail_url,
            *own,
        )
        .join(model.condominium_link, item_id == model.id)
        .where(target_id.in_(sorted(condominium_ids)))
        .order_by(model.created_at, model.id)
    )
    if every_status:
        return query
    # Started or not (``ScheduledMixin.plays`` would leave out the next start).
    return query.where(plays_sql(model, now))


def ads_targeting(
    condominium_ids: Collection[int], now: datetime, *, every_status: bool = False
) -> Rows:
    return items_targeting(Ad, condominium_ids, now, every_status=every_status)


def notices_targeting(
    condominium_ids: Collection[int], now: datetime, *, every_status: bool = False
) -> Rows:
    return items_targeting(
        Notice,
        condominium_ids,
        now,
        Notice.message,
        Notice.is_emergency,
        every_status=every_status,
    )


def tv_targets(model: type[ContentItem], item_ids: Collection[int]) -> Rows:
    """(item id, TV id) of these items' ``tvs_ids``."""
    item_id, tv_id = model.tv_link_columns()
    return select(item_id, tv_id).where(item_id.in_(sorted(item_ids)))


def _news() -> Rows:
    return select(
        NewsItem.id,
        NewsItem.title,
        NewsItem.created_at,
        NewsItem.duration_seconds,
        NewsItem.status,
        NewsItem.expires_at,
        NewsItem.image_url,
        NewsItem.summary,
        NewsItem.source,
        NewsItem.published_at,
    )


def eligible_news(now: datetime, *, limit: int) -> Rows:
    """The ``limit`` newest live notícias (by publication, as listed), in playlist
    order: a feed that floods the table must not make every TV's playlist huge."""
    newest = (
        _news()
        .where(NewsItem.plays(now))
        .order_by(
            func.coalesce(NewsItem.published_at, NewsItem.created_at).desc(),
            NewsItem.id.desc(),
        )
        .limit(limit)
        .subquery()
    )
    return select(newest).order_by(newest.c.created_at, newest.c.id)


def idle_news(now: datetime) -> Rows:
    """Notícias neither playing nor expired (switched off): the management view
    lists them. Expired ones are history, and stay out."""
    return (
        _news()
        .where(NewsItem.is_live(now), NewsItem.status != ContentStatus.ACTIVE)
        .order_by(NewsItem.created_at, NewsItem.id)
    )


def tvs_affected(
    *,
    condominium_ids: Collection[int] = (),
    tv_ids: Collection[int] = (),
    tv_codes: Collection[str] = (),
) -> Rows:
    """Ids and codes of the TVs in these condomínios, with these ids or codes."""
    conditions: list[ColumnElement[bool]] = []
    if condominium_ids:
        conditions.append(TV.condominium_id.in_(sorted(condominium_ids)))
    if tv_ids:
        conditions.append(TV.id.in_(sorted(tv_ids)))
    if tv_codes:
        conditions.append(TV.code.in_(sorted(tv_codes)))
    return select(TV.id, TV.code).where(or_(*conditions) if conditions else false())


def all_tvs() -> Rows:
    return select(TV.id, TV.code)
