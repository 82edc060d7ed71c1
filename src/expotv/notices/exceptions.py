from __future__ import annotations

from expotv.errors import Invalid


class SignerInvalid(Invalid, code="signer_invalid"):
    """Not a síndico, or one the caller may not name (the same answer: no hint)."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            f"sindico_ids: {user_id} não é um síndico que você possa indicar",
            field="sindico_ids",
        )
        self.user_id = user_id
