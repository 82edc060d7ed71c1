"""Every kind of content item, in one place: shared code loops over ``KINDS``.

The routes (``main``), the expiry job, media conversion and a condomínio's
clean-up all read this tuple, so a new kind is registered here and nowhere else
(see ``items.kind`` for the rest of what a kind is).
"""

from __future__ import annotations

from typing import Any

from expotv.ads.kind import AD
from expotv.items.kind import ContentKind
from expotv.items.models import ContentItem
from expotv.notices.kind import NOTICE

KINDS: tuple[ContentKind[Any, Any, Any, Any], ...] = (AD, NOTICE)
MODELS: tuple[type[ContentItem], ...] = tuple(kind.model for kind in KINDS)
