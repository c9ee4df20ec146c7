"""The support console at national scale: trigram indexes for its searches (PostgreSQL only) and (filter, time,
id) indexes so that every page of its lists is one index range scan.

Revision ID: b6c7d8e9f0a1
Revises: a5b6c7d8e9f0
Create Date: 2026-12-02 06:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b6c7d8e9f0a1'
down_revision = 'a5b6c7d8e9f0'
branch_labels = None
depends_on = None

#: (table, index, old columns, new columns): single-column indexes that become (filter, time, id).
WIDENED = [
    ('audit_records', 'ix_audit_records_subject', ['subject_type', 'subject_key'],
     ['subject_type', 'subject_key', 'at', 'id']),
    ('audit_records', 'ix_audit_records_at', ['at'], ['at', 'id']),
    ('audit_records', 'ix_audit_records_actor_id', ['actor_id'], ['actor_id', 'at', 'id']),
    ('audit_records', 'ix_audit_records_subject_id', ['subject_id'], ['subject_id', 'at', 'id']),
    ('stations', 'ix_stations_installer_id', ['installer_id'], ['installer_id', 'commissioned_at', 'id']),
]
ADDED = [
    ('audit_records', 'ix_audit_records_action', ['action', 'at', 'id']),
    # (installer_id alone was already replaced by My stations' (installer_id, status, updated_at, id).)
    ('commissionings', 'ix_commissionings_installer_started', ['installer_id', 'started_at', 'id']),
    ('stations', 'ix_stations_created_at_id', ['created_at', 'id']),
    ('mail_outbox', 'ix_mail_outbox_status_created_at', ['status', 'created_at', 'id']),
    ('mail_outbox', 'ix_mail_outbox_status_sent_at', ['status', 'sent_at', 'id']),
]
#: The searches' expressions, exactly as the queries write them (the planner matches them literally).
TRIGRAMS = {
    'ix_users_email_trgm': ('users', 'lower(email)'),
    'ix_users_full_name_trgm': ('users', "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))"),
    'ix_users_phone_trgm': ('users', 'phone'),
    'ix_stations_serial_trgm': ('stations', 'lower(serial)'),
}


def upgrade():
    for table, name, _old, new in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, new)
    for table, name, columns in ADDED:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, (table, expression) in TRIGRAMS.items():
            op.execute(f'CREATE INDEX {name} ON {table} USING gin (({expression}) gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in TRIGRAMS:
            op.execute(f'DROP INDEX {name}')
    for table, name, _columns in ADDED:
        op.drop_index(name, table_name=table)
    for table, name, old, _new in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, old)
