from __future__ import annotations

from expotv.errors import Invalid, NotFound


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
