from sqlalchemy import select

from expotv.auth.policy import quota_lock_statement
from expotv.users.models import Role, User
from tests.support import Factory


async def test_quota_lock_leaves_the_user_row_unchanged(
    factory: Factory, clean: None
) -> None:
    user = await factory.user(Role.MANAGER)
    async with factory.sessionmaker() as session:
        await session.execute(quota_lock_statement(user.id))
        await session.commit()
        stored = await session.scalar(select(User).where(User.id == user.id))
    assert stored is not None
    assert stored.updated_at == user.updated_at
