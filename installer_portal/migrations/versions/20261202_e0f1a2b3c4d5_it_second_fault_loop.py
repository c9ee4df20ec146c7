"""On a 230 V IT supply the commissioning records the loop impedance for a second earth fault, which the
breaker must clear (the first fault is only indicated).

Revision ID: e0f1a2b3c4d5
Revises: d9e0f1a2b3c4
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e0f1a2b3c4d5'
down_revision = 'd9e0f1a2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases: no SQLite table rebuild, so the partial indexes stay as they are.
    op.add_column('commissionings', sa.Column('double_fault_ohm', sa.Numeric(precision=6, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('commissionings', schema=None) as batch_op:
        batch_op.drop_column('double_fault_ohm')
