"""module: staff who may lead it, their qualification, spacing and once-per-person rhythms;
programme: days with activities a week;
staff qualifications (issue 14, items 4-5)

Revision ID: b7c41e9d3a20
Revises: f9beea7840a6
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41e9d3a20'
down_revision = 'f9beea7840a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('lead_staff_ids', sa.JSON(), server_default='[]', nullable=False)
        )
        batch_op.add_column(sa.Column('lead_qualification', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('min_days_between', sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column('once_per_person', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_module_min_days_between_not_negative'),
            'min_days_between IS NULL OR min_days_between >= 0',
        )
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('qualifications', sa.JSON(), server_default='[]', nullable=False)
        )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_active_days', sa.SmallInteger(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_programme_min_active_days_range'),
            'min_active_days IS NULL OR (min_active_days >= 1 AND min_active_days <= 7)',
        )


def downgrade():
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_min_active_days_range'), type_='check')
        batch_op.drop_column('min_active_days')
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_column('qualifications')
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_module_min_days_between_not_negative'), type_='check')
        batch_op.drop_column('once_per_person')
        batch_op.drop_column('min_days_between')
        batch_op.drop_column('lead_qualification')
        batch_op.drop_column('lead_staff_ids')
