"""What an item write may fail with; the kind's names make each message and code.

ItemNotFound       404  {code}_not_found      "anúncio não encontrado"
ItemNotOwned       403  {code}_not_owned      a Síndico changes only its own
ItemQuotaExceeded  403  {code}_quota_exceeded "limite de anúncios atingido (N)"
MediaRequired      422  {code}_media_required the kind needs ``arquivo``
TargetNotFound     404  a condomínio the caller may not target
TVNotFound         404  (``tvs.exceptions``) a TV of ``tvs_ids`` the caller can't see
ExpiryInPast       422  ``data_expiracao`` not in the future
ExpiryNotAfterStart 422 ``data_expiracao`` not after ``data_inicio``
TVOutsideTargets   422  a TV of ``tvs_ids`` in none of ``condominios_ids``
FileExpected, SingleFileExpected  422  the form's file field misused
"""

from __future__ import annotations

from expotv.errors import Forbidden, Invalid, NotFound, QuotaExceeded
from expotv.items.kind import KindNames


class ItemNotFound(NotFound):
    def __init__(self, names: KindNames) -> None:
        super().__init__(
            names.say("{singular} não encontrad{o}"),
            code=f"{names.code}_not_found",
        )


class ItemNotOwned(Forbidden):
    def __init__(self, names: KindNames) -> None:
        super().__init__(
            names.say("você só pode alterar {os} {plural} que criou"),
            code=f"{names.code}_not_owned",
        )


class ItemQuotaExceeded(QuotaExceeded):
    def __init__(self, names: KindNames, limit: int) -> None:
        super().__init__(
            names.say("limite de {plural} atingido ({limit})", limit=limit),
            code=f"{names.code}_quota_exceeded",
        )
        self.limit = limit


class MediaRequired(Invalid):
    def __init__(self, names: KindNames) -> None:
        super().__init__(
            names.say(
                "envie o arquivo {do} {singular} (campo arquivo, multipart/form-data)"
            ),
            field="arquivo",
            code=f"{names.code}_media_required",
        )


class TargetNotFound(NotFound, code="condominium_not_found"):
    """A condomínio that does not exist or that the caller may not write to."""

    detail = "condomínio não encontrado"


class ExpiryInPast(Invalid, code="expiry_in_past", field="data_expiracao"):
    detail = "data_expiracao precisa estar no futuro"


class ExpiryNotAfterStart(
    Invalid, code="expiry_not_after_start", field="data_expiracao"
):
    detail = "data_expiracao precisa ser depois de data_inicio"


class TVOutsideTargets(Invalid, code="tv_outside_targets"):
    def __init__(self, tv_id: int) -> None:
        super().__init__(
            f"tvs_ids: a TV {tv_id} não é de nenhum dos condomínios do item "
            "(condominios_ids)",
            field="tvs_ids",
        )
        self.tv_id = tv_id


class FileExpected(Invalid, code="file_expected"):
    detail = "envie o arquivo como um arquivo (multipart/form-data)"

    def __init__(self, field: str = "arquivo") -> None:
        super().__init__(field=field)


class SingleFileExpected(Invalid, code="single_file_expected"):
    detail = "envie um único arquivo"

    def __init__(self, field: str = "arquivo") -> None:
        super().__init__(field=field)
