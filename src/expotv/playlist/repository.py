"""The queries behind a TV's playlist (columns only, no ORM objects to hydrate)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.items.models import ContentItem
from expotv.news.models import NewsItem
from expotv.notices.models import Notice
from expotv.tvs.models import TV

Rows = Select[*tuple[Any, ...]]


def tv_by_code(code: str) -> Rows:
    return (
        select(
            TV.id,
            TV.code,
            TV.name,
            TV.condominium_id,
            Condominium.name.label("condominium_name"),
            TV.notice_ratio,
            TV.ad_ratio,
            TV.news_ratio,
        )
        .join(Condominium, Condominium.id == TV.condominium_id)
        .where(TV.code == code)
    )


def eligible_items(
    model: type[ContentItem],
    condominium_id: int,
    now: datetime,
    *own: InstrumentedAttribute[Any],
) -> Rows:
    """Items of one kind that play in ``condominium_id`` now, in playlist order;
    ``own`` adds the kind's columns a TV shows (an aviso's text)."""
    item_id, target_id = model.link_columns()
    return (
        select(
            model.id,
            model.name,
            model.created_at,
            model.duration_seconds,
            model.status,
            model.expires_at,
            model.archive_url,
            model.media_kind,
            model.thumbnail_url,
            *own,
        )
        .join(model.condominium_link, item_id == model.id)
        .where(target_id == condominium_id, model.plays(now))
        .order_by(model.created_at, model.id)
    )


def eligible_ads(condominium_id: int, now: datetime) -> Rows:
    return eligible_items(Ad, condominium_id, now)


def eligible_notices(condominium_id: int, now: datetime) -> Rows:
    return eligible_items(Notice, condominium_id, now, Notice.message)


def eligible_news(now: datetime, *, limit: int) -> Rows:
    """The ``limit`` newest live notícias (by publication, as listed), in playlist
    order: a feed that floods the table must not make every TV's playlist huge."""
    newest = (
        select(
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
        .where(NewsItem.plays(now))
        .order_by(
            func.coalesce(NewsItem.published_at, NewsItem.created_at).desc(),
            NewsItem.id.desc(),
        )
        .limit(limit)
        .subquery()
    )
    return select(newest).order_by(newest.c.created_at, newest.c.id)


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
