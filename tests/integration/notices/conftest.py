from __future__ import annotations

import pytest

from expotv.users.models import User
from tests.integration.ads.helpers import World, build_world
from tests.support import Factory


@pytest.fixture
async def world(factory: Factory, admin: User, admin_headers: dict[str, str]) -> World:
    return await build_world(factory, admin, admin_headers)
