"""Merge the dated-planning, notices and trajectories branches of the schema.

Revision ID: b7e1c0a9d302
Revises: a14d7e5c2b01, dddd1f25c1aa, b33e2b3de328
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "b7e1c0a9d302"
down_revision = ("a14d7e5c2b01", "dddd1f25c1aa", "b33e2b3de328")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
