from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import MISSING, Field, StringConstraints

from expotv.items.schemas import (
    TEXT_PATTERN,
    Duration,
    Expiry,
    IdList,
    ItemName,
    ItemRead,
    RequestedStatus,
    TargetIds,
)
from expotv.items.scope import Scope
from expotv.notices.models import Notice
from expotv.schemas import ApiModel

Message = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=2000, pattern=TEXT_PATTERN
    ),
    Field(description="o texto do aviso"),
]
SignerIds = Annotated[
    IdList,
    Field(
        description="síndicos que assinam; padrão: quem cria, se Síndico, senão "
        "os síndicos dos condomínios"
    ),
]


class NoticeCreate(ApiModel):
    """A new aviso; an optional file (`arquivo`) is sent beside it in the form."""

    name: ItemName = Field(alias="nome")
    message: Message = Field(alias="mensagem")
    condominium_ids: TargetIds = Field(alias="condominios_ids")
    signer_ids: SignerIds | None = Field(default=None, alias="sindico_ids")
    status: RequestedStatus = "ativo"
    expires_at: Expiry | None = Field(default=None, alias="data_expiracao")
    duration_seconds: Duration | None = Field(
        default=None, alias="duracao", description="segundos; padrão 15"
    )


class NoticeUpdate(ApiModel):
    """Only the fields sent change; `null` clears the optional ones."""

    name: ItemName | MISSING = Field(default=MISSING, alias="nome")
    message: Message | MISSING = Field(default=MISSING, alias="mensagem")
    condominium_ids: TargetIds | MISSING = Field(
        default=MISSING, alias="condominios_ids"
    )
    signer_ids: SignerIds | None | MISSING = Field(default=MISSING, alias="sindico_ids")
    status: RequestedStatus | MISSING = MISSING
    expires_at: Expiry | None | MISSING = Field(default=MISSING, alias="data_expiracao")
    duration_seconds: Duration | MISSING = Field(default=MISSING, alias="duracao")
    remove_media: None | MISSING = Field(
        default=MISSING,
        alias="arquivo",
        description="null (ou, em multipart, um valor vazio) remove a mídia",
    )


class NoticeRead(ItemRead):
    message: str = Field(alias="mensagem")
    signer_ids: list[int] = Field(alias="sindico_ids")

    @classmethod
    def present(cls, notice: Notice, *, scope: Scope, now: datetime) -> NoticeRead:
        return cls(
            id=notice.id,
            name=notice.name,
            message=notice.message,
            condominium_ids=scope.visible_condominiums(
                c.id for c in notice.condominiums
            ),
            signer_ids=scope.visible_signers(u.id for u in notice.signers),
            status=notice.status_at(now),
            expires_at=notice.expires_at,
            archive_url=notice.archive_url,
            media_kind=notice.media_kind,
            thumbnail_url=notice.thumbnail_url,
            media_error=notice.media_error,
            duration_seconds=notice.duration_seconds,
            created_by_id=notice.created_by_id,
            created_at=notice.created_at,
            updated_at=notice.updated_at,
        )
