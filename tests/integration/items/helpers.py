"""Arranging anúncio/aviso tests: tenants, images, stored files, and each kind
as a ``KindCase`` so one test covers both."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import update

from expotv.ads.models import Ad
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.notices.models import Notice
from expotv.users.models import Role, User, viewer_condominium
from tests.support import Factory


def png_bytes(color: str = "red", size: tuple[int, int] = (16, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_file(color: str = "red") -> dict[str, Any]:
    return {"arquivo": ("foto.png", png_bytes(color), "image/png")}


def stored_path(settings: Settings, url: str | None) -> Path:
    """The file behind an app-relative ``/media/...`` URL (LocalStorage)."""
    assert url is not None
    assert url.startswith("/media/"), url
    return settings.media_dir / url.removeprefix("/media/")


def stored_files(settings: Settings) -> set[Path]:
    root = settings.media_dir
    if not root.exists():
        return set()
    return {p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}


@dataclass
class World:
    """Two tenants: síndico A (condos A and A2), síndico B (condo B), a viewer of A."""

    admin: User
    manager_a: User
    manager_b: User
    viewer_a: User
    condo_a: Condominium
    condo_a2: Condominium
    condo_b: Condominium
    admin_headers: dict[str, str]
    a_headers: dict[str, str]
    b_headers: dict[str, str]
    viewer_headers: dict[str, str]


async def build_world(
    factory: Factory, admin: User, admin_headers: dict[str, str], **manager_a: Any
) -> World:
    a = await factory.user(Role.MANAGER, name="Síndico A", **manager_a)
    b = await factory.user(Role.MANAGER, name="Síndico B")
    viewer = await factory.user(Role.VIEWER, name="Morador A")
    condo_a = await factory.add(Condominium(name="Residencial A", manager_id=a.id))
    condo_a2 = await factory.add(Condominium(name="Residencial A2", manager_id=a.id))
    condo_b = await factory.add(Condominium(name="Residencial B", manager_id=b.id))
    async with factory.sessionmaker() as session:
        await session.execute(
            viewer_condominium.insert().values(
                user_id=viewer.id, condominium_id=condo_a.id
            )
        )
        await session.commit()
    return World(
        admin=admin,
        manager_a=a,
        manager_b=b,
        viewer_a=viewer,
        condo_a=condo_a,
        condo_a2=condo_a2,
        condo_b=condo_b,
        admin_headers=admin_headers,
        a_headers=await factory.headers(a),
        b_headers=await factory.headers(b),
        viewer_headers=await factory.headers(viewer),
    )


async def set_columns(factory: Factory, model: Any, row_id: int, **values: Any) -> None:
    """Change a row behind the API's back (expiry passed, another creator...)."""
    async with factory.sessionmaker() as session:
        await session.execute(update(model).where(model.id == row_id).values(**values))
        await session.commit()


def browser_form(fields: dict[str, str], empty_file: str) -> tuple[bytes, str]:
    """A multipart body as a browser sends it with a file input left empty
    (``filename=""``, which httpx would leave out)."""
    boundary = "----expotvBoundary7MA4YWxkTrZu0gW"
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="{empty_file}"; filename=""'.encode(),
        b"Content-Type: application/octet-stream",
        b"",
        b"",
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
async def world(factory: Factory, admin: User, admin_headers: dict[str, str]) -> World:
    return await build_world(factory, admin, admin_headers)


@dataclass(frozen=True)
class KindCase:
    """One kind of item as the API shows it, for tests that hold for every kind."""

    path: str
    model: type[Any]
    code: str
    # As in "limite de anúncios atingido (N)".
    plural: str
    limit_field: str
    # ``tipo`` in a TV's playlist.
    playlist_type: str
    # A field of the kind's own (required if it has one), as ``post`` sends it.
    own_field: tuple[str, str]

    async def post(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        condominium_ids: list[int],
        *,
        expect: int = 201,
        color: str = "red",
        **fields: Any,
    ) -> dict[str, Any]:
        """Create one with a picture (multipart), every required field filled."""
        name, value = self.own_field
        data: dict[str, Any] = {
            "nome": "Item de teste",
            "condominios_ids": [str(i) for i in condominium_ids],
            name: value,
            **fields,
        }
        response = await client.post(
            self.path, data=data, files=png_file(color), headers=headers
        )
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body


AD = KindCase(
    path="/anuncios",
    model=Ad,
    code="ad",
    plural="anúncios",
    limit_field="ad_limit",
    playlist_type="anuncio",
    own_field=("nome_anunciante", "José"),
)
NOTICE = KindCase(
    path="/avisos",
    model=Notice,
    code="notice",
    plural="avisos",
    limit_field="notice_limit",
    playlist_type="aviso",
    own_field=("mensagem", "A água será cortada amanhã das 8h às 12h."),
)


@pytest.fixture(params=[AD, NOTICE], ids=["anuncios", "avisos"])
def kind(request: pytest.FixtureRequest) -> KindCase:
    case: KindCase = request.param
    return case
