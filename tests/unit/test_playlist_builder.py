"""The interleaving rule of the contract, by hand-written cases and by properties."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from expotv.content import ContentStatus
from expotv.playlist import eligibility
from expotv.playlist.builder import (
    ItemKind,
    PlaylistItem,
    Ratios,
    Rendered,
    TVInfo,
    playlist_version,
)
from expotv.playlist.builder import render as render_lineup

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def build_cycle(
    items: list[PlaylistItem], ratios: Ratios, now: datetime
) -> list[PlaylistItem]:
    """The loop of a TV with ``ratios`` and no schedule of its own in the way."""
    return eligibility.build_cycle(items, replace(TV, ratios=ratios), now)


def render(tv: TVInfo, items: list[PlaylistItem], *, now: datetime) -> Rendered:
    return render_lineup(tv, eligibility.evaluate(items, tv, now), now=now)


def item(
    kind: ItemKind,
    item_id: int,
    *,
    created_minutes: int | None = None,
    status: ContentStatus = ContentStatus.ACTIVE,
    expires_at: datetime | None = None,
) -> PlaylistItem:
    minutes = item_id if created_minutes is None else created_minutes
    return PlaylistItem(
        kind=kind,
        id=item_id,
        title=f"{kind.value} {item_id}",
        created_at=EPOCH + timedelta(minutes=minutes),
        duration_seconds=10,
        status=status,
        expires_at=expires_at,
        message="texto" if kind is ItemKind.NOTICE else None,
    )


def notices(*ids: int) -> list[PlaylistItem]:
    return [item(ItemKind.NOTICE, i) for i in ids]


def ads(*ids: int) -> list[PlaylistItem]:
    return [item(ItemKind.AD, i) for i in ids]


def news(*ids: int) -> list[PlaylistItem]:
    return [item(ItemKind.NEWS, i) for i in ids]


def labels(cycle: list[PlaylistItem]) -> list[str]:
    short = {ItemKind.NOTICE: "n", ItemKind.AD: "a", ItemKind.NEWS: "w"}
    return [f"{short[entry.kind]}{entry.id}" for entry in cycle]


def test_no_items_gives_an_empty_playlist() -> None:
    assert build_cycle([], Ratios(notices=1, ads=5, news=3), NOW) == []


def test_zero_proportions_leave_a_category_out() -> None:
    cycle = build_cycle(
        [*notices(1), *ads(2, 3), *news(4)], Ratios(notices=0, ads=2, news=0), NOW
    )
    assert labels(cycle) == ["a2", "a3"]


def test_a_category_with_items_but_no_slots_and_one_with_slots_but_no_items() -> None:
    cycle = build_cycle(ads(1, 2), Ratios(notices=3, ads=0, news=3), NOW)
    assert cycle == []


def test_fewer_items_than_slots_repeat_in_order_within_one_cycle() -> None:
    cycle = build_cycle(
        [*news(7, 8, 9), *ads(3, 4), *notices(1)],
        Ratios(notices=1, ads=5, news=3),
        NOW,
    )
    assert labels(cycle) == ["n1", "a3", "a4", "a3", "a4", "a3", "w7", "w8", "w9"]


def test_more_items_than_slots_spread_over_several_cycles() -> None:
    cycle = build_cycle(
        [*notices(1), *ads(11, 12, 13, 14, 15, 16, 17)],
        Ratios(notices=1, ads=5, news=3),
        NOW,
    )
    assert labels(cycle) == [
        *["n1", "a11", "a12", "a13", "a14", "a15"],
        # The i-th anúncio slot holds X[i mod 7]: 5, 6, then 0, 1, 2.
        *["n1", "a16", "a17", "a11", "a12", "a13"],
    ]


def test_the_longest_category_sets_the_number_of_cycles() -> None:
    cycle = build_cycle(
        [*notices(1, 2, 3), *ads(4), *news(5, 6)],
        Ratios(notices=1, ads=1, news=1),
        NOW,
    )
    assert labels(cycle) == ["n1", "a4", "w5", "n2", "a4", "w6", "n3", "a4", "w5"]


def test_the_seed_rotation_bug_is_not_reproduced() -> None:
    # The seed's pop(0) + append(list[0]) played a1, a2, a2, a3 ... here.
    cycle = build_cycle(ads(1, 2, 3), Ratios(notices=0, ads=4, news=0), NOW)
    assert labels(cycle) == ["a1", "a2", "a3", "a1"]


def test_each_category_is_ordered_by_creation_then_id() -> None:
    items = [
        item(ItemKind.AD, 9, created_minutes=1),
        item(ItemKind.AD, 3, created_minutes=5),
        item(ItemKind.AD, 2, created_minutes=1),
    ]
    cycle = build_cycle(items, Ratios(notices=0, ads=3, news=0), NOW)
    assert labels(cycle) == ["a2", "a9", "a3"]


def test_inactive_expired_and_processing_items_are_left_out() -> None:
    items = [
        item(ItemKind.AD, 1),
        item(ItemKind.AD, 2, status=ContentStatus.INACTIVE),
        item(ItemKind.AD, 3, status=ContentStatus.EXPIRED),
        item(ItemKind.AD, 4, status=ContentStatus.PROCESSING),
        item(ItemKind.AD, 5, expires_at=NOW),
        item(ItemKind.AD, 6, expires_at=NOW + timedelta(seconds=1)),
    ]
    cycle = build_cycle(items, Ratios(notices=0, ads=2, news=0), NOW)
    assert labels(cycle) == ["a1", "a6"]


# Properties ----------------------------------------------------------------

ratios_strategy = st.builds(
    Ratios,
    notices=st.integers(0, 6),
    ads=st.integers(0, 6),
    news=st.integers(0, 6),
)


_statuses = st.sampled_from([ContentStatus.ACTIVE] * 3 + list(ContentStatus))
_expiries = st.none() | st.integers(-3, 3).map(lambda h: NOW + timedelta(hours=h))
_specs = st.tuples(
    st.sampled_from(list(ItemKind)), st.integers(0, 5), _statuses, _expiries
)


@st.composite
def items_strategy(draw: st.DrawFn) -> list[PlaylistItem]:
    specs = draw(st.lists(_specs, max_size=24))
    return [
        item(kind, n, created_minutes=minutes, status=status, expires_at=expires_at)
        for n, (kind, minutes, status, expires_at) in enumerate(specs, start=1)
    ]


def _eligible(items: list[PlaylistItem]) -> dict[ItemKind, list[PlaylistItem]]:
    groups: dict[ItemKind, list[PlaylistItem]] = {kind: [] for kind in ItemKind}
    for entry in items:
        if entry.status is ContentStatus.ACTIVE and (
            entry.expires_at is None or entry.expires_at > NOW
        ):
            groups[entry.kind].append(entry)
    return groups


@given(items_strategy(), ratios_strategy)
def test_the_cycle_has_the_contract_shape(
    items: list[PlaylistItem], ratios: Ratios
) -> None:
    groups = _eligible(items)
    present = [
        kind
        for kind in (ItemKind.NOTICE, ItemKind.AD, ItemKind.NEWS)
        if ratios.of(kind) > 0 and groups[kind]
    ]
    cycle = build_cycle(items, ratios, NOW)
    if not present:
        assert cycle == []
        return
    cycles = max(math.ceil(len(groups[k]) / ratios.of(k)) for k in present)
    one_cycle = [kind for kind in present for _ in range(ratios.of(kind))]
    assert [entry.kind for entry in cycle] == one_cycle * cycles


@given(items_strategy(), ratios_strategy)
def test_every_eligible_item_of_a_present_category_plays(
    items: list[PlaylistItem], ratios: Ratios
) -> None:
    cycle = build_cycle(items, ratios, NOW)
    played = {(entry.kind, entry.id) for entry in cycle}
    for kind, group in _eligible(items).items():
        if ratios.of(kind) > 0:
            assert {(kind, entry.id) for entry in group} <= played


@given(items_strategy(), ratios_strategy)
def test_play_counts_within_a_category_differ_by_at_most_one(
    items: list[PlaylistItem], ratios: Ratios
) -> None:
    counts = Counter(
        (entry.kind, entry.id) for entry in build_cycle(items, ratios, NOW)
    )
    for kind in ItemKind:
        in_kind = [n for (k, _), n in counts.items() if k is kind]
        if in_kind:
            assert max(in_kind) - min(in_kind) <= 1


@given(items_strategy(), ratios_strategy)
def test_only_eligible_items_play(items: list[PlaylistItem], ratios: Ratios) -> None:
    eligible = {
        (entry.kind, entry.id) for group in _eligible(items).values() for entry in group
    }
    for entry in build_cycle(items, ratios, NOW):
        assert (entry.kind, entry.id) in eligible


@given(items_strategy(), ratios_strategy)
def test_slots_follow_creation_order_round_robin(
    items: list[PlaylistItem], ratios: Ratios
) -> None:
    groups = _eligible(items)
    cycle = build_cycle(items, ratios, NOW)
    for kind, group in groups.items():
        ordered = sorted(group, key=lambda e: (e.created_at, e.id))
        slots = [entry for entry in cycle if entry.kind is kind]
        assert slots == [ordered[i % len(ordered)] for i in range(len(slots))]


# Rendering -----------------------------------------------------------------

TV = TVInfo(
    id=7,
    code="ABC234",
    name="Hall",
    condominium_id=3,
    ratios=Ratios(notices=1, ads=2, news=1),
    condominium_name="Residencial Aurora",
)


def test_rendered_body_has_the_contract_shape() -> None:
    rendered = render(TV, [*notices(1), *ads(2), *news(3)], now=NOW)
    body = json.loads(rendered.body)
    assert list(body) == ["tv", "versao", "gerado_em", "valido_ate", "modo", "itens"]
    assert body["valido_ate"] is None
    assert body["modo"] == "normal"
    assert body["tv"] == {
        "codigo": "ABC234",
        "nome": "Hall",
        "condominio_id": 3,
        "condominio_nome": "Residencial Aurora",
        "proporcao_anuncios": 2,
        "proporcao_avisos": 1,
        "proporcao_noticias": 1,
    }
    assert body["versao"] == rendered.version
    assert datetime.fromisoformat(body["gerado_em"]) == NOW
    notice, ad, _, news_item = body["itens"]
    assert notice == {
        "tipo": "aviso",
        "id": 1,
        "titulo": "aviso 1",
        "archive_url": None,
        "tipo_midia": None,
        "duracao": 10,
        "thumbnail_url": None,
        "mensagem": "texto",
        "emergencia": False,
    }
    assert "mensagem" not in ad
    assert ad["tipo"] == "anuncio"
    assert news_item["tipo"] == "noticia"
    assert "mensagem" not in news_item
    assert news_item["fonte"] is None
    assert news_item["publicado_em"] is None


def test_news_items_carry_their_source_and_publication_time() -> None:
    published = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    story = PlaylistItem(
        kind=ItemKind.NEWS,
        id=4,
        title="Chuva forte hoje",
        created_at=EPOCH,
        duration_seconds=10,
        summary="Defesa Civil alerta.",
        source="Agência Brasil",
        published_at=published,
    )
    (payload,) = json.loads(render(TV, [story], now=NOW).body)["itens"]
    assert payload["resumo"] == "Defesa Civil alerta."
    assert payload["fonte"] == "Agência Brasil"
    assert datetime.fromisoformat(payload["publicado_em"]) == published


def test_version_ignores_generation_time_and_follows_content() -> None:
    items = [*notices(1), *ads(2)]
    first = render(TV, items, now=NOW)
    later = render(TV, items, now=NOW + timedelta(minutes=5))
    assert first.version == later.version
    assert first.body != later.body
    other_ratio = TVInfo(
        id=7,
        code="ABC234",
        name="Hall",
        condominium_id=3,
        ratios=Ratios(notices=1, ads=3, news=1),
    )
    assert render(other_ratio, items, now=NOW).version != first.version
    assert render(TV, [*items, *ads(5)], now=NOW).version != first.version


def test_version_is_a_stable_hash_of_the_canonical_content() -> None:
    tv = {"b": 1, "a": "ç"}
    assert playlist_version(tv, []) == playlist_version({"a": "ç", "b": 1}, [])
    assert len(playlist_version(tv, [])) == 16


def test_rendered_playlist_reports_its_first_playing_item_expiry() -> None:
    soon = NOW + timedelta(minutes=5)
    items = [
        item(ItemKind.AD, 1, expires_at=NOW + timedelta(hours=1)),
        item(ItemKind.AD, 2, expires_at=soon),
        item(ItemKind.AD, 3, expires_at=NOW - timedelta(hours=1)),
    ]
    assert render(TV, items, now=NOW).expires_at == soon
    assert render(TV, ads(1), now=NOW).expires_at is None
