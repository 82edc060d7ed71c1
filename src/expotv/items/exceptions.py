"""What an item write may fail with; the kind's names make each message and code.

ItemNotFound       404  {code}_not_found      "anúncio não encontrado"
ItemNotOwned       403  {code}_not_owned      a Síndico changes only its own
ItemQuotaExceeded  403  {code}_quota_exceeded "limite de anúncios atingido (N)"
MediaRequired      422  {code}_media_required the kind needs ``arquivo``
TargetNotFound     404  a condomínio the caller may not target
ExpiryInPast       422  ``data_expiracao`` not in the future
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


class TargetNotFound(NotFound):
    """A condomínio that does not exist or that the caller may not write to."""

    code = "condominium_not_found"
    detail = "condomínio não encontrado"


class ExpiryInPast(Invalid):
    code = "expiry_in_past"
    detail = "data_expiracao precisa estar no futuro"

    def __init__(self) -> None:
        super().__init__(field="data_expiracao")


class FileExpected(Invalid):
    code = "file_expected"
    detail = "envie o arquivo como um arquivo (multipart/form-data)"

    def __init__(self, field: str = "arquivo") -> None:
        super().__init__(field=field)


class SingleFileExpected(Invalid):
    code = "single_file_expected"
    detail = "envie um único arquivo"

    def __init__(self, field: str = "arquivo") -> None:
        super().__init__(field=field)
