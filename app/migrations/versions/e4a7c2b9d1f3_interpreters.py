"""interpreter, its availability and days off; session_interpreter: the interpreter a
published session booked; draft_session.interpreters; module.books_interpreter (issue 14)

Revision ID: e4a7c2b9d1f3
Revises: c5e8a1f0d7b2
Create Date: 2026-12-06 07:25:22.322545

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a7c2b9d1f3'
down_revision = 'c5e8a1f0d7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interpreter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('weekly_hours', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weekly_hours IS NULL OR (weekly_hours > 0 AND weekly_hours <= 60)', name=op.f('ck_interpreter_weekly_hours_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_interpreter_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interpreter'))
    )
    with op.batch_alter_table('interpreter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpreter_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('interpreter_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interpreter_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_interpreter_availability_ends_after_start')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_interpreter_availability_weekday_range')),
    sa.ForeignKeyConstraint(['interpreter_id'], ['interpreter.id'], name=op.f('fk_interpreter_availability_interpreter_id_interpreter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_interpreter_availability_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interpreter_availability'))
    )
    with op.batch_alter_table('interpreter_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpreter_availability_interpreter_id'), ['interpreter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interpreter_availability_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('interpreter_day_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interpreter_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_interpreter_day_off_ends_after_start')),
    sa.ForeignKeyConstraint(['interpreter_id'], ['interpreter.id'], name=op.f('fk_interpreter_day_off_interpreter_id_interpreter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_interpreter_day_off_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interpreter_day_off'))
    )
    with op.batch_alter_table('interpreter_day_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpreter_day_off_interpreter_id'), ['interpreter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interpreter_day_off_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('session_interpreter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('interpreter_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interpreter_id'], ['interpreter.id'], name=op.f('fk_session_interpreter_interpreter_id_interpreter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_session_interpreter_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['planned_session.id'], name=op.f('fk_session_interpreter_session_id_planned_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_interpreter')),
    sa.UniqueConstraint('session_id', 'language', name=op.f('uq_session_interpreter_session_id_language'))
    )
    with op.batch_alter_table('session_interpreter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_interpreter_interpreter_id'), ['interpreter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_interpreter_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_interpreter_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('draft_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interpreters', sa.JSON(), server_default='{}', nullable=False))

    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('books_interpreter', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_column('books_interpreter')

    with op.batch_alter_table('draft_session', schema=None) as batch_op:
        batch_op.drop_column('interpreters')

    with op.batch_alter_table('session_interpreter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_interpreter_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_interpreter_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_session_interpreter_interpreter_id'))

    op.drop_table('session_interpreter')
    with op.batch_alter_table('interpreter_day_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpreter_day_off_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_interpreter_day_off_interpreter_id'))

    op.drop_table('interpreter_day_off')
    with op.batch_alter_table('interpreter_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpreter_availability_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_interpreter_availability_interpreter_id'))

    op.drop_table('interpreter_availability')
    with op.batch_alter_table('interpreter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpreter_organisation_id'))

    op.drop_table('interpreter')
