"""Pydantic pieces shared by every domain's schemas.

Partial updates (``PUT``) have one idiom, ``PartialModel``: a field left out of the
body is ``MISSING`` (pydantic's sentinel, the field's default), ``None`` is an
explicit ``null`` that clears an optional field, and a field that can not be
cleared leaves ``None`` out of its type, so a ``null`` there is a 422 naming the
field and the JSON schema says so. Services test ``changes.x is not MISSING``
(mypy narrows the type) or copy plain fields with ``changes.copy_sent(obj, ...)``::

    class ThingUpdate(PartialModel):
        name: Name | MISSING = Field(default=MISSING, alias="nome")
        note: Note | None | MISSING = Field(default=MISSING, alias="nota")
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import MISSING, AfterValidator, BaseModel, ConfigDict, Field

from expotv.timezones import as_utc

# Ids and counters live in 32-bit signed INTEGER columns on every database we run on:
# a larger value is a 422 at the edge, never a driver overflow (a 500).
MAX_ID = 2**31 - 1

# A row id sent in a body, a query or a path (add `Path(description=...)` for paths).
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A stored non-negative counter (quotas such as `limite_anuncios`).
Count = Annotated[int, Field(ge=0, le=MAX_ID)]


# Naive input is wall-clock time in EXPOTV_TIMEZONE (``expotv.timezones``); every
# timestamp is kept in UTC.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class ApiModel(BaseModel):
    """Base for request/response bodies: JSON names are the contract's pt-BR aliases."""

    model_config = ConfigDict(
        populate_by_name=True, from_attributes=True, extra="ignore"
    )


class ReadModel(ApiModel):
    id: int
    created_at: datetime
    updated_at: datetime


class PartialModel(ApiModel):
    """A partial body: fields left out are ``MISSING`` (see the module docstring)."""

    def sent(self) -> dict[str, Any]:
        """The fields the body sent, by attribute name."""
        return {
            name: value
            for name in type(self).model_fields
            if (value := getattr(self, name)) is not MISSING
        }

    def copy_sent(self, target: object, *names: str) -> None:
        """Set each of ``names`` the body sent on ``target`` (same attribute name)."""
        for name, value in self.sent().items():
            if name in names:
                setattr(target, name, value)
