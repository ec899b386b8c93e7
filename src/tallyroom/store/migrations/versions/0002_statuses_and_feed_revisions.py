"""Declaration statuses on council records, and the revision numbers feeds give their messages.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.add_column(sa.Column("source_revision", sa.Integer(), nullable=True))
    with op.batch_alter_table("council_records") as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="declared")
        )
        batch_op.add_column(sa.Column("source_revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("council_records") as batch_op:
        batch_op.drop_column("source_revision")
        batch_op.drop_column("status")
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.drop_column("source_revision")
