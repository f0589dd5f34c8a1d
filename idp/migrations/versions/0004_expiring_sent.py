"""Personal access tokens remember when credential.expiring was sent for them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("personal_access_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expiring_sent_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("personal_access_tokens", schema=None) as batch_op:
        batch_op.drop_column("expiring_sent_at")
