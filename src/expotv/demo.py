"""``expotv demo``: fill an empty database with a condominium that plays something.

Media are generated here (Pillow pictures, a short H.264 clip made with PyAV) and
go through the same ingest path as an upload, so the demo exercises the real
pipeline and storage.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from expotv.ads.kind import AD
from expotv.ads.schemas import AdCreate
from expotv.auth import passwords
from expotv.auth.passwords import hash_password
from expotv.condominiums.models import Condominium
from expotv.config import Settings
from expotv.db import create_engine, create_sessionmaker, session_scope, utcnow
from expotv.items import service as items
from expotv.items.scope import load_scope
from expotv.items.service import AnyKind
from expotv.news.models import NewsItem
from expotv.notices.kind import NOTICE
from expotv.notices.schemas import NoticeCreate
from expotv.storage import create_storage
from expotv.storage.base import ObjectStorage
from expotv.tvs import codes
from expotv.tvs.models import TV
from expotv.users.models import Role, User

DEMO_PASSWORD = "expotv-demo"
MASTER_EMAIL = "admin@expotv.local"
MANAGER_EMAIL = "sindico@expotv.local"


@dataclass(frozen=True)
class DemoResult:
    created: bool
    tv_codes: list[str]


# A system font with Portuguese glyphs when there is one; Pillow's bundled font
# has no "ç" or "à", so text drawn with it is folded to plain letters.
_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_FILES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _text(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    if getattr(font, "path", None) in _FONT_FILES:
        return text
    folded = unicodedata.normalize("NFKD", text)
    return "".join(char for char in folded if not unicodedata.combining(char))


def _draw_text(
    draw: ImageDraw.ImageDraw, position: tuple[int, int], text: str, size: int
) -> None:
    font = _font(size)
    draw.text(position, _text(text, font), font=font, fill="white")


def picture(title: str, subtitle: str, colors: tuple[str, str]) -> bytes:
    """A 1280x720 PNG poster with two lines of text over a two-tone background."""
    image = Image.new("RGB", (1280, 720), colors[0])
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 480, 1280, 720), fill=colors[1])
    _draw_text(draw, (80, 200), title, 72)
    _draw_text(draw, (80, 540), subtitle, 44)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def clip(title: str, seconds: int = 4, fps: int = 12) -> bytes:
    """A short H.264 MP4 (no audio) with a moving bar, made with PyAV."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = 640, 360
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(seconds * fps):
            frame_image = Image.new("RGB", (640, 360), "#1d3557")
            draw = ImageDraw.Draw(frame_image)
            x = int(640 * index / (seconds * fps))
            draw.rectangle((0, 300, x, 360), fill="#e63946")
            _draw_text(draw, (40, 120), title, 40)
            frame = av.VideoFrame.from_image(frame_image)  # type: ignore[no-untyped-call]
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def _upload(data: bytes, filename: str) -> UploadFile:
    return UploadFile(file=io.BytesIO(data), filename=filename, size=len(data))


async def fill(
    session: AsyncSession, storage: ObjectStorage, settings: Settings, now: datetime
) -> list[str]:
    password_hash = hash_password(DEMO_PASSWORD)
    master = User(
        name="Administração EXPO TV",
        email=MASTER_EMAIL,
        password_hash=password_hash,
        role=Role.ADMIN,
    )
    manager = User(
        name="Marta Souza (síndica)",
        email=MANAGER_EMAIL,
        password_hash=password_hash,
        role=Role.MANAGER,
        ad_limit=20,
        notice_limit=20,
        condominium_limit=2,
    )
    session.add_all([master, manager])
    await session.flush()

    condo = Condominium(
        name="Residencial Jardim das Acácias",
        address="Rua das Acácias, 120 - São Paulo, SP",
        manager_id=manager.id,
    )
    session.add(condo)
    await session.flush()

    tv_codes: list[str] = []
    for name in ("Hall de entrada", "Elevador social", "Elevador de serviço"):
        code = codes.generate_code()
        tv_codes.append(code)
        session.add(TV(code=code, name=name, condominium_id=condo.id))

    # Through the item service, as the API creates them: media ingest (the
    # video converted or remuxed), default duration, signers, status.
    async def create(
        kind: AnyKind,
        user: User,
        data: Any,
        upload: bytes | None,
        filename: str = "a.png",
    ) -> None:
        scope = await load_scope(session, user, with_signers=kind.scope_has_signers)
        await items.create(
            session,
            kind,
            data,
            upload=None if upload is None else _upload(upload, filename),
            context=items.WriteContext(
                scope=scope, storage=storage, settings=settings, now=now
            ),
        )

    ads = [
        ("Pizzaria Bella Napoli", "20% de desconto às terças", ("#9d0208", "#370617")),
        ("Academia FitLife", "Primeira semana grátis", ("#2a9d8f", "#264653")),
        (
            "Lavanderia Bolha Azul",
            "Leva e traz no seu apartamento",
            ("#0077b6", "#03045e"),
        ),
    ]
    for index, (name, subtitle, colors) in enumerate(ads):
        ad = AdCreate(
            name=name,
            condominium_ids=[condo.id],
            advertiser_name=name,
            advertiser_phone=f"(11) 9{index + 1}234-5678",
            duration_seconds=8,
        )
        await create(AD, master, ad, picture(name, subtitle, colors))
    video_ad = AdCreate(
        name="Pet Shop Amigo Fiel",
        condominium_ids=[condo.id],
        advertiser_name="Pet Shop Amigo Fiel",
        advertiser_phone="(11) 94444-1234",
    )
    await create(AD, master, video_ad, clip("Pet Shop Amigo Fiel"), "pet.mp4")

    notices = [
        (
            "Manutenção do elevador social",
            "O elevador social ficará parado na quinta-feira, das 9h às 12h, "
            "para manutenção preventiva. Use o elevador de serviço.",
        ),
        (
            "Assembleia geral ordinária",
            "Dia 10, às 19h30, no salão de festas. Pauta: orçamento anual e obras "
            "na fachada.",
        ),
        (
            "Coleta seletiva",
            "Recicláveis às segundas e quintas. Separe papel, plástico, metal e vidro.",
        ),
    ]
    for name, message in notices:
        notice = NoticeCreate(name=name, message=message, condominium_ids=[condo.id])
        await create(NOTICE, manager, notice, None)

    news = [
        ("Feira orgânica volta à praça neste sábado", "Produtores da região ..."),
        ("Vacinação contra a gripe é ampliada", "Postos atendem das 8h às 17h."),
        ("Previsão: semana de calor com chuvas à tarde", "Máximas de 31 °C."),
    ]
    for index, (title, summary) in enumerate(news):
        session.add(
            NewsItem(
                title=title,
                summary=summary,
                source="EXPO TV",
                published_at=now,
                created_at=now + timedelta(seconds=index),
            )
        )
    await session.flush()
    return tv_codes


async def run_demo(
    settings: Settings,
    *,
    quiet_if_filled: bool,
    base_url: str = "http://127.0.0.1:8000",
) -> DemoResult:
    """Fill an empty database; print how to log in and which TV pages to open."""
    passwords.configure(settings)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    storage = create_storage(settings)
    try:
        async with session_scope(sessionmaker) as session:
            users = await session.scalar(select(func.count()).select_from(User))
            if users:
                existing = list(await session.scalars(select(TV.code).order_by(TV.id)))
                if not quiet_if_filled:
                    print("O banco já tem dados; a demonstração não foi criada.")  # noqa: T201
                _print_access(existing, base_url)
                return DemoResult(created=False, tv_codes=existing)
            tv_codes = await fill(session, storage, settings, utcnow())
    finally:
        await engine.dispose()
    _print_access(tv_codes, base_url)
    print("(dados de demonstração criados agora)")  # noqa: T201
    return DemoResult(created=True, tv_codes=tv_codes)


def _print_access(tv_codes: list[str], base_url: str) -> None:
    # The dashboard comes first: it is where a síndico starts.
    lines = [
        f"Painel do EXPO TV: {base_url}/painel",
        f"  entre como síndica: {MANAGER_EMAIL}  senha: {DEMO_PASSWORD}",
        f"  ou como Master:     {MASTER_EMAIL}  senha: {DEMO_PASSWORD}",
    ]
    lines += [f"Player da TV (abra na tela): {base_url}/tv/{code}" for code in tv_codes]
    lines.append(f"API e documentação: {base_url}/docs")
    print("\n".join(lines))  # noqa: T201


__all__ = ["DemoResult", "clip", "fill", "picture", "run_demo"]
