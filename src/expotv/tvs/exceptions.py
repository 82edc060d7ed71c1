from __future__ import annotations

from expotv.errors import Invalid, NotFound, RateLimited, Unavailable


class TVNotFound(NotFound, code="tv_not_found", detail="TV não encontrada"): ...


class InvalidRatios(Invalid, code="invalid_ratios", field="proporcao_anuncios"):
    detail = (
        "a soma de proporcao_anuncios, proporcao_avisos e proporcao_noticias "
        "deve ser ao menos 1"
    )


class TVCodeUnavailable(Unavailable, code="tv_code_unavailable"):
    detail = "não foi possível gerar um código único para a TV; tente novamente"


class TVPingRateLimited(RateLimited, code="tv_ping_rate_limited"):
    detail = "pings demais desta TV; tente novamente mais tarde"
