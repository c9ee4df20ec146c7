"""Security: login throttles per account and address, deactivated accounts, the staff member's IP on audit
records, two new staff actions, and audit records append-only in PostgreSQL itself.

Revision ID: a4b5c6d7e8f9
Revises: f2a3b4c5d6e7
Create Date: 2026-12-02 05:00:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4b5c6d7e8f9'
down_revision = 'f2a3b4c5d6e7'
branch_labels = None
depends_on = None

ACTIONS = ('resend_confirmation', 'reissue_invitation', 'revoke_invitation', 'revoke_certificate', 'revoke_installer',
           'restore_installer', 'decommission_station', 'transfer_station')
NEW_ACTIONS = ('deactivate_account', 'reactivate_account')


def _in(values):
    return f"action IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    with warnings.catch_warnings():
        # SQLite batch mode reflects users (other tables refer to it), whose expression index it cannot read.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _upgrade()


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _downgrade()


def _upgrade():
    op.create_table('login_throttles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_throttles_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttles')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_login_throttles_key_hash')))
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_user_id'), ['user_id'], unique=False)
    op.add_column('users', sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip', sa.String(length=45), nullable=True))
        batch_op.drop_constraint(op.f('ck_audit_records_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_records_action'), _in(ACTIONS + NEW_ACTIONS))
    if op.get_bind().dialect.name == 'postgresql':
        # Append-only in the database itself, not only in the ORM: raw SQL cannot change or remove a record
        # either. (Only a superuser can switch triggers off, with session_replication_role; the tests do.)
        op.execute("""
            CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit records are never changed or deleted';
            END $$""")
        op.execute("CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
                   "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()")
        op.execute("CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()")


def _downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_records_no_truncate ON audit_records")
        op.execute("DROP TRIGGER audit_records_append_only ON audit_records")
        op.execute("DROP FUNCTION audit_records_append_only()")
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_records_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_records_action'), _in(ACTIONS))
        batch_op.drop_column('ip')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and not bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'uq_users_email_lower'").first():
        op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)  # the rebuild lost it
    op.drop_table('login_throttles')
