"""The log read in order: every row of a delivery found by its source, so a night can take in what the
log gained since the position it last read.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.create_index(batch_op.f("ix_declarations_source_id"), ["source_id"], unique=False)
    with op.batch_alter_table("council_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_council_records_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("council_records") as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_records_source_id"))
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.drop_index(batch_op.f("ix_declarations_source_id"))
