from __future__ import annotations

from expotv.errors import Forbidden, Invalid, NotFound, QuotaExceeded


class NoticeNotFound(NotFound):
    code = "notice_not_found"
    detail = "aviso não encontrado"


class NoticeNotOwned(Forbidden):
    code = "notice_not_owned"
    detail = "você só pode alterar os avisos que criou"


class NoticeQuotaExceeded(QuotaExceeded):
    code = "notice_quota_exceeded"

    def __init__(self, limit: int) -> None:
        super().__init__(f"limite de avisos atingido ({limit})")
        self.limit = limit


class SignerInvalid(Invalid):
    """Not a síndico, or one the caller may not name (the same answer: no hint)."""

    code = "signer_invalid"

    def __init__(self, user_id: int) -> None:
        super().__init__(
            f"sindico_ids: {user_id} não é um síndico que você possa indicar",
            field="sindico_ids",
        )
        self.user_id = user_id
