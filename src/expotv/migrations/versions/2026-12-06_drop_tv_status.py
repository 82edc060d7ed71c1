"""drop tv.status: a TV's status is computed on read (tvs.presence)

The column was written (online by the heartbeat flush, offline by the monitor) and
never read: every read computes the status from the last ping, pending pings
included. Keeping a copy that lags the rule by up to a minute invites someone to
read it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tv", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tv_status"))
        batch_op.drop_column("status")


def downgrade() -> None:
    with op.batch_alter_table("tv", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "online", "offline", name="tvstatus", native_enum=False, length=8
                ),
                nullable=False,
                # Every TV offline until its next ping (the old heartbeat flush
                # writes "online" within seconds).
                server_default="offline",
            )
        )
        batch_op.create_index(batch_op.f("ix_tv_status"), ["status"], unique=False)
