"""Pydantic pieces shared by every domain's schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Ids and counters live in 32-bit signed INTEGER columns on every database we run on:
# a larger value is a 422 at the edge, never a driver overflow (a 500).
MAX_ID = 2**31 - 1

# A row id sent in a body, a query or a path (add `Path(description=...)` for paths).
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A stored non-negative counter (quotas such as `limite_anuncios`).
Count = Annotated[int, Field(ge=0, le=MAX_ID)]


def _aware_utc(value: datetime) -> datetime:
    """Naive input is taken as UTC; everything is kept in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


class ApiModel(BaseModel):
    """Base for request/response bodies: JSON names are the contract's pt-BR aliases."""

    model_config = ConfigDict(
        populate_by_name=True, from_attributes=True, extra="ignore"
    )


class ReadModel(ApiModel):
    id: int
    created_at: datetime
    updated_at: datetime
