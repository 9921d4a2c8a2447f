"""module: the trajectories' evaluation interviews; evaluation: the session it was held in;
user_account: the referring social worker's role (issue 15)

Revision ID: c5e8a1f0d7b2
Revises: c3e8a1f0d6b2
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e8a1f0d7b2'
down_revision = 'c3e8a1f0d6b2'
branch_labels = None
depends_on = None

ROLES = ("admin", "coordinator", "staff", "viewer")


def _roles(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('evaluation', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evaluation_session_id'), ['session_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_session_id_planned_session'),
                                    'planned_session', ['session_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_userrole'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_userrole'), _roles((*ROLES, "referrer")))


def downgrade():
    op.execute("DELETE FROM user_account WHERE role = 'referrer'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_userrole'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_userrole'), _roles(ROLES))
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluation_session_id_planned_session'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evaluation_session_id'))
        batch_op.drop_column('session_id')
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_column('evaluation')
