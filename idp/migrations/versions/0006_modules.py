"""Modules are data: one table that every process reads, instead of IDP_MODULES.

Modules that profiles already carry levels for are declared, so that no level
disappears from introspection before `idp init` applies IDP_MODULES.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 08:20:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        sa.UniqueConstraint("name", name=op.f("uq_modules_name")),
    )
    # Naive UTC, as idp stores every time; not the database's local clock.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.execute(
        sa.text(
            "INSERT INTO modules (name, created_at) "
            "SELECT DISTINCT module, :now FROM module_permissions"
        ).bindparams(now=now)
    )


def downgrade():
    op.drop_table("modules")
