"""The clean-up jobs the scheduler runs: expired logins and orphaned media."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select

from expotv.auth.models import AuthSession, RefreshToken
from expotv.content import MediaKind
from expotv.context import context_of
from expotv.db import utcnow
from expotv.scheduler import build_jobs
from expotv.storage import keys
from expotv.users.models import Role
from tests.support import Factory


async def test_cache_cleanup_purges_ended_login_sessions(
    app: FastAPI, factory: Factory, clean: None
) -> None:
    user = await factory.user(Role.MANAGER)
    now = utcnow()
    async with factory.sessionmaker() as session:
        session.add_all(
            [
                AuthSession(
                    id="a" * 32, user_id=user.id, expires_at=now - timedelta(1)
                ),
                AuthSession(
                    id="b" * 32, user_id=user.id, expires_at=now + timedelta(1)
                ),
                RefreshToken(
                    jti="c" * 32, session_id="b" * 32, expires_at=now - timedelta(1)
                ),
            ]
        )
        await session.commit()
    jobs = build_jobs(context_of(app).job_parts())
    job = {job.name: job for job in jobs}["cache-cleanup"]

    result = await job.run(now)

    assert result["logins"] >= 2  # type: ignore[index]
    async with factory.sessionmaker() as session:
        sessions = await session.scalars(select(AuthSession.id))
        assert list(sessions) == ["b" * 32]
        assert await session.scalar(select(func.count()).select_from(RefreshToken)) == 0


async def test_media_orphan_job_deletes_unreferenced_objects(
    app: FastAPI, clean: None, tmp_path: Path
) -> None:
    long_ago = utcnow() - timedelta(days=2)
    orphan = keys.media_key(MediaKind.IMAGE, "png", long_ago)
    source = tmp_path / "x.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n")
    await context_of(app).storage.put_file(orphan, source, "image/png")
    jobs = build_jobs(context_of(app).job_parts())
    job = {job.name: job for job in jobs}["media-orphans"]

    await job.run(utcnow() + timedelta(days=2))

    assert not await context_of(app).storage.exists(orphan)
