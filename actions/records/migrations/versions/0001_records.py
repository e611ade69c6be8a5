"""The clinic's records: screens, their items, contact requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triage", sa.String(32), nullable=False),
        sa.Column("strong_recommendation", sa.Boolean(name="strong_recommendation_bool"), nullable=False),
        sa.Column("kb_version", sa.String(64)),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screens"),
    )
    op.create_index("ix_screens_sender_id", "screens", ["sender_id"])
    op.create_index("ix_screens_created_at", "screens", ["created_at"])
    op.create_index("ix_screens_triage", "screens", ["triage"])

    op.create_table(
        "screen_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("screen_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(128)),
        sa.PrimaryKeyConstraint("id", name="pk_screen_items"),
        sa.ForeignKeyConstraint(["screen_id"], ["screens.id"], ondelete="CASCADE",
                                name="fk_screen_items_screen_id_screens"),
        sa.CheckConstraint("kind IN ('red_flag', 'finding', 'strength')", name="ck_screen_items_kind"),
    )
    op.create_index("ix_screen_items_screen_id", "screen_items", ["screen_id"])
    op.create_index("ix_screen_items_item_id", "screen_items", ["item_id"])

    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("screen_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(32)),
        sa.Column("preferred_times", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contact_requests"),
        sa.ForeignKeyConstraint(["screen_id"], ["screens.id"], ondelete="SET NULL",
                                name="fk_contact_requests_screen_id_screens"),
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="ck_contact_requests_email_or_phone"),
    )
    op.create_index("ix_contact_requests_sender_id", "contact_requests", ["sender_id"])
    op.create_index("ix_contact_requests_screen_id", "contact_requests", ["screen_id"])
    op.create_index("ix_contact_requests_created_at", "contact_requests", ["created_at"])


def downgrade() -> None:
    op.drop_table("contact_requests")
    op.drop_table("screen_items")
    op.drop_table("screens")
