"""A TV's playlist, from eligible items to the bytes a TV downloads. Pure: no
session, no clock (``now`` is passed in).

    items ──build_cycle──> cycle ──render──> Rendered(version, body, valid_until)

``build_cycle`` applies the contract's interleaving rule: with ``pX`` the TV's
proportion and ``X`` the eligible list of a present category (eligible items and
``pX > 0``), the loop has ``K = max(ceil(len(X) / pX))`` cycles of ``p_avisos``
avisos, ``p_anuncios`` anúncios, ``p_noticias`` notícias, and the i-th slot of a
category holds ``X[i mod len(X)]``. The seed's sketch rotated with
``pop(0)`` + ``append(list[0])``, which re-appends the *next* item instead of the
one just played; indexing by slot cannot drift like that.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from expotv.content import ContentStatus, plays


class ItemKind(StrEnum):
    NOTICE = "aviso"
    AD = "anuncio"
    NEWS = "noticia"


# A cycle's order: avisos, then anúncios, then notícias.
CYCLE_ORDER = (ItemKind.NOTICE, ItemKind.AD, ItemKind.NEWS)

VERSION_LENGTH = 16


@dataclass(frozen=True, slots=True)
class Ratios:
    notices: int
    ads: int
    news: int

    def of(self, kind: ItemKind) -> int:
        if kind is ItemKind.NOTICE:
            return self.notices
        if kind is ItemKind.AD:
            return self.ads
        return self.news


@dataclass(frozen=True, slots=True)
class PlaylistItem:
    kind: ItemKind
    id: int
    title: str
    created_at: datetime
    duration_seconds: int
    status: ContentStatus = ContentStatus.ACTIVE
    expires_at: datetime | None = None
    archive_url: str | None = None
    media_kind: str | None = None
    thumbnail_url: str | None = None
    # Avisos' text.
    message: str | None = None
    # Notícias' summary, source and publication time.
    summary: str | None = None
    source: str | None = None
    published_at: datetime | None = None

    def is_eligible(self, now: datetime) -> bool:
        return plays(self, now)

    def payload(self) -> dict[str, Any]:
        """The item as the TV receives it (contract names)."""
        data: dict[str, Any] = {
            "tipo": self.kind.value,
            "id": self.id,
            "titulo": self.title,
            "archive_url": self.archive_url,
            "tipo_midia": self.media_kind,
            "duracao": self.duration_seconds,
            "thumbnail_url": self.thumbnail_url,
        }
        if self.kind is ItemKind.NOTICE:
            data["mensagem"] = self.message
        elif self.kind is ItemKind.NEWS:
            data["resumo"] = self.summary
            # Beyond the contract's Item: the player shows a notícia as news
            # (headline, summary, source and time), documented in the README.
            data["fonte"] = self.source or None
            data["publicado_em"] = (
                self.published_at.isoformat() if self.published_at else None
            )
        return data


@dataclass(frozen=True, slots=True)
class TVInfo:
    id: int
    code: str
    name: str
    condominium_id: int
    ratios: Ratios
    # Shown in a corner of the player; an extra field beyond the contract's `tv`.
    condominium_name: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "codigo": self.code,
            "nome": self.name,
            "condominio_id": self.condominium_id,
            "condominio_nome": self.condominium_name,
            "proporcao_anuncios": self.ratios.ads,
            "proporcao_avisos": self.ratios.notices,
            "proporcao_noticias": self.ratios.news,
        }


def eligible_by_kind(
    items: Iterable[PlaylistItem], now: datetime
) -> dict[ItemKind, list[PlaylistItem]]:
    """Eligible items per category, each ordered by (created_at, id)."""
    groups: dict[ItemKind, list[PlaylistItem]] = {kind: [] for kind in CYCLE_ORDER}
    for item in items:
        if item.is_eligible(now):
            groups[item.kind].append(item)
    for group in groups.values():
        group.sort(key=lambda item: (item.created_at, item.id))
    return groups


def interleave(
    groups: dict[ItemKind, Sequence[PlaylistItem]], ratios: Ratios
) -> list[PlaylistItem]:
    present = [
        (ratios.of(kind), groups[kind])
        for kind in CYCLE_ORDER
        if ratios.of(kind) > 0 and groups.get(kind)
    ]
    if not present:
        return []
    cycles = max(math.ceil(len(group) / ratio) for ratio, group in present)
    playlist: list[PlaylistItem] = []
    for cycle in range(cycles):
        for ratio, group in present:
            start = cycle * ratio
            playlist.extend(
                group[slot % len(group)] for slot in range(start, start + ratio)
            )
    return playlist


def build_cycle(
    items: Iterable[PlaylistItem], ratios: Ratios, now: datetime
) -> list[PlaylistItem]:
    """One loop of a TV's playlist: every eligible item at least once."""
    return interleave(dict(eligible_by_kind(items, now)), ratios)


@dataclass(frozen=True, slots=True)
class Rendered:
    version: str
    body: bytes
    # When the playlist stops being exact on its own (the first item expiry), or None.
    expires_at: datetime | None


def _dumps(value: Any, *, canonical: bool = False) -> str:
    return json.dumps(
        value,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=canonical,
        allow_nan=False,
    )


def playlist_version(tv: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """A hash of what the TV plays: equal content gives an equal version anywhere."""
    canonical = _dumps({"tv": tv, "itens": items}, canonical=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:VERSION_LENGTH]


def render(tv: TVInfo, items: Iterable[PlaylistItem], *, now: datetime) -> Rendered:
    """The response body of ``GET /app/tv/{codigo}/content``, serialized once."""
    cycle = build_cycle(items, tv.ratios, now)
    tv_payload = tv.payload()
    # An item fills many slots of a long loop: build its dict once.
    by_item: dict[tuple[ItemKind, int], dict[str, Any]] = {}
    items_payload = [
        by_item.get((item.kind, item.id))
        or by_item.setdefault((item.kind, item.id), item.payload())
        for item in cycle
    ]
    version = playlist_version(tv_payload, items_payload)
    body = _dumps(
        {
            "tv": tv_payload,
            "versao": version,
            # Not part of the version: two builds of the same content match.
            "gerado_em": now.isoformat(),
            "itens": items_payload,
        }
    ).encode()
    expiries = [item.expires_at for item in cycle if item.expires_at is not None]
    return Rendered(version=version, body=body, expires_at=min(expiries, default=None))
