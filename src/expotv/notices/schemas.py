from __future__ import annotations

from typing import Annotated

from pydantic import MISSING, Field, StringConstraints

from expotv.items.schemas import (
    TEXT_PATTERN,
    Duration,
    IdList,
    ItemCreate,
    ItemRead,
    ItemUpdate,
)

Message = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=2000, pattern=TEXT_PATTERN
    ),
    Field(description="o texto do aviso"),
]
_EMERGENCY = (
    "enquanto ativo, as TVs que ele alcança passam só os avisos de emergência (um "
    "Síndico só nos condomínios de que é síndico)"
)
SignerIds = Annotated[
    IdList,
    Field(
        description="síndicos que assinam; padrão: quem cria, se Síndico, senão "
        "os síndicos dos condomínios"
    ),
]


class NoticeCreate(ItemCreate):
    """A new aviso; an optional file (`arquivo`) is sent beside it in the form."""

    message: Message = Field(alias="mensagem")
    signer_ids: SignerIds | None = Field(default=None, alias="sindico_ids")
    duration_seconds: Duration | None = Field(
        default=None, alias="duracao", description="segundos; padrão 15"
    )
    is_emergency: bool = Field(
        default=False, alias="emergencia", description=_EMERGENCY
    )


class NoticeUpdate(ItemUpdate):
    """Only the fields sent change; `null` clears the optional ones."""

    message: Message | MISSING = Field(default=MISSING, alias="mensagem")
    signer_ids: SignerIds | None | MISSING = Field(default=MISSING, alias="sindico_ids")
    is_emergency: bool | MISSING = Field(
        default=MISSING, alias="emergencia", description=_EMERGENCY
    )
    remove_media: None | MISSING = Field(
        default=MISSING,
        alias="arquivo",
        description="null (ou, em multipart, um valor vazio) remove a mídia",
    )


class NoticeRead(ItemRead):
    SCOPED = {
        **ItemRead.SCOPED,
        "signer_ids": lambda scope, item: scope.visible_signers(item.signer_ids),
    }

    message: str = Field(alias="mensagem")
    signer_ids: list[int] = Field(alias="sindico_ids")
    is_emergency: bool = Field(alias="emergencia", description=_EMERGENCY)
