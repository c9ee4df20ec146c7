"""Commissioning tests: the measurements a commissioning records, IT earthing, the supply voltage and the
breaker's curve; earthing refuses unknown values (CHECK).

Revision ID: c8d9e0f1a2b3
Revises: b7c8d9e0f1a2
Create Date: 2026-12-10 10:00:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8d9e0f1a2b3'
down_revision = 'b7c8d9e0f1a2'
branch_labels = None
depends_on = None

EARTHING = ('TN-S', 'TN-C-S', 'TT', 'IT')


def _columns():
    return [
        sa.Column('supply_v', sa.Integer(), nullable=True),
        sa.Column('breaker_curve', sa.String(length=1), nullable=True),
        sa.Column('continuity_ohm', sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column('insulation_mohm', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('loop_impedance_ohm', sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column('electrode_ohm', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('rcd_trip_ms', sa.Integer(), nullable=True),
        sa.Column('rcd_trip_ma', sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column('dc_6ma_ok', sa.Boolean(), nullable=True),
        sa.Column('phase_rotation_ok', sa.Boolean(), nullable=True),
        sa.Column('insulation_monitor_ok', sa.Boolean(), nullable=True),
        sa.Column('ground_fault_ok', sa.Boolean(), nullable=True),
        sa.Column('instrument', sa.String(length=120), nullable=True),
        sa.Column('tests_saved_at', sa.DateTime(timezone=True), nullable=True),
    ]


def _restore_draft_index():
    """A batch rebuild on SQLite drops the partial index (SQLite cannot reflect its WHERE clause)."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        names = {row[0] for row in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'commissionings'")}
        if 'uq_commissionings_draft' not in names:
            op.create_index('uq_commissionings_draft', 'commissionings', ['station_id', 'installer_id'], unique=True,
                            sqlite_where=sa.text("status = 'draft'"))


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('commissionings', schema=None) as batch_op:
            for column in _columns():
                batch_op.add_column(column)
            batch_op.create_check_constraint(
                op.f('ck_commissionings_earthing'), f"earthing IN ({', '.join(repr(value) for value in EARTHING)})")
        _restore_draft_index()


def downgrade():
    op.execute(sa.text("UPDATE commissionings SET earthing = NULL WHERE earthing = 'IT'"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('commissionings', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_commissionings_earthing'), type_='check')
            for column in reversed(_columns()):
                batch_op.drop_column(column.name)
        _restore_draft_index()
