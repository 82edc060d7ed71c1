"""Every domain's models, imported so that Alembic sees one metadata."""

from expotv.ads.models import Ad, ad_condominium
from expotv.auth.models import AuthSession, RefreshToken
from expotv.condominiums.models import Condominium
from expotv.db import Base
from expotv.jobs.models import JobRun
from expotv.news.models import NewsFeed, NewsItem
from expotv.notices.models import Notice, notice_condominium, notice_signer
from expotv.tvs.models import TV
from expotv.users.models import User, viewer_condominium

__all__ = [
    "TV",
    "Ad",
    "AuthSession",
    "Base",
    "Condominium",
    "JobRun",
    "NewsFeed",
    "NewsItem",
    "Notice",
    "RefreshToken",
    "User",
    "ad_condominium",
    "notice_condominium",
    "notice_signer",
    "viewer_condominium",
]
