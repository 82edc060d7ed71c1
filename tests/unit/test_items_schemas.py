from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import MISSING, ValidationError

from expotv.ads.schemas import AdCreate, AdUpdate
from expotv.items.openapi import item_request_body
from expotv.notices.schemas import NoticeUpdate


def test_expiry_is_kept_in_utc_and_naive_means_expotv_timezone() -> None:
    data = AdUpdate.model_validate_json(
        b'{"data_expiracao": "2030-01-01T09:00:00-03:00"}'
    )
    assert data.expires_at == datetime(2030, 1, 1, 12, tzinfo=UTC)
    # Outside a request: EXPOTV_TIMEZONE's default, São Paulo (UTC-3).
    naive = AdUpdate.model_validate({"data_expiracao": "2030-01-01T12:00:00"})
    assert naive.expires_at == datetime(2030, 1, 1, 15, tzinfo=UTC)


def test_an_expiry_at_the_end_of_time_is_a_validation_error_not_a_crash() -> None:
    with pytest.raises(ValidationError) as error:
        AdUpdate.model_validate_json(b'{"data_expiracao": "9999-12-31T23:59:59-05:00"}')
    assert error.value.errors()[0]["loc"] == ("data_expiracao",)


def test_partial_updates_tell_left_out_from_cleared() -> None:
    left_out = NoticeUpdate.model_validate({})
    assert left_out.expires_at is MISSING
    assert left_out.remove_media is MISSING
    cleared = NoticeUpdate.model_validate({"data_expiracao": None, "arquivo": None})
    assert cleared.expires_at is None
    assert "remove_media" in cleared.model_fields_set


@pytest.mark.parametrize(
    "body",
    [
        b'{"nome": null}',
        b'{"condominios_ids": null}',
        b'{"condominios_ids": []}',
        b'{"status": null}',
        b'{"duracao": null}',
        b'{"nome": "\\u0000"}',
    ],
)
def test_fields_that_can_not_be_cleared_refuse_null(body: bytes) -> None:
    with pytest.raises(ValidationError):
        AdUpdate.model_validate_json(body)


def test_ids_are_deduplicated_in_order() -> None:
    data = AdCreate.model_validate({"nome": "x", "condominios_ids": ["3", 1, 3]})
    assert data.condominium_ids == [3, 1]


def test_request_body_documents_json_and_a_form_with_a_binary_file() -> None:
    body = item_request_body(
        NoticeUpdate, file_required=False, file_description="f", description="d"
    )["requestBody"]
    assert set(body["content"]) == {"multipart/form-data", "application/json"}
    form = body["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["arquivo"]["format"] == "binary"
    assert form["properties"]["condominios_ids"]["type"] == "array"
    # A form can not send null: no nullable branches there.
    assert "anyOf" not in form["properties"]["data_expiracao"]
    assert "required" not in form
    json_schema = body["content"]["application/json"]["schema"]
    assert json_schema["properties"]["arquivo"] == {
        "description": "null (ou, em multipart, um valor vazio) remove a mídia",
        "title": "Arquivo",
        "type": "null",
    }

    create = item_request_body(
        AdCreate, file_required=True, file_description="f", description="d"
    )["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert create["required"] == ["nome", "condominios_ids", "arquivo"]
