"""The stages of STV counts as read out at the count, logged as they are announced.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_out_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_date", sa.Date(), nullable=False),
        sa.Column("council_code", sa.String(length=12), nullable=False),
        sa.Column("council_name", sa.Text(), nullable=False),
        sa.Column("ward_code", sa.String(length=12), nullable=False),
        sa.Column("ward_name", sa.Text(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("totals", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("election_date", "council_code", "ward_code", "stage", "revision"),
    )
    op.create_index("ix_read_out_stages_source_id", "read_out_stages", ["source_id"])


def downgrade() -> None:
    op.drop_table("read_out_stages")
