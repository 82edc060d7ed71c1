from __future__ import annotations

from expotv.errors import Conflict, Forbidden, Invalid, NotFound, QuotaExceeded


class CondominiumNotFound(NotFound, code="condominium_not_found"):
    detail = "condomínio não encontrado"


class InvalidManager(Invalid, code="invalid_sindico", field="sindico_id"):
    detail = "sindico_id deve ser o id de um usuário existente com nível Sindico"


class ManagerMustBeSelf(InvalidManager, code="sindico_must_be_self"):
    detail = "um Síndico só pode indicar a si mesmo como sindico_id"


class ForceDeleteForbidden(Forbidden, code="force_delete_forbidden"):
    detail = "somente o Master pode excluir um condomínio com force=true"


class CondominiumQuotaExceeded(QuotaExceeded, code="condominium_quota_exceeded"):
    """Raised with ``limit=``, the Síndico's ``limite_condominios``."""

    detail = "limite de condomínios atingido ({limit})"


class CondominiumHasTVs(Conflict, code="condominium_has_tvs"):
    detail = (
        "o condomínio possui TVs; exclua-as antes ou use force=true (somente Master)"
    )
