"""tasks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 11:08:07.015547
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['official.id'], name=op.f('fk_directive_created_by_id_official')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_directive_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directive'))
    )
    with op.batch_alter_table('directive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directive_unit_id'), ['unit_id'], unique=False)

    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=False),
    sa.Column('directive_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('assigner_id', sa.Integer(), nullable=False),
    sa.Column('assigner_unit_id', sa.Integer(), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title_folded', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigner_id'], ['official.id'], name=op.f('fk_task_assigner_id_official')),
    sa.ForeignKeyConstraint(['assigner_unit_id'], ['unit.id'], name=op.f('fk_task_assigner_unit_id_unit')),
    sa.ForeignKeyConstraint(['directive_id'], ['directive.id'], name=op.f('fk_task_directive_id_directive')),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['unit.id'], name=op.f('fk_task_lead_unit_id_unit')),
    sa.ForeignKeyConstraint(['owner_id'], ['official.id'], name=op.f('fk_task_owner_id_official')),
    sa.ForeignKeyConstraint(['parent_id'], ['task.id'], name=op.f('fk_task_parent_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_assigner_id_state_deadline', ['assigner_id', 'state', 'deadline'], unique=False)
        batch_op.create_index('ix_task_assigner_unit_id_state', ['assigner_unit_id', 'state'], unique=False)
        batch_op.create_index('ix_task_directive_id', ['directive_id'], unique=False)
        batch_op.create_index('ix_task_lead_unit_id_state', ['lead_unit_id', 'state'], unique=False)
        batch_op.create_index('ix_task_owner_id_state_deadline', ['owner_id', 'state', 'deadline'], unique=False)
        batch_op.create_index('ix_task_parent_id', ['parent_id'], unique=False)

    op.create_table('deadline_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('old_deadline', sa.Date(), nullable=True),
    sa.Column('new_deadline', sa.Date(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['official.id'], name=op.f('fk_deadline_change_changed_by_id_official')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_deadline_change_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_change'))
    )
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_change_task_id', ['task_id'], unique=False)

    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('decider_id', sa.Integer(), nullable=False),
    sa.Column('old_deadline', sa.Date(), nullable=True),
    sa.Column('proposed_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decider_id'], ['official.id'], name=op.f('fk_extension_request_decider_id_official')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['official.id'], name=op.f('fk_extension_request_requested_by_id_official')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_extension_request_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_request'))
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index('ix_extension_request_decider_id_status', ['decider_id', 'status'], unique=False)
        batch_op.create_index('ix_extension_request_task_id', ['task_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('params', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['official.id'], name=op.f('fk_notification_actor_id_official')),
    sa.ForeignKeyConstraint(['recipient_id'], ['official.id'], name=op.f('fk_notification_recipient_id_official')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_notification_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_recipient_id_read_at_id', ['recipient_id', 'read_at', 'id'], unique=False)

    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['official.id'], name=op.f('fk_progress_report_author_id_official')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_progress_report_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report'))
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index('ix_progress_report_task_id_at', ['task_id', 'at'], unique=False)

    op.create_table('task_coordinator',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_coordinator_task_id_task')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_coordinator_unit_id_unit')),
    sa.PrimaryKeyConstraint('task_id', 'unit_id', name=op.f('pk_task_coordinator'))
    )
    with op.batch_alter_table('task_coordinator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_coordinator_unit_id'), ['unit_id'], unique=False)

    # ### end Alembic commands ###




def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('task_coordinator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_coordinator_unit_id'))

    op.drop_table('task_coordinator')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_report_task_id_at')

    op.drop_table('progress_report')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_recipient_id_read_at_id')

    op.drop_table('notification')
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index('ix_extension_request_task_id')
        batch_op.drop_index('ix_extension_request_decider_id_status')

    op.drop_table('extension_request')
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_change_task_id')

    op.drop_table('deadline_change')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_parent_id')
        batch_op.drop_index('ix_task_owner_id_state_deadline')
        batch_op.drop_index('ix_task_lead_unit_id_state')
        batch_op.drop_index('ix_task_directive_id')
        batch_op.drop_index('ix_task_assigner_unit_id_state')
        batch_op.drop_index('ix_task_assigner_id_state_deadline')
    op.drop_table('task')
    with op.batch_alter_table('directive', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directive_unit_id'))

    op.drop_table('directive')
