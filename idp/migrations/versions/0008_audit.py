"""The audit log (idp.audit).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=150), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "actor", "action", "target"):
        op.create_index(f"ix_audit_records_{column}", "audit_records", [column])


def downgrade():
    for column in ("at", "actor", "action", "target"):
        op.drop_index(f"ix_audit_records_{column}", table_name="audit_records")
    op.drop_table("audit_records")
