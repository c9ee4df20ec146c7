"""Label sheets are asked for as a saved batch that a job worker renders, not a PDF made in the request.

Revision ID: a5b6c7d8e9f0
Revises: f3a4b5c6d7e8
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a5b6c7d8e9f0'
down_revision = 'f3a4b5c6d7e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'label_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('station_ids', sa.JSON(), nullable=False),
        sa.Column('paper', sa.String(length=10), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_label_batches_requested_by_id_users')),
        sa.CheckConstraint("status IN ('queued', 'rendering', 'ready', 'failed')",
                           name=op.f('ck_label_batches_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_label_batches')),
    )
    op.create_index(op.f('ix_label_batches_requested_by_id'), 'label_batches', ['requested_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_label_batches_requested_by_id'), table_name='label_batches')
    op.drop_table('label_batches')
