"""Batch loads for DataLoaders: one statement for many keys, one entry per key, in key order."""

from __future__ import annotations

from collections import defaultdict, namedtuple
from typing import Any, Callable, Sequence

from sqlalchemy import Select, bindparam, select, tuple_
from sqlalchemy.engine import Row

from outcome_graph.db import models as m
from outcome_graph.db.reader import Reader

# Columns each entity is loaded with: hot reads select columns, never ORM entities.
COURSE = (m.Course.id, m.Course.name, m.Course.sis_course_id, m.Course.scoring_version, m.Course.data_version)
SECTION = (m.Section.id, m.Section.course_id, m.Section.name)
USER = (m.User.id, m.User.name, m.User.sortable_name, m.User.sis_user_id, m.User.login_id)
OUTCOME = (m.Outcome.id, m.Outcome.title, m.Outcome.display_name, m.Outcome.description,
           m.Outcome.vendor_guid, m.Outcome.points_possible, m.Outcome.mastery_points, m.Outcome.ratings,
           m.Outcome.calculation_method, m.Outcome.calculation_int, m.Outcome.tie_break, m.Outcome.minimum_evidence)
GROUP = (m.OutcomeGroup.id, m.OutcomeGroup.course_id, m.OutcomeGroup.parent_id, m.OutcomeGroup.title)
ASSET = (m.Asset.id, m.Asset.course_id, m.Asset.type, m.Asset.name, m.Asset.html_url, m.Asset.published,
         m.Asset.post_policy)
ALIGNMENT = (m.Alignment.id, m.Alignment.course_id, m.Alignment.outcome_id, m.Alignment.asset_id,
             m.Alignment.mastery_score, m.Alignment.deleted)
LINK = (m.OutcomeLink.id, m.OutcomeLink.course_id, m.OutcomeLink.group_id, m.OutcomeLink.outcome_id)
ENROLLMENT = (m.Enrollment.id, m.Enrollment.course_id, m.Enrollment.section_id, m.Enrollment.user_id,
              m.Enrollment.role, m.Enrollment.state, m.Enrollment.associated_user_id,
              m.Enrollment.limit_to_section)


def labelled(columns: Sequence[Any], prefix: str) -> list[Any]:
    """An entity's columns to select beside another's (a join that fills a loader: see `rows_of`)."""
    return [c.label(prefix + c.key) for c in columns]


def rows_of(columns: Sequence[Any], start: int) -> Callable[[Row], Any]:
    """Cuts an entity's row, shaped as its loader's rows, out of a joined row whose `columns` begin at `start`."""
    shape = namedtuple("Row", [c.key for c in columns])
    end = start + len(columns)
    return lambda row: shape._make(row[start:end])


_BY_KEY: dict[tuple, Select] = {}


async def by_key(reader: Reader, columns: Sequence[Any], key: Any, keys: Sequence[Any]) -> list[Row | None]:
    """Rows whose `key` column is in keys; None where a key has no row."""
    stmt = _BY_KEY.get((tuple(columns), key))
    if stmt is None:  # built once per entity: nearly every request loads its course this way
        stmt = _BY_KEY[(tuple(columns), key)] = select(*columns).where(key.in_(bindparam("keys", expanding=True)))
    rows = await reader.rows(stmt, {"keys": list(keys)})
    found = {getattr(r, key.key): r for r in rows}
    return [found.get(k) for k in keys]


async def grouped(reader: Reader, stmt: Select, key: Any, keys: Sequence[Any]) -> list[list[Row]]:
    """Rows of stmt filtered on key ∈ keys, grouped per key in key order (stmt's order kept within a key)."""
    groups: dict[Any, list[Row]] = defaultdict(list)
    for r in await reader.rows(stmt.where(key.in_(keys))):
        groups[getattr(r, key.key)].append(r)
    return [groups.get(k, []) for k in keys]


async def grouped_pairs(reader: Reader, stmt: Select, cols: tuple[Any, Any],
                        keys: Sequence[tuple[Any, Any]]) -> list[list[Row]]:
    """As `grouped`, with a composite (a, b) key."""
    groups: dict[tuple, list[Row]] = defaultdict(list)
    a, b = cols
    for r in await reader.rows(stmt.where(tuple_(a, b).in_(list(keys)))):
        groups[(getattr(r, a.key), getattr(r, b.key))].append(r)
    return [groups.get(tuple(k), []) for k in keys]


def courses(reader, ids):
    return by_key(reader, COURSE, m.Course.id, ids)


def sections(reader, ids):
    return by_key(reader, SECTION, m.Section.id, ids)


def users(reader, ids):
    return by_key(reader, USER, m.User.id, ids)


def outcomes(reader, ids):
    return by_key(reader, OUTCOME, m.Outcome.id, ids)


def groups(reader, ids):
    return by_key(reader, GROUP, m.OutcomeGroup.id, ids)


def assets(reader, ids):
    return by_key(reader, ASSET, m.Asset.id, ids)


def alignments(reader, ids):
    return by_key(reader, ALIGNMENT, m.Alignment.id, ids)


def sections_by_course(reader, course_ids):
    return grouped(reader, select(*SECTION).order_by(m.Section.id), m.Section.course_id, course_ids)


def groups_by_course(reader, course_ids):
    return grouped(reader, select(*GROUP).order_by(m.OutcomeGroup.id), m.OutcomeGroup.course_id, course_ids)


def links_by_course(reader, course_ids):
    return grouped(reader, select(*LINK).order_by(m.OutcomeLink.id), m.OutcomeLink.course_id, course_ids)


def links_by_outcome(reader, outcome_ids):
    return grouped(reader, select(*LINK).order_by(m.OutcomeLink.id), m.OutcomeLink.outcome_id, outcome_ids)


def enrollments_by_user(reader, user_ids):
    return grouped(reader, select(*ENROLLMENT).order_by(m.Enrollment.id), m.Enrollment.user_id, user_ids)


def alignments_by_course_outcome(reader, keys):
    stmt = select(*ALIGNMENT).where(m.Alignment.deleted.is_(False)).order_by(m.Alignment.id)
    return grouped_pairs(reader, stmt, (m.Alignment.course_id, m.Alignment.outcome_id), keys)




def outcome_order(reader, keys):
    o = m.OutcomeOrder
    stmt = select(o.course_id, o.user_id, o.outcome_id, o.position).order_by(o.position, o.outcome_id)
    return grouped_pairs(reader, stmt, (o.course_id, o.user_id), keys)


RESULT = (m.OutcomeResult.id, m.OutcomeResult.course_id, m.OutcomeResult.user_id, m.OutcomeResult.outcome_id,
          m.OutcomeResult.alignment_id, m.OutcomeResult.score, m.OutcomeResult.possible, m.OutcomeResult.percent,
          m.OutcomeResult.mastery, m.OutcomeResult.hidden, m.OutcomeResult.hide_points, m.OutcomeResult.posted,
          m.OutcomeResult.submitted_at, m.OutcomeResult.assessed_at, m.OutcomeResult.time, m.OutcomeResult.title,
          m.OutcomeResult.artifact_type, m.OutcomeResult.deleted)


async def results(reader, ids):
    """Results by id with what visibility needs: the alignment's state and the asset's post policy."""
    r, al, a = m.OutcomeResult, m.Alignment, m.Asset
    stmt = (select(*RESULT, al.deleted.label("alignment_deleted"), a.post_policy)
            .join_from(r, al, r.alignment_id == al.id).join(a, al.asset_id == a.id).where(r.id.in_(ids)))
    found = {row.id: row for row in await reader.rows(stmt)}
    return [found.get(k) for k in ids]


async def course_overrides(reader, course_ids):
    """(mastery scale row or None, calculation method row or None) per course (docs/behaviour.md §4.2)."""
    s, c = m.MasteryScale, m.CourseCalculationMethod
    scales = {r.course_id: r for r in await reader.rows(
        select(s.course_id, s.ratings, s.points_possible, s.mastery_points).where(s.course_id.in_(course_ids)))}
    methods = {r.course_id: r for r in await reader.rows(
        select(c.course_id, c.method, c.calculation_int, c.tie_break, c.minimum_evidence).where(c.course_id.in_(course_ids)))}
    return [(scales.get(k), methods.get(k)) for k in course_ids]
