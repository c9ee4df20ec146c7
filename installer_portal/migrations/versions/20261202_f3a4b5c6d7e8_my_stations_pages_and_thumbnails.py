""""My stations" a page at a time, each a range scan of an index on the installer's rows; small thumbnails
for the wizard's photo lists.

Revision ID: f3a4b5c6d7e8
Revises: e0f1a2b3c4d5
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a4b5c6d7e8'
down_revision = 'e0f1a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX and ADD COLUMN on both databases: no SQLite table rebuild, so the partial
    # indexes stay as they are. The two new indexes start with installer_id, so its own index is redundant.
    op.create_index('ix_commissionings_installer_status', 'commissionings',
                    ['installer_id', 'status', 'updated_at', 'id'])
    op.create_index('ix_commissionings_installer_updated', 'commissionings', ['installer_id', 'updated_at', 'id'])
    op.drop_index('ix_commissionings_installer_id', table_name='commissionings')
    # Older photos get theirs on first showing.
    op.add_column('commissioning_photos', sa.Column('thumbnail', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('commissioning_photos', schema=None) as batch_op:
        batch_op.drop_column('thumbnail')
    op.create_index('ix_commissionings_installer_id', 'commissionings', ['installer_id'])
    op.drop_index('ix_commissionings_installer_updated', table_name='commissionings')
    op.drop_index('ix_commissionings_installer_status', table_name='commissionings')
