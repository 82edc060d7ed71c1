"""The TV app's bodies. The playlist is sent pre-serialized (``builder.render``);
its models here document it in the OpenAPI schema and must match that output."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from expotv.playlist.builder import Reason
from expotv.schemas import ApiModel


class PlaylistTV(ApiModel):
    code: str = Field(alias="codigo")
    name: str = Field(alias="nome")
    condominium_id: int = Field(alias="condominio_id")
    condominium_name: str = Field(
        alias="condominio_nome",
        description="nome do condomínio da TV (o player o mostra num canto)",
    )
    ad_ratio: int = Field(alias="proporcao_anuncios")
    notice_ratio: int = Field(alias="proporcao_avisos")
    news_ratio: int = Field(alias="proporcao_noticias")


class PlaylistItemRead(ApiModel):
    kind: Literal["aviso", "anuncio", "noticia"] = Field(alias="tipo")
    id: int
    title: str = Field(alias="titulo")
    archive_url: str | None
    media_kind: Literal["imagem", "video"] | None = Field(alias="tipo_midia")
    duration_seconds: int = Field(alias="duracao")
    thumbnail_url: str | None = Field(
        description="poster (JPEG/WebP, até 480 px) para o player; null sem mídia"
    )
    message: str | None = Field(
        default=None, alias="mensagem", description="texto do aviso (só avisos)"
    )
    is_emergency: bool | None = Field(
        default=None,
        alias="emergencia",
        description="se o aviso é de emergência (só avisos)",
    )
    summary: str | None = Field(
        default=None, alias="resumo", description="resumo da notícia (só notícias)"
    )
    source: str | None = Field(
        default=None, alias="fonte", description="fonte da notícia (só notícias)"
    )
    published_at: datetime | None = Field(
        default=None,
        alias="publicado_em",
        description="quando a notícia foi publicada (só notícias)",
    )


class PlaylistRead(ApiModel):
    tv: PlaylistTV
    version: str = Field(
        alias="versao", description="hash do conteúdo; igual ao ETag (sem aspas)"
    )
    generated_at: datetime = Field(alias="gerado_em")
    valid_until: datetime | None = Field(
        alias="valido_ate",
        description="o próximo momento em que um início, uma expiração ou uma "
        "janela de horário muda esta playlist (no fuso do condomínio); null quando "
        "nenhum está previsto",
    )
    mode: Literal["normal", "emergencia"] = Field(
        alias="modo",
        description="emergencia: itens tem só os avisos de emergência que alcançam "
        "a TV",
    )
    items: list[PlaylistItemRead] = Field(alias="itens")


class OutItemRead(ApiModel):
    kind: Literal["aviso", "anuncio", "noticia"] = Field(alias="tipo")
    id: int
    title: str = Field(alias="titulo")
    reason: Reason = Field(
        alias="motivo",
        description="agendado (data_inicio no futuro), fora_do_horario, expirado, "
        "inativo, processando, erro, outra_tv (tvs_ids nomeia outras TVs), "
        "proporcao_zero (a proporção da categoria nesta TV é 0), emergencia (um "
        "aviso de emergência tomou a TV)",
    )


class TVPlaylistRead(PlaylistRead):
    """O que a TV passa agora (o corpo de /app/tv/{codigo}/content) e, em `fora`,
    o que mira o condomínio dela mas não passa, com o motivo."""

    out: list[OutItemRead] = Field(alias="fora")


class PingIn(ApiModel):
    version: str | None = Field(default=None, alias="versao", max_length=64)
    app_version: str | None = Field(default=None, alias="app_versao", max_length=64)
    resolution: str | None = Field(default=None, alias="resolucao", max_length=32)


class PingRead(ApiModel):
    status: Literal["online"] = "online"
    version: str = Field(alias="versao", description="versão atual do conteúdo da TV")
    ping_interval_seconds: int = Field(alias="intervalo_ping")
