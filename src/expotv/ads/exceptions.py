from __future__ import annotations

from expotv.errors import Forbidden, Invalid, NotFound, QuotaExceeded


class AdNotFound(NotFound):
    code = "ad_not_found"
    detail = "anúncio não encontrado"


class AdNotOwned(Forbidden):
    code = "ad_not_owned"
    detail = "você só pode alterar os anúncios que criou"


class AdQuotaExceeded(QuotaExceeded):
    code = "ad_quota_exceeded"

    def __init__(self, limit: int) -> None:
        super().__init__(f"limite de anúncios atingido ({limit})")
        self.limit = limit


class AdMediaRequired(Invalid):
    code = "ad_media_required"
    detail = "envie o arquivo do anúncio (campo arquivo, multipart/form-data)"

    def __init__(self) -> None:
        super().__init__(field="arquivo")
