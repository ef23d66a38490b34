"""knowledge articles' source, validity and tags; training requests from the models page

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hotline.timeutil  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('knowledge_articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('tags', sa.JSON(), server_default='[]', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_knowledge_articles_source_department_id_departments'),
                                    'departments', ['source_department_id'], ['id'])
    op.create_table('training_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', hotline.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=100), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('started_at', hotline.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', hotline.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_training_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_requests'))
    )
    with op.batch_alter_table('training_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_requests_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('training_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_requests_status'))
    op.drop_table('training_requests')
    with op.batch_alter_table('knowledge_articles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_knowledge_articles_source_department_id_departments'),
                                 type_='foreignkey')
        batch_op.drop_column('tags')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('source_department_id')
