"""API accounts and API keys remember who made them, to re-check when rights rise.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 03:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("api_accounts", "api_keys")


def upgrade():
    # No foreign key: a deleted maker must not look like the idp command (NULL).
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("made_by_id", sa.Integer(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("made_by_id")
