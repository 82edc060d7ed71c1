from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi import FastAPI, UploadFile
from sqlalchemy.exc import IntegrityError

from expotv.config import Settings
from expotv.context import context_of
from expotv.db import session_scope, utcnow
from expotv.items import service as items
from expotv.items.kinds import KINDS
from expotv.items.scope import Scope
from expotv.users.models import Role, User
from tests.integration.items.helpers import World, png_bytes, stored_files


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.names.code)
async def test_a_failing_insert_after_the_media_was_stored_leaves_no_file(
    app: FastAPI, world: World, settings: Settings, kind: Any
) -> None:
    before = stored_files(settings)
    # A creator that does not exist: the insert breaks its foreign key, after
    # the upload was already stored.
    ghost = User(id=2_000_000_000, name="Fantasma", role=Role.ADMIN)
    data = kind.create_schema.model_validate(
        {"nome": "Órfão", "mensagem": "m", "condominios_ids": [world.condo_a.id]}
    )
    upload = UploadFile(io.BytesIO(png_bytes()), filename="a.png")

    with pytest.raises(IntegrityError):
        async with session_scope(context_of(app).sessionmaker) as session:
            await items.create(
                session,
                kind,
                data,
                upload=upload,
                context=items.WriteContext(
                    scope=Scope(user=ghost, condominium_ids=None, signer_ids=None),
                    storage=context_of(app).storage,
                    settings=settings,
                    now=utcnow(),
                ),
            )

    assert stored_files(settings) == before
