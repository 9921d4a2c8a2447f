"""Merge the dated-planning and notices branches of the schema.

Revision ID: b7e1c0a9d302
Revises: a14d7e5c2b01, dddd1f25c1aa
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "b7e1c0a9d302"
down_revision = ("a14d7e5c2b01", "dddd1f25c1aa")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
