"""Commissioning: drafts, records, photos and reports; a station's installer; a PDF attachment per mail.

Revision ID: d4e5f6a7b8c9
Revises: c35a09ccf221
Create Date: 2026-11-21 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c35a09ccf221'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('installer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('commissioned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_stations_installer_id'), ['installer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stations_installer_id_users'), 'users', ['installer_id'], ['id'])

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('attachment', sa.LargeBinary(), nullable=True))

    op.create_table('commissionings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('installer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('site_name', sa.String(length=120), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('accuracy_m', sa.Integer(), nullable=True),
    sa.Column('floor', sa.String(length=40), nullable=True),
    sa.Column('parking_bay', sa.String(length=40), nullable=True),
    sa.Column('location_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breaker_a', sa.Integer(), nullable=True),
    sa.Column('max_current_a', sa.Integer(), nullable=True),
    sa.Column('phases', sa.Integer(), nullable=True),
    sa.Column('earthing', sa.String(length=10), nullable=True),
    sa.Column('rcd_type', sa.String(length=20), nullable=True),
    sa.Column('network', sa.String(length=20), nullable=True),
    sa.Column('access', sa.String(length=20), nullable=True),
    sa.Column('installation_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('certificate_number', sa.String(length=20), nullable=True),
    sa.Column('certificate_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['installer_id'], ['users.id'], name=op.f('fk_commissionings_installer_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_commissionings_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commissionings'))
    )
    with op.batch_alter_table('commissionings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commissionings_installer_id'), ['installer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commissionings_station_id'), ['station_id'], unique=False)
        batch_op.create_index('uq_commissionings_draft', ['station_id', 'installer_id'], unique=True,
                              sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))

    op.create_table('commissioning_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commissioning_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commissioning_id'], ['commissionings.id'],
                            name=op.f('fk_commissioning_photos_commissioning_id_commissionings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commissioning_photos'))
    )
    with op.batch_alter_table('commissioning_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commissioning_photos_commissioning_id'), ['commissioning_id'], unique=False)

    op.create_table('commissioning_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commissioning_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commissioning_id'], ['commissionings.id'],
                            name=op.f('fk_commissioning_reports_commissioning_id_commissionings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commissioning_reports')),
    sa.UniqueConstraint('commissioning_id', name=op.f('uq_commissioning_reports_commissioning_id'))
    )


def downgrade():
    op.drop_table('commissioning_reports')
    with op.batch_alter_table('commissioning_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commissioning_photos_commissioning_id'))
    op.drop_table('commissioning_photos')
    with op.batch_alter_table('commissionings', schema=None) as batch_op:
        batch_op.drop_index('uq_commissionings_draft')
        batch_op.drop_index(batch_op.f('ix_commissionings_station_id'))
        batch_op.drop_index(batch_op.f('ix_commissionings_installer_id'))
    op.drop_table('commissionings')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_name')
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stations_installer_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stations_installer_id'))
        batch_op.drop_column('commissioned_at')
        batch_op.drop_column('installer_id')
