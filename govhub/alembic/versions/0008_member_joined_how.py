"""conversation member joined how: a case group records who was placed, invited or joined on their own

Revision ID: 0008_member_joined_how
Revises: 0007_conversation_title_folded
Create Date: 2026-12-06 01:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008_member_joined_how'
down_revision = '0007_conversation_title_folded'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Members already there keep 'task' (placed by the task's group, or by the conversation they opened): the
    # record of how somebody came to a conversation starts with this revision.
    with op.batch_alter_table('conversation_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_how', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='task'))
        batch_op.add_column(sa.Column('added_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_conversation_member_added_by_id_official', 'official', ['added_by_id'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('conversation_member', schema=None) as batch_op:
        batch_op.drop_constraint('fk_conversation_member_added_by_id_official', type_='foreignkey')
        batch_op.drop_column('added_by_id')
        batch_op.drop_column('joined_how')
