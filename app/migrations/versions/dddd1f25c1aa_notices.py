"""notices: what each person must be told of a change (or reminded of a day), and when it was

Revision ID: dddd1f25c1aa
Revises: 932469879957
Create Date: 2026-12-06 01:14:20.441391

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dddd1f25c1aa'
down_revision = '932469879957'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('change', sa.Enum('added', 'moved', 'cancelled', 'reminder', name='noticechange', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recipient', sa.String(length=40), nullable=False),
    sa.Column('staff_member_id', sa.Integer(), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('email', 'whatsapp', 'print', name='noticechannel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_notice_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_notice_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_notice_sent_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['planned_session.id'], name=op.f('fk_notice_session_id_planned_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_notice_staff_member_id_staff_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.CheckConstraint('(session_id IS NULL) <> (day IS NULL)', name=op.f('ck_notice_change_or_reminder')),
    sa.UniqueConstraint('organisation_id', 'day', 'recipient', name=op.f('uq_notice_organisation_id_day_recipient')),
    sa.UniqueConstraint('session_id', 'revision', 'recipient', name=op.f('uq_notice_session_id_revision_recipient'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_staff_member_id'), ['staff_member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_staff_member_id'))
        batch_op.drop_index(batch_op.f('ix_notice_session_id'))
        batch_op.drop_index(batch_op.f('ix_notice_sent_at'))
        batch_op.drop_index(batch_op.f('ix_notice_participant_id'))
        batch_op.drop_index(batch_op.f('ix_notice_organisation_id'))

    op.drop_table('notice')
