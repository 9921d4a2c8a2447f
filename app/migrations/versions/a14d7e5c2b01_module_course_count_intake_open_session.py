"""module: a course's total sessions, intake modules and open sessions (issue 14)

Revision ID: a14d7e5c2b01
Revises: 932469879957
Create Date: 2026-12-06 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a14d7e5c2b01'
down_revision = '932469879957'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions_total', sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column('intake', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('open_capacity', sa.SmallInteger(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_module_sessions_total_positive'), 'sessions_total IS NULL OR sessions_total >= 1'
        )
        batch_op.create_check_constraint(
            op.f('ck_module_open_capacity_positive'), 'open_capacity IS NULL OR open_capacity >= 1'
        )


def downgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_module_open_capacity_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_module_sessions_total_positive'), type_='check')
        batch_op.drop_column('open_capacity')
        batch_op.drop_column('intake')
        batch_op.drop_column('sessions_total')
