"""A TV's playlist, from the items that may play there to the bytes a TV downloads.
Pure: no session, no clock (``now`` is passed in).

    items ──eligibility.evaluate──> Lineup ──render──> Rendered(version, body,
                                   (what plays,          valid_until)
                                    why the rest
                                    doesn't, until when)

``interleave`` applies the contract's interleaving rule to what is eligible: with
``pX`` the TV's proportion and ``X`` the eligible list of a present category
(eligible items and ``pX > 0``), the loop has ``K = max(ceil(len(X) / pX))`` cycles
of ``p_avisos`` avisos, ``p_anuncios`` anúncios, ``p_noticias`` notícias, and the
i-th slot of a category holds ``X[i mod len(X)]``. The seed's sketch rotated with
``pop(0)`` + ``append(list[0])``, which re-appends the *next* item instead of the
one just played; indexing by slot cannot drift like that. In an emergency the
playlist is the emergency avisos, once each.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from expotv.content import ContentStatus
from expotv.playlist.store import Tail
from expotv.timezones import DEFAULT_ZONE, zone_of
from expotv.windows import Windows


class ItemKind(StrEnum):
    NOTICE = "aviso"
    AD = "anuncio"
    NEWS = "noticia"


class Mode(StrEnum):
    NORMAL = "normal"
    EMERGENCY = "emergencia"


class Reason(StrEnum):
    # Why an item that targets the TV's condomínio is not playing (``motivo``); a
    # docstring would show in /openapi.json, where texts are in Portuguese.

    SCHEDULED = "agendado"
    OFF_HOURS = "fora_do_horario"
    EXPIRED = "expirado"
    INACTIVE = "inativo"
    PROCESSING = "processando"
    ERROR = "erro"
    OTHER_TV = "outra_tv"
    RATIO_ZERO = "proporcao_zero"
    EMERGENCY = "emergencia"


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
    # Anúncios' and avisos' schedule: start, weekly windows (empty: always), the
    # TVs they are limited to (empty: every TV of their condomínios).
    starts_at: datetime | None = None
    windows: Windows = ()
    tv_ids: frozenset[int] = frozenset()
    is_emergency: bool = False
    archive_url: str | None = None
    media_kind: str | None = None
    thumbnail_url: str | None = None
    # Avisos' text.
    message: str | None = None
    # Notícias' summary, source and publication time.
    summary: str | None = None
    source: str | None = None
    published_at: datetime | None = None

    @property
    def key(self) -> tuple[ItemKind, int]:
        return (self.kind, self.id)

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
            data["emergencia"] = self.is_emergency
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
    # The condomínio's fuso_horario: weekly windows are read in it.
    zone: ZoneInfo = field(default_factory=lambda: zone_of(DEFAULT_ZONE))

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


@dataclass(frozen=True, slots=True)
class Lineup:
    """What one TV plays at one instant (``eligibility.evaluate``'s answer)."""

    mode: Mode
    # Normal: the eligible items of each present category, ordered by
    # (created_at, id). Emergency: the emergency avisos alone, in that order.
    groups: dict[ItemKind, list[PlaylistItem]]
    # The next instant at which this changes by itself, or None.
    valid_until: datetime | None
    # The items that do not play, with why, in the order they came in.
    out: list[tuple[PlaylistItem, Reason]]

    def cycle(self, ratios: Ratios) -> list[PlaylistItem]:
        """One loop of the playlist: every playing item at least once."""
        if self.mode is Mode.EMERGENCY:
            return list(self.groups[ItemKind.NOTICE])
        return interleave(self.groups, ratios)


def interleave(
    groups: dict[ItemKind, list[PlaylistItem]], ratios: Ratios
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


@dataclass(frozen=True, slots=True)
class Rendered:
    """One TV's body, ``prefix`` (its own) + ``tail`` (shared, see ``SharedBody``),
    and when it changes by itself (``valido_ate``), or None."""

    version: str
    prefix: bytes
    tail: Tail
    expires_at: datetime | None

    @property
    def body(self) -> bytes:
        return self.prefix + self.tail.data


def _dumps(value: Any, *, canonical: bool = False) -> str:
    return json.dumps(
        value,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=canonical,
        allow_nan=False,
    )


def items_digest(items: list[dict[str, Any]], mode: Mode = Mode.NORMAL) -> str:
    """A hash of what plays (mode and items), shared by every TV that plays it."""
    return _digest_of(_dumps(items), mode)


def _digest_of(items_json: str, mode: Mode) -> str:
    # Items are built with their keys in one order (``PlaylistItem.payload``), so
    # their JSON is canonical as it is and serves the body and the hash alike.
    return hashlib.sha256(f"{mode.value}|{items_json}".encode()).hexdigest()


def version_of(tv: dict[str, Any], digest: str) -> str:
    """The versao of ``tv`` playing what ``digest`` names."""
    canonical = _dumps({"tv": tv, "itens": digest}, canonical=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:VERSION_LENGTH]


def playlist_version(
    tv: dict[str, Any], items: list[dict[str, Any]], mode: Mode = Mode.NORMAL
) -> str:
    """A hash of what the TV plays: equal content gives an equal version anywhere."""
    return version_of(tv, items_digest(items, mode))


def _shared_fields(
    lineup: Lineup, ratios: Ratios, zone: ZoneInfo, *, now: datetime
) -> dict[str, Any]:
    """Every field of the body but ``tv`` and ``versao``, in the body's order."""
    cycle = lineup.cycle(ratios)
    # An item fills many slots of a long loop: build its dict once.
    by_item: dict[tuple[ItemKind, int], dict[str, Any]] = {}
    items_payload = [
        by_item.get((item.kind, item.id))
        or by_item.setdefault((item.kind, item.id), item.payload())
        for item in cycle
    ]
    valid_until = lineup.valid_until
    return {
        # Neither is part of the version: two builds of the same content match, and
        # a later edge (an expiry extended) is no reason to refetch.
        "gerado_em": now.isoformat(),
        "valido_ate": valid_until.astimezone(zone).isoformat() if valid_until else None,
        "modo": lineup.mode.value,
        "itens": items_payload,
    }


def body_of(tv: TVInfo, lineup: Lineup, *, now: datetime) -> dict[str, Any]:
    """The content body as a dict (``render`` serializes it; the management view
    adds what is left out)."""
    rest = _shared_fields(lineup, tv.ratios, tv.zone, now=now)
    tv_payload = tv.payload()
    digest = items_digest(rest["itens"], lineup.mode)
    return {"tv": tv_payload, "versao": version_of(tv_payload, digest), **rest}


@dataclass(frozen=True, slots=True)
class SharedBody:
    """What every TV of a group gets in its body: all but ``tv`` and ``versao``.

    TVs of one condomínio with the same proportions, time zone and ``tvs_ids``
    outcome play the same lineup: it is evaluated and serialized once for all of
    them, and each TV's body is its small head followed by these bytes.
    """

    digest: str
    # The body from ``"gerado_em"`` to the closing brace.
    tail: Tail
    expires_at: datetime | None


def render_shared(
    lineup: Lineup, ratios: Ratios, zone: ZoneInfo, *, now: datetime
) -> SharedBody:
    """The shared part of the bodies of the TVs that play ``lineup``."""
    rest = _shared_fields(lineup, ratios, zone, now=now)
    items_json = _dumps(rest.pop("itens"))
    # The items are serialized once, for the hash and for the body.
    tail = f'{_dumps(rest)[1:-1]},"itens":{items_json}}}'
    return SharedBody(
        digest=_digest_of(items_json, lineup.mode),
        tail=Tail(tail.encode()),
        expires_at=lineup.valid_until,
    )


def render_for(tv: TVInfo, shared: SharedBody) -> Rendered:
    """One TV's body: its head (``tv``, ``versao``), then the shared part."""
    tv_payload = tv.payload()
    version = version_of(tv_payload, shared.digest)
    head = f'{{"tv":{_dumps(tv_payload)},"versao":"{version}",'.encode()
    return Rendered(
        version=version, prefix=head, tail=shared.tail, expires_at=shared.expires_at
    )


def render(tv: TVInfo, lineup: Lineup, *, now: datetime) -> Rendered:
    """The response body of ``GET /app/tv/{codigo}/content``, serialized once."""
    return render_for(tv, render_shared(lineup, tv.ratios, tv.zone, now=now))
