"""single sign-on: pending OpenID Connect logins, linked provider accounts, SSO sessions

Revision ID: 0003_oidc
Revises: 0002
Create Date: 2026-11-28 11:08:23.739512
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003_oidc'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oidc_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('code_verifier', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('next_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_login')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_oidc_login_state_hash'))
    )
    with op.batch_alter_table('oidc_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_login_expires_at'), ['expires_at'], unique=False)

    op.create_table('oidc_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], name=op.f('fk_oidc_identity_official_id_official')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_oidc_identity_issuer_subject'))
    )
    with op.batch_alter_table('oidc_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_identity_official_id'), ['official_id'], unique=False)

    op.create_table('oidc_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auth_session_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('provider_sid', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('id_token', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['auth_session_id'], ['auth_session.id'],
                            name=op.f('fk_oidc_session_auth_session_id_auth_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_session'))
    )
    with op.batch_alter_table('oidc_session', schema=None) as batch_op:
        batch_op.create_index('ix_oidc_session_auth_session_id', ['auth_session_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('oidc_session', schema=None) as batch_op:
        batch_op.drop_index('ix_oidc_session_auth_session_id')

    op.drop_table('oidc_session')
    with op.batch_alter_table('oidc_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_identity_official_id'))

    op.drop_table('oidc_identity')
    with op.batch_alter_table('oidc_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_login_expires_at'))

    op.drop_table('oidc_login')
