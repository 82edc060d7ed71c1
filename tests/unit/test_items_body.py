from __future__ import annotations

import io

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData, Headers, UploadFile

from expotv.ads.schemas import AdCreate, AdUpdate
from expotv.errors import Invalid
from expotv.items.body import (
    form_values,
    json_fields,
    list_fields,
    split_ids,
    validation_error,
)
from expotv.notices.schemas import NoticeCreate, NoticeUpdate

FIELDS = frozenset({"nome", "condominios_ids", "data_expiracao", "sindico_ids"})
LISTS = frozenset({"condominios_ids", "sindico_ids"})


def upload(content: bytes, filename: str | None = "a.png") -> UploadFile:
    return UploadFile(
        io.BytesIO(content),
        size=len(content),
        filename=filename,
        headers=Headers({"content-type": "image/png"}),
    )


def test_list_fields_are_read_from_the_models() -> None:
    assert list_fields(AdCreate) == {"condominios_ids", "tvs_ids"}
    assert list_fields(AdUpdate) == {"condominios_ids", "tvs_ids"}
    assert list_fields(NoticeCreate) == {"condominios_ids", "sindico_ids", "tvs_ids"}
    assert list_fields(NoticeUpdate) == {"condominios_ids", "sindico_ids", "tvs_ids"}


def test_lists_of_objects_travel_as_json_text_in_a_form() -> None:
    assert json_fields(AdCreate) == {"horarios"}
    assert json_fields(NoticeUpdate) == {"horarios"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "2"], ["1", "2"]),
        (["1,2", " 3 "], ["1", "2", "3"]),
        (["4, ,5,"], ["4", "5"]),
        ([""], []),
        ([], []),
    ],
)
def test_ids_are_repeated_or_comma_separated(
    values: list[str], expected: list[str]
) -> None:
    assert split_ids(values) == expected


def test_form_values_clear_on_empty_and_keep_the_last_scalar() -> None:
    form = FormData(
        [
            ("nome", "primeiro"),
            ("nome", "segundo"),
            ("condominios_ids", "1,2"),
            ("condominios_ids", "3"),
            ("data_expiracao", "  "),
            ("desconhecido", "x"),
        ]
    )
    values, file = form_values(form, fields=FIELDS, lists=LISTS)
    assert values == {
        "nome": "segundo",
        "condominios_ids": ["1", "2", "3"],
        "data_expiracao": None,
    }
    assert file is None


def test_form_values_take_the_file_and_ignore_an_empty_file_input() -> None:
    png = upload(b"\x89PNG...")
    values, file = form_values(
        FormData([("arquivo", png), ("nome", "x")]), fields=FIELDS, lists=LISTS
    )
    assert file is not None
    assert file.filename == "a.png"
    assert values == {"nome": "x"}

    empty = upload(b"", filename="")
    values, file = form_values(
        FormData([("arquivo", empty)]), fields=FIELDS, lists=LISTS
    )
    assert file is None
    assert values == {}


def test_an_empty_text_file_field_means_remove_and_other_text_is_refused() -> None:
    values, file = form_values(FormData([("arquivo", "")]), fields=FIELDS, lists=LISTS)
    assert values == {"arquivo": None}
    assert file is None
    with pytest.raises(Invalid) as refused:
        form_values(FormData([("arquivo", "base64...")]), fields=FIELDS, lists=LISTS)
    assert refused.value.field == "arquivo"


def test_two_files_or_a_file_in_a_text_field_are_refused() -> None:
    with pytest.raises(Invalid):
        form_values(
            FormData([("arquivo", upload(b"1")), ("arquivo", upload(b"2"))]),
            fields=FIELDS,
            lists=LISTS,
        )
    with pytest.raises(Invalid) as refused:
        form_values(FormData([("nome", upload(b"1"))]), fields=FIELDS, lists=LISTS)
    assert refused.value.field == "nome"
    # An unknown field may carry anything.
    values, _ = form_values(
        FormData([("extra", upload(b"1"))]), fields=FIELDS, lists=LISTS
    )
    assert values == {}


def test_a_body_that_is_not_utf8_is_a_422_not_a_crash() -> None:
    with pytest.raises(ValidationError) as raised:
        AdUpdate.model_validate_json(b"\xe9\xd2\xf7\xa9")
    error = validation_error(raised.value)
    assert error.errors()[0]["loc"] == ["body"]
    assert "input" not in error.errors()[0]


@pytest.mark.parametrize(
    "text",
    ['[{"dias": [' * 1000, "[" * 100_000 + "]" * 100_000],
    ids=["unbalanced", "balanced"],
)
def test_json_in_a_form_field_too_deep_for_the_parser_is_a_422(text: str) -> None:
    # json.loads recursed into a RecursionError: a 500 (found by the hostile sweep).
    with pytest.raises((Invalid, RequestValidationError)) as refused:
        form_values(
            FormData([("horarios", text)]),
            fields=frozenset({"horarios"}),
            lists=frozenset(),
            json_texts=frozenset({"horarios"}),
        )
    # Both are 422s naming the field.
    if isinstance(refused.value, Invalid):
        assert refused.value.code == "json_too_deep"
    else:
        [error] = refused.value.errors()
        assert (error["type"], error["loc"]) == ("json_invalid", ["body", "horarios"])
