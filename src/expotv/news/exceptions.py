from __future__ import annotations

from expotv.errors import Conflict, Invalid, NotFound


class NewsFeedNotFound(NotFound, code="news_feed_not_found"):
    detail = "fonte de notícias não encontrada"


class NewsFeedExists(Conflict, code="news_feed_exists"):
    detail = "já existe uma fonte de notícias com esta URL"


class NewsItemNotFound(
    NotFound, code="news_not_found", detail="notícia não encontrada"
):
    pass


class InvalidFeedUrl(Invalid, code="invalid_feed_url", field="url"):
    detail = "URL de feed inválida"


class ExpiryInPast(Invalid, code="expiry_in_past", field="data_expiracao"):
    detail = "data_expiracao deve estar no futuro"
