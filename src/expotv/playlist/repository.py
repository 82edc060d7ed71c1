"""The queries behind a TV's playlist (columns only, no ORM objects to hydrate)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select

from expotv.ads.models import Ad, ad_condominium
from expotv.condominiums.models import Condominium
from expotv.news.models import NewsItem
from expotv.notices.models import Notice, notice_condominium
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


def eligible_ads(condominium_id: int, now: datetime) -> Rows:
    return (
        select(
            Ad.id,
            Ad.name,
            Ad.created_at,
            Ad.duration_seconds,
            Ad.status,
            Ad.expires_at,
            Ad.archive_url,
            Ad.media_kind,
            Ad.thumbnail_url,
        )
        .join(ad_condominium, ad_condominium.c.ad_id == Ad.id)
        .where(
            ad_condominium.c.condominium_id == condominium_id,
            Ad.plays(now),
        )
        .order_by(Ad.created_at, Ad.id)
    )


def eligible_notices(condominium_id: int, now: datetime) -> Rows:
    return (
        select(
            Notice.id,
            Notice.name,
            Notice.created_at,
            Notice.duration_seconds,
            Notice.status,
            Notice.expires_at,
            Notice.archive_url,
            Notice.media_kind,
            Notice.thumbnail_url,
            Notice.message,
        )
        .join(notice_condominium, notice_condominium.c.notice_id == Notice.id)
        .where(
            notice_condominium.c.condominium_id == condominium_id,
            Notice.plays(now),
        )
        .order_by(Notice.created_at, Notice.id)
    )


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
