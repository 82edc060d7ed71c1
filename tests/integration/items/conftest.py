from __future__ import annotations

from tests.integration.items.helpers import kind, world

__all__ = ["kind", "world"]
