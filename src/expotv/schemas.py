"""Pydantic pieces shared by every domain's schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


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
