"""conversation title folded: the conversation list's search runs in the database

Revision ID: 0007_conversation_title_folded
Revises: 0006_task_tally
Create Date: 2026-11-28 16:00:00
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007_conversation_title_folded'
down_revision = '0006_task_tally'
branch_labels = None
depends_on = None

BATCH = 5000
_SPACES = re.compile(r'\s+')


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics (a copy of govhub/services/text.py's ``fold`` at this revision,
    so that a later change to the live code cannot change what this revision does)."""
    text = text.replace('đ', 'd').replace('Đ', 'D')
    decomposed = unicodedata.normalize('NFD', text)
    stripped = ''.join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(' ', stripped.lower()).strip()


def upgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_folded', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=''))
    # Fold the titles already there (direct conversations have none: they are found by the other person's name).
    conn = op.get_bind()
    conversation = sa.table('conversation', sa.column('id', sa.Integer), sa.column('title', sa.String),
                            sa.column('title_folded', sa.String), sa.column('kind', sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(conversation.c.id, conversation.c.title)
                            .where(conversation.c.id > last, conversation.c.kind != 'direct')
                            .order_by(conversation.c.id).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(conversation.update().where(conversation.c.id == sa.bindparam('cid'))
                     .values(title_folded=sa.bindparam('folded')),
                     [{'cid': cid, 'folded': fold(title)[:300]} for cid, title in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('title_folded')
