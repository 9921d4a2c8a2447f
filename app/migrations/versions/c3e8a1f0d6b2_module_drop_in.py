"""module: drop-in sessions, attended by choice, at least once every N weeks (issue 14, item 3)

Revision ID: c3e8a1f0d6b2
Revises: b7c41e9d3a20
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e8a1f0d6b2'
down_revision = 'b7c41e9d3a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('drop_in', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('drop_in_every_weeks', sa.SmallInteger(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_module_drop_in_every_weeks_positive'),
            'drop_in_every_weeks IS NULL OR drop_in_every_weeks >= 1',
        )


def downgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_module_drop_in_every_weeks_positive'), type_='check')
        batch_op.drop_column('drop_in_every_weeks')
        batch_op.drop_column('drop_in')
