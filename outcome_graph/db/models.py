"""SQLAlchemy models: the whole data model of docs/architecture.md §2, one table per concept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Sequence,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from outcome_graph.db.engine import unicode_lower

# Source-system ids can exceed 2**31 (Canvas uses shard-prefixed ids).
Id = BigInteger().with_variant(Integer, "sqlite")
# Results the service records take ids from the database counting up from here; imported (source) ids stay
# below it, so the two never meet (docs/ids-and-locks.md).
SERVICE_ID_BASE = 2**62


class Base(DeclarativeBase):
    pass


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    sis_course_id: Mapped[str | None] = mapped_column(String(255))
    # Bumped by every change of scoring rules; stored rollups of an older version are stale.
    scoring_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Bumped by every write of the course's data; keys caches.
    data_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class MasteryScale(Base):
    """A course-level mastery scale replacing every outcome's points and ratings (docs/behaviour.md §4.2)."""

    __tablename__ = "mastery_scales"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    ratings: Mapped[list] = mapped_column(JSON)  # [{description, points, mastery, color}] points desc
    points_possible: Mapped[float] = mapped_column(Float)
    mastery_points: Mapped[float] = mapped_column(Float)


class CourseCalculationMethod(Base):
    """A course-level calculation method replacing every outcome's method (docs/behaviour.md §4.2)."""

    __tablename__ = "course_calculation_methods"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    calculation_int: Mapped[int | None] = mapped_column(Integer)
    tie_break: Mapped[str | None] = mapped_column(String(16))  # docs/methods.md §2.2
    minimum_evidence: Mapped[int | None] = mapped_column(Integer)  # docs/methods.md §5


class Section(Base):
    __tablename__ = "sections"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))


def _name_key_of_row(context) -> str:
    return unicode_lower(context.get_current_parameters()["sortable_name"])


# Compared byte by byte on both databases: UTF-8 bytes sort as code points (docs/performance.md, "Paging results").
NameKey = Text().with_variant(Text(collation="C"), "postgresql")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    sortable_name: Mapped[str] = mapped_column(String(255), index=True)
    # unicode_lower(sortable_name), the students' sort key, stored so that pages walk an index in name order
    # instead of folding every row's name (docs/performance.md, "Paging results"). Whoever changes sortable_name
    # sets it.
    name_key: Mapped[str] = mapped_column(NameKey, default=_name_key_of_row)
    sis_user_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    login_id: Mapped[str | None] = mapped_column(String(255))
    __table_args__ = (Index("ix_users_name_key", "name_key", "id"),)


class Enrollment(Base):
    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # student teacher ta observer designer
    state: Mapped[str] = mapped_column(String(16), default="active")
    associated_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    limit_to_section: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_enrollments_course_role", "course_id", "role", "user_id"),)


class OutcomeGroup(Base):
    __tablename__ = "outcome_groups"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_groups.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))


class Outcome(Base):
    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    vendor_guid: Mapped[str | None] = mapped_column(String(255))
    points_possible: Mapped[float | None] = mapped_column(Float)
    mastery_points: Mapped[float | None] = mapped_column(Float)
    ratings: Mapped[list] = mapped_column(JSON)  # [{description, points}] points desc
    calculation_method: Mapped[str] = mapped_column(String(32), default="highest")
    calculation_int: Mapped[int | None] = mapped_column(Integer)
    tie_break: Mapped[str | None] = mapped_column(String(16))  # docs/methods.md §2.2
    minimum_evidence: Mapped[int | None] = mapped_column(Integer)  # docs/methods.md §5


class OutcomeLink(Base):
    """An outcome linked into a course's group tree (Canvas ContentTag of type LearningOutcome)."""

    __tablename__ = "outcome_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_groups.id", ondelete="CASCADE"))
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), index=True)
    __table_args__ = (UniqueConstraint("course_id", "outcome_id"),)


class Asset(Base):
    __tablename__ = "assets"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))  # assignment quiz rubric discussion question_bank
    name: Mapped[str] = mapped_column(String(255))
    html_url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    post_policy: Mapped[str] = mapped_column(String(16), default="automatic")


class Alignment(Base):
    __tablename__ = "alignments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    mastery_score: Mapped[float | None] = mapped_column(Float)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class OutcomeResult(Base):
    __tablename__ = "outcome_results"
    # PostgreSQL: a sequence; SQLite: INTEGER PRIMARY KEY AUTOINCREMENT (migration 0002 starts both at the base).
    id: Mapped[int] = mapped_column(
        Id, Sequence("outcome_results_id_seq", start=SERVICE_ID_BASE, minvalue=SERVICE_ID_BASE),
        primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    alignment_id: Mapped[int] = mapped_column(ForeignKey("alignments.id", ondelete="CASCADE"))
    score: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    mastery: Mapped[bool | None] = mapped_column(Boolean)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_points: Mapped[bool] = mapped_column(Boolean, default=False)
    posted: Mapped[bool] = mapped_column(Boolean, default=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC
    # Whole epoch seconds of submitted_at or assessed_at, 0 when neither (docs/behaviour.md §1.2 item 5).
    time: Mapped[int] = mapped_column(BigInteger, default=0)
    title: Mapped[str | None] = mapped_column(Text)
    artifact_type: Mapped[str] = mapped_column(String(24), default="other")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        UniqueConstraint("user_id", "alignment_id", name="uq_outcome_results_user_alignment"),
        Index("ix_outcome_results_rollup", "course_id", "user_id", "outcome_id", "time", "id"),
        Index("ix_outcome_results_outcome", "course_id", "outcome_id", "user_id"),
        {"sqlite_autoincrement": True},
    )


class OutcomeOrder(Base):
    """A user's saved Learning Mastery Gradebook outcome order in one course (docs/behaviour.md §5.2)."""

    __tablename__ = "outcome_orders"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Rollup(Base):
    """Stored rollup of one (course, user, outcome); current while version = course.scoring_version."""

    __tablename__ = "rollups"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    hide_points: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_rollups_user", "course_id", "user_id", "outcome_id"),)


class RollupJob(Base):
    """A persistent recalculation request (docs/behaviour.md §5.3): claimed with a lease, retried with backoff."""

    __tablename__ = "rollup_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued running succeeded failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    run_after: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_rollup_jobs_claim", "state", "run_after"),)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
