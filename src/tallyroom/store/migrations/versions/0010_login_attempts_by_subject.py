"""Failed logins counted by what they tried from or for: an address (an IPv6 network) or an account.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM login_attempts"))  # a few minutes' tries: counted afresh
    op.drop_index("login_attempts_by_address", table_name="login_attempts")
    with op.batch_alter_table("login_attempts") as batch:
        batch.alter_column("address", new_column_name="subject", existing_type=sa.String(length=100))
    op.create_index("login_attempts_by_subject", "login_attempts", ["subject", "at"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM login_attempts"))
    op.drop_index("login_attempts_by_subject", table_name="login_attempts")
    with op.batch_alter_table("login_attempts") as batch:
        batch.alter_column("subject", new_column_name="address", existing_type=sa.String(length=100))
    op.create_index("login_attempts_by_address", "login_attempts", ["address", "at"])
