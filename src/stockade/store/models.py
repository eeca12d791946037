"""Tables of the control plane. Every change to them goes through an Alembic migration
(store/migrations/versions/); tests/store/migrations checks the two agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

SERVICES = ("proxied", "hosted")
SECURITY_LEVELS = ("normal", "under_attack")
ACTIONS = ("block", "path_block", "geo_block", "interstitial")
BASES = ("legal", "policy", "emergency")
STATUSES = (451, 403)
ROLES = ("admin", "operator", "viewer", "edge")
ALERT_SCOPES = ("zone", "target")
# What became of an alert's webhook post: none configured, not yet sent, sent, failed.
DELIVERIES = ("none", "pending", "delivered", "failed")
# What a zone's sample_types column holds for the default media types (migration 0005).
SAMPLE_TYPES_JSON = '["text/html", "application/json"]'


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL: plain JSON there has no equality, so no default could be compared.
_COMPARABLE_JSON = JSON().with_variant(JSONB(), "postgresql")


def _in(column: str, values: tuple[object, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Base(DeclarativeBase):
    # Named constraints, so migrations can alter them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime}


class PolicyRevision(Base):
    """One row: the revision of the policy, bumped in the transaction of every change."""

    __tablename__ = "policy_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime]


class ZoneRecord(Base):
    __tablename__ = "zones"
    __table_args__ = (
        CheckConstraint(_in("service", SERVICES), name="service"),
        CheckConstraint(_in("security_level", SECURITY_LEVELS), name="security_level"),
        CheckConstraint("challenge_difficulty BETWEEN 1 AND 32", name="challenge_difficulty"),
        CheckConstraint("clearance_ttl BETWEEN 60 AND 2592000", name="clearance_ttl"),
        CheckConstraint("sample_rate BETWEEN 0 AND 1", name="sample_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    service: Mapped[str] = mapped_column(String(16))
    origins: Mapped[list[str]] = mapped_column(JSON)
    customer_contact: Mapped[str | None] = mapped_column(String(320))
    abuse_contact: Mapped[str | None] = mapped_column(String(320))
    # The edge's proof-of-work challenge (stockade.policy.Zone has the same defaults).
    security_level: Mapped[str] = mapped_column(String(16), server_default="normal")
    challenge_difficulty: Mapped[int] = mapped_column(Integer, server_default="16")
    clearance_ttl: Mapped[int] = mapped_column(Integer, server_default="3600")
    # Content sampling for watch (stockade.policy.Zone has the same defaults).
    sample_rate: Mapped[float] = mapped_column(Float, server_default="0")
    sample_types: Mapped[list[str]] = mapped_column(
        _COMPARABLE_JSON, server_default=SAMPLE_TYPES_JSON
    )
    # access_rules, firewall_rules and rate_limits as the policy structs encode them;
    # {} for none (stockade.desk.zones.set_zone_rules checks them).
    security_rules: Mapped[dict[str, Any]] = mapped_column(
        _COMPARABLE_JSON, default=dict, server_default="{}"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved forward by the database on every insert or update of the row (triggers of
    # migration 0006), never written here: a snapshot builder reads again only the zones
    # whose version it has not seen.
    version: Mapped[int] = mapped_column(
        Integer, server_default="0", server_onupdate=FetchedValue(), index=True
    )

    hostnames: Mapped[list[HostnameRecord]] = relationship(
        back_populates="zone",
        order_by="HostnameRecord.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    enforcements: Mapped[list[EnforcementRecord]] = relationship(
        back_populates="zone",
        order_by="EnforcementRecord.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class HostnameRecord(Base):
    """A hostname is the primary key: the database itself keeps it in one zone only."""

    __tablename__ = "zone_hostnames"

    hostname: Mapped[str] = mapped_column(String(253), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]

    zone: Mapped[ZoneRecord] = relationship(back_populates="hostnames")


class NoticeRecord(Base):
    """A public notice. It keeps the zone's name and hostnames as they were when it was
    published, so it still says what was blocked after the zone is gone."""

    __tablename__ = "notices"
    __table_args__ = (CheckConstraint(_in("basis", BASES), name="basis"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(16))
    zone_name: Mapped[str] = mapped_column(String(63))
    hostnames: Mapped[list[str]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnforcementRecord(Base):
    __tablename__ = "enforcements"
    __table_args__ = (
        CheckConstraint(_in("action", ACTIONS), name="action"),
        CheckConstraint(_in("basis", BASES), name="basis"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        # Exactly one of a hosted notice and an external notice URL.
        CheckConstraint("(notice_id IS NULL) <> (notice_url IS NULL)", name="one_notice"),
        Index("ix_enforcements_active", "zone_id", "lifted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    paths: Mapped[list[str]] = mapped_column(JSON)
    countries: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    notice_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(100))

    zone: Mapped[ZoneRecord] = relationship(back_populates="enforcements")
    notice: Mapped[NoticeRecord | None] = relationship()

    @classmethod
    def active_at(cls, when: datetime) -> ColumnElement[bool]:
        """In force at `when`, or due to start later: not lifted and not ended."""
        return and_(cls.lifted_at.is_(None), or_(cls.ends_at.is_(None), cls.ends_at > when))

    def is_active(self, when: datetime) -> bool:
        return self.lifted_at is None and (self.ends_at is None or self.ends_at > when)


class ApiTokenRecord(Base):
    """Only the SHA-256 of a token is kept; the token itself is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class EdgeRecord(Base):
    """An edge as last seen on the feed: the revision it had applied when it polled."""

    __tablename__ = "edges"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class WatchItemRecord(Base):
    """A post a platform pushed (POST /v1/watch/items), with what the analysers found.
    A platform's item id is unique within its zone: pushing it again changes nothing."""

    __tablename__ = "watch_items"
    __table_args__ = (UniqueConstraint("zone_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    author: Mapped[str | None] = mapped_column(String(200))
    posted_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    labels: Mapped[list[str]] = mapped_column(JSON)
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    spans: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    zone: Mapped[ZoneRecord] = relationship()


class SignalEventRecord(Base):
    """One signal an item raised: its kind, the target it names (clustered), its author."""

    __tablename__ = "signal_events"
    __table_args__ = (Index("ix_signal_events_time", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    item_ref: Mapped[int] = mapped_column(
        ForeignKey("watch_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    target_mention: Mapped[str | None] = mapped_column(String(200))
    target_key: Mapped[str | None] = mapped_column(String(200))
    target_label: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    posted_at: Mapped[datetime]

    item: Mapped[WatchItemRecord] = relationship()


class AlertRecord(Base):
    """A surge, with its evidence. It keeps the zone's name, not a link to the zone, so
    it stays on the record after the zone is gone. One alert per series and hour."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_in("scope", ALERT_SCOPES), name="scope"),
        CheckConstraint(_in("delivery", DELIVERIES), name="delivery"),
        UniqueConstraint("zone_name", "scope", "series", "hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_name: Mapped[str] = mapped_column(String(63))
    scope: Mapped[str] = mapped_column(String(16))
    series: Mapped[str] = mapped_column(String(200))  # the zone's name, or the target key
    target: Mapped[str | None] = mapped_column(String(200))  # the target as people read it
    hour: Mapped[datetime]
    window_hours: Mapped[int] = mapped_column(Integer)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    authors: Mapped[int] = mapped_column(Integer)
    baseline_per_day: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    sentence: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivery: Mapped[str] = mapped_column(String(16))
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
