"""The clinic's record tables (SQLAlchemy Core). Alembic migrations in migrations/versions/
create and change them; a change here needs a new migration (see actions/records/schema.py).

* screens        - one finished screen: the clinician's summary (JSON) plus the columns the
                   clinic filters and exports on (triage, time, knowledge-base version).
* screen_items   - the summary's red flags, findings and strength rules, one row each with
                   its rule id, so the clinic can ask "which screens fired pelvic_drop?".
* contact_requests - a runner asked the clinic to contact them: name, email and/or phone,
                   preferred times; linked to their latest screen when there is one.
"""

from __future__ import annotations

import sqlalchemy as sa

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)

ITEM_KINDS = ("red_flag", "finding", "strength")

screens = sa.Table(
    "screens", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("triage", sa.String(32), nullable=False, index=True),
    sa.Column("strong_recommendation", sa.Boolean(name="strong_recommendation_bool"), nullable=False),
    sa.Column("kb_version", sa.String(64)),
    sa.Column("summary", sa.JSON, nullable=False),
)

screen_items = sa.Table(
    "screen_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("screen_id", sa.Integer, sa.ForeignKey("screens.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("item_id", sa.String(64), nullable=False, index=True),
    sa.Column("rule_id", sa.String(128)),
    sa.CheckConstraint("kind IN ('red_flag', 'finding', 'strength')", name="kind"),
)

contact_requests = sa.Table(
    "contact_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("screen_id", sa.Integer, sa.ForeignKey("screens.id", ondelete="SET NULL"), index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("phone", sa.String(32)),
    sa.Column("preferred_times", sa.String(500), nullable=False),
    sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
)
