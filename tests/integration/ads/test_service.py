from __future__ import annotations

import io

import pytest
from fastapi import FastAPI, UploadFile
from sqlalchemy.exc import IntegrityError

from expotv.ads import service as ad_service
from expotv.ads.schemas import AdCreate
from expotv.config import Settings
from expotv.context import context_of
from expotv.db import session_scope, utcnow
from expotv.items.scope import Scope
from expotv.users.models import Role, User
from tests.integration.ads.helpers import World, png_bytes, stored_files


async def test_a_failing_insert_after_the_media_was_stored_leaves_no_file(
    app: FastAPI, world: World, settings: Settings
) -> None:
    before = stored_files(settings)
    # A creator that does not exist: the insert breaks its foreign key, after
    # the upload was already stored.
    ghost = User(id=2_000_000_000, name="Fantasma", role=Role.ADMIN, ad_limit=10)
    data = AdCreate(name="Órfão", condominium_ids=[world.condo_a.id])
    upload = UploadFile(io.BytesIO(png_bytes()), filename="a.png")

    with pytest.raises(IntegrityError):
        async with session_scope(context_of(app).sessionmaker) as session:
            await ad_service.create(
                session,
                data,
                upload=upload,
                scope=Scope(user=ghost, condominium_ids=None, signer_ids=None),
                storage=context_of(app).storage,
                settings=settings,
                now=utcnow(),
            )

    assert stored_files(settings) == before
