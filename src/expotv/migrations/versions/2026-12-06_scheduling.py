"""scheduling: start dates, weekly windows, TV targets, emergencies, time zones

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 14:00:00

Every new column is empty or false on existing rows, which is exactly "as before":
no start (plays now), no windows (always), no TV targets (every TV of its
condomínios), not an emergency, and the condomínio's zone follows EXPOTV_TIMEZONE.
Each content-item kind gets the same columns and its ``{table}_tv`` table.

Columns are added and dropped in place (``ALTER TABLE``), never by Alembic's batch
"copy and move" on SQLite: dropping the old ``notice`` table with foreign keys on
would cascade into ``notice_condominium`` and silently untarget every aviso. So the
default is a plain string (an expression would make Alembic recreate the table),
and SQLite drops columns itself (3.35+).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import expotv.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_TABLES = ("ad", "notice")


def upgrade() -> None:
    op.add_column("condominium", sa.Column("timezone", sa.String(64), nullable=True))
    for table in ITEM_TABLES:
        op.add_column(
            table, sa.Column("starts_at", expotv.db.UTCDateTime(), nullable=True)
        )
        op.add_column(table, sa.Column("windows", sa.Text(), nullable=True))
        _tv_table(table)
    op.add_column(
        "notice",
        sa.Column("is_emergency", sa.Boolean(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    _drop_columns("notice", "is_emergency")
    for table in reversed(ITEM_TABLES):
        op.drop_table(f"{table}_tv")
        _drop_columns(table, "windows", "starts_at")
    _drop_columns("condominium", "timezone")


def _drop_columns(table: str, *columns: str) -> None:
    for column in columns:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        else:
            op.drop_column(table, column)


def _tv_table(owner: str) -> None:
    """``{owner}_tv``: the key and cascading foreign keys (``db.association_table``)."""
    table = f"{owner}_tv"
    key = (f"{owner}_id", "tv_id")
    op.create_table(
        table,
        *(sa.Column(column, sa.Integer(), nullable=False) for column in key),
        sa.ForeignKeyConstraint(
            [f"{owner}_id"],
            [f"{owner}.id"],
            name=op.f(f"fk_{table}_{owner}_id_{owner}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tv_id"],
            ["tv.id"],
            name=op.f(f"fk_{table}_tv_id_tv"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_tv_id"), ["tv_id"], unique=False)
