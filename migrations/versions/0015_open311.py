"""Open311 API keys and settings (issue 14)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import hotline.timeutil  # (custom column types)

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'open311_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=8), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', hotline.timeutil.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', hotline.timeutil.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', hotline.timeutil.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_open311_keys_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash')),
        sa.UniqueConstraint('name', name=op.f('uq_open311_keys_name')),
    )
    op.create_table(
        'open311_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_read', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('updated_at', hotline.timeutil.UTCDateTime(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_open311_settings_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_settings')),
    )
    op.create_table(
        'open311_locations',
        sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('long', sa.Float(), nullable=True),
        sa.Column('media_url', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_open311_locations_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_open311_locations')),
    )
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('open311_key_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_tickets_open311_key_id_open311_keys'), 'open311_keys',
                                 ['open311_key_id'], ['id'])
        batch.create_index('ix_tickets_open311_key_created', ['open311_key_id', 'created_at'])


def downgrade():
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index('ix_tickets_open311_key_created')
        batch.drop_constraint(batch.f('fk_tickets_open311_key_id_open311_keys'), type_='foreignkey')
        batch.drop_column('open311_key_id')
    op.drop_table('open311_locations')
    op.drop_table('open311_settings')
    op.drop_table('open311_keys')
