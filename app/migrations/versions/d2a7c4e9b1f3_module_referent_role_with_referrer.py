"""module: the role the participant's referent takes in individual sessions, and whether the
referring social worker joins them (issue 14, item 5)

Revision ID: d2a7c4e9b1f3
Revises: e4a7c2b9d1f3
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2a7c4e9b1f3'
down_revision = 'e4a7c2b9d1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        # existing modules keep their behaviour: the referent coach leads individual sessions
        # ("" = nobody bound)
        batch_op.add_column(
            sa.Column('referent_role', sa.String(length=32), server_default='coach', nullable=False)
        )
        batch_op.add_column(
            sa.Column('with_referrer', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_column('with_referrer')
        batch_op.drop_column('referent_role')
