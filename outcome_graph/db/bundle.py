"""Course bundle parser/validator: one JSON document -> the rows of one course (spec/course-bundle.md).

Pure (no I/O except `load_bundle_file`): `parse_bundle` checks every rule of the format and returns
plain dicts keyed by the column names of `db/models.py`, with results as tuples in `RESULT_COLUMNS`
order (the fast path: a million results parse in seconds). The first offending value, in document
order, is reported as `BundleError(path, message)`; nothing is partially returned.
"""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from os import PathLike
from typing import Any

from outcome_graph.rollups import (
    DEFAULT_MASTERY_POINTS,
    DEFAULT_POINTS_POSSIBLE,
    DEFAULT_RATINGS,
    METHODS,
    CalculationError,
    compute_percent,
    validate_calculation,
)

try:  # orjson is a dependency, but the parser must not need it
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

FORMAT = "outcome-graph/course-bundle@1"

RESULT_COLUMNS: tuple[str, ...] = (
    "id", "course_id", "user_id", "outcome_id", "alignment_id", "score", "possible", "percent",
    "mastery", "hidden", "hide_points", "posted", "submitted_at", "assessed_at", "time", "title",
    "artifact_type", "deleted",
)

MAX_ID = 2**63 - 1  # BigInteger ids (models.Id)
MAX_STR = 255  # String(255) columns
ROLES = ("student", "teacher", "ta", "observer", "designer")
STATES = ("active", "invited", "inactive", "completed", "deleted")
ASSET_TYPES = ("assignment", "quiz", "rubric", "discussion", "question_bank")
POST_POLICIES = ("automatic", "manual")
ARTIFACT_TYPES = ("rubric_assessment", "quiz_submission", "live_assessment", "other")

_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HEX6 = re.compile(r"[0-9A-Fa-f]{6}\Z")
_SUFFIX = re.compile(r"(Sn?r\.?|Senior|Jn?r\.?|Junior|II|III|IV|V|VI|Esq\.?|Esquire)\Z", re.I)
_MISSING = object()
_BAD = object()  # cached marker of an invalid timestamp string
_PERCENT_CACHE_CAP = 200_000  # per scoring-parameter set; repeats dominate real data


class BundleError(ValueError):
    """A bundle breaks a rule; `path` is the JSON path of the first offending value."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class StoredRefs:
    """Rows already in the database that a bundle may reference (format: "or rows already stored")."""

    users: frozenset[int] = frozenset()
    sections: Mapping[int, int] = field(default_factory=dict)  # section id -> course id
    outcomes: frozenset[int] = frozenset()
    outcome_groups: Mapping[int, int] = field(default_factory=dict)  # group id -> course id
    assets: Mapping[int, int] = field(default_factory=dict)  # asset id -> course id
    # alignment id -> (outcome_id, asset_id, mastery_score); it belongs to its asset's course
    alignments: Mapping[int, tuple[int, int, float | None]] = field(default_factory=dict)
    # outcome id -> (points_possible, mastery_points): percents of results on stored outcomes
    outcome_scoring: Mapping[int, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass
class Bundle:
    course: dict
    mastery_scale: dict | None
    calculation_method: dict | None
    sections: list[dict]
    users: list[dict]
    enrollments: list[dict]
    outcome_groups: list[dict]  # parents before children
    outcomes: list[dict]
    outcome_links: list[dict]
    assets: list[dict]
    alignments: list[dict]
    results: list[tuple]  # RESULT_COLUMNS order


def load_bundle_file(path: str | PathLike) -> Any:
    """Read and decode a bundle file (orjson when available); any failure is a `BundleError` at `$`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BundleError("$", f"cannot read bundle file: {e.strerror or e}") from e
    # Decoding builds no reference cycles, but a million new dicts trigger the cyclic collector
    # over and over (measured: 3.2 s instead of 1.2 s for 1,000,000 results), so pause it.
    paused = gc.isenabled()
    gc.disable()
    try:
        if _orjson is not None:
            return _orjson.loads(data)
        return json.loads(data)
    except ValueError as e:  # orjson.JSONDecodeError, json.JSONDecodeError, UnicodeDecodeError
        raise BundleError("$", f"not valid JSON: {e}") from e
    finally:
        if paused:
            gc.enable()


# ---------------------------------------------------------------------------------------------
# Value checks. Each takes the container's path and the key, and returns the checked value.


def _show(v: Any) -> str:
    """A short JSON-like rendering of a value for messages."""
    if v is None or v is True or v is False:
        return "null" if v is None else ("true" if v else "false")
    if type(v) is float:
        if v != v:
            return "NaN"
        if v in (math.inf, -math.inf):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(v)
    if type(v) is dict:
        return "an object"
    if type(v) is list:
        return "a list"
    if type(v) is str:
        s = json.dumps(v, ensure_ascii=False)
        return s if len(s) <= 60 else s[:56] + '..."'
    if type(v) is int:
        s = str(v) if v.bit_length() < 200 else "a huge integer"
        return s
    return type(v).__name__


def _p(path: str, key: str | int) -> str:
    if type(key) is int:
        return f"{path}[{key}]"
    return f"{path}.{key}" if path != "$" else key


def _id(obj: dict, path: str, key: str, required: bool = True) -> int | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise BundleError(_p(path, key), "required")
        return None
    if type(v) is not int or v <= 0:
        raise BundleError(_p(path, key), f"must be a positive integer (got {_show(v)})")
    if v > MAX_ID:
        raise BundleError(_p(path, key), f"must be at most {MAX_ID}")
    return v


def _str(obj: dict, path: str, key: str, *, required: bool = False,
         limit: int | None = MAX_STR) -> str | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise BundleError(_p(path, key), "required")
        return None
    if type(v) is not str:
        null = "" if required else " or null"
        raise BundleError(_p(path, key), f"must be a string{null} (got {_show(v)})")
    if required and not v.strip():
        raise BundleError(_p(path, key), "must not be empty")
    if limit is not None and len(v) > limit:
        raise BundleError(_p(path, key), f"must be at most {limit} characters (got {len(v)})")
    return v


def _num_value(v: Any, path: str, nullable: bool) -> float | None:
    t = type(v)
    if t is float and v - v == 0.0:
        return v
    if t is int:
        try:
            return float(v)
        except OverflowError:
            pass
    elif v is None and nullable:
        return None
    null = " or null" if nullable else ""
    raise BundleError(path, f"must be a finite number{null} (got {_show(v)})")


def _num(obj: dict, path: str, key: str, *, required: bool = False, minimum: int | None = None,
         maximum: int | None = None) -> float | None:
    raw = obj.get(key)
    if raw is None and required:
        raise BundleError(_p(path, key), "required")
    v = _num_value(raw, _p(path, key), nullable=not required)
    if v is not None:
        if minimum is not None and v < minimum:
            raise BundleError(_p(path, key), f"must be at least {minimum} (got {_show(raw)})")
        if maximum is not None and v > maximum:
            raise BundleError(_p(path, key), f"must be at most {maximum} (got {_show(raw)})")
    return v


def _bool(obj: dict, path: str, key: str, default: bool | None) -> bool | None:
    v = obj.get(key)
    if v is None:
        return default
    if v is not True and v is not False:
        raise BundleError(_p(path, key), f"must be true, false or null (got {_show(v)})")
    return v


def _enum(obj: dict, path: str, key: str, allowed: tuple[str, ...], default: str | None) -> str:
    v = obj.get(key)
    if v is None:
        if default is None:
            raise BundleError(_p(path, key), "required")
        return default
    if type(v) is not str or v not in allowed:
        choices = ", ".join(f'"{a}"' for a in allowed)
        raise BundleError(_p(path, key), f"must be one of {choices} (got {_show(v)})")
    return v


def _obj(v: Any, path: str) -> dict:
    if type(v) is not dict:
        raise BundleError(path, f"must be an object (got {_show(v)})")
    return v


def _list(obj: dict, key: str) -> list:
    v = obj.get(key)
    if v is None:
        return []
    if type(v) is not list:
        raise BundleError(key, f"must be a list (got {_show(v)})")
    return v


def _parse_ts(v: Any) -> tuple[datetime, int] | str:
    """ISO 8601 with an offset -> (naive UTC datetime, whole epoch seconds), or an error message."""
    if type(v) is not str:
        return f"must be an ISO 8601 timestamp string or null (got {_show(v)})"
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        return f"not an ISO 8601 timestamp: {_show(v)}"
    if dt.tzinfo is None:
        return f'timestamp {_show(v)} has no UTC offset; add one such as "Z" or "-06:00"'
    d = dt - _EPOCH_UTC  # aware arithmetic: no astimezone/replace, which cost 3x more
    try:
        naive = _EPOCH + d
    except OverflowError:
        return f"timestamp {_show(v)} is out of range"
    return naive, d.days * 86400 + d.seconds  # floor: timedelta keeps seconds >= 0 (spec §1.2 item 5)


def sortable_name(name: str) -> str:
    """Canvas-style "Surname, Given Suffix" from a display name (already-sorted names kept)."""
    n = " ".join(name.split())
    given, sep, rest = n.partition(",")
    suffix = None
    if sep:
        if not _SUFFIX.match(rest.strip()):
            return n  # "Lovelace, Ada": already surname first
        n, suffix = given.strip(), rest.strip()
    parts = n.split(" ")
    if suffix is None and len(parts) > 2 and _SUFFIX.match(parts[-1]):
        suffix = parts.pop()
    if len(parts) < 2:
        return " ".join(parts + ([suffix] if suffix else [])) or name
    surname = parts.pop()
    return f"{surname}, {' '.join(parts + ([suffix] if suffix else []))}"


# ---------------------------------------------------------------------------------------------


class _Parser:
    """One parse: the sections of the document in order, each filling the lookups the next needs."""

    def __init__(self, doc: Any, stored: StoredRefs):
        self.doc = doc
        self.stored = stored

    def _unique(self, seen: set, v: int, path: str) -> None:
        if v in seen:
            raise BundleError(path, f"duplicate id {v}")
        seen.add(v)

    def _own(self, mapping: Mapping[int, int], kind: str, v: int, path: str) -> None:
        """An id of this bundle must not already belong to another course."""
        other = mapping.get(v)
        if other is not None and other != self.cid:
            raise BundleError(path, f"{kind} {v} belongs to course {other}, not course {self.cid}")

    def _in_course(self, ours: Any, mapping: Mapping[int, int], kind: str, v: int, path: str) -> None:
        if v in ours:
            return
        other = mapping.get(v)
        if other is None:
            raise BundleError(path, f"no such {kind} {v}")
        if other != self.cid:
            raise BundleError(path, f"{kind} {v} belongs to course {other}, not course {self.cid}")

    def _calculation(self, obj: dict, path: str, mkey: str, ikey: str) -> tuple[str, int | None]:
        method = obj.get(mkey)
        if method is not None:
            _enum(obj, path, mkey, METHODS, None)
        n = obj.get(ikey)
        if n is not None and type(n) is not int:
            raise BundleError(_p(path, ikey), f"must be an integer or null (got {_show(n)})")
        try:
            return validate_calculation(method, n)
        except CalculationError as e:  # spec §1.1 messages
            raise BundleError(_p(path, ikey), getattr(e, "message", None) or str(e)) from None

    # -- sections of the document, in order ------------------------------------------------

    def parse(self) -> Bundle:
        doc = self.doc
        if type(doc) is not dict:
            raise BundleError("$", f"must be a JSON object (got {_show(doc)})")
        fmt = doc.get("format")
        if fmt is None:
            raise BundleError("format", "required")
        if fmt != FORMAT:
            raise BundleError("format", f'must be "{FORMAT}" (got {_show(fmt)})')
        self.course_()
        self.sections_()
        self.users_()
        self.enrollments_()
        self.groups_()
        self.outcomes_()
        self.assets_()
        self.alignments_()
        results = self.results_()
        return Bundle(
            course=self.course, mastery_scale=self.scale, calculation_method=self.calc,
            sections=self.sections, users=self.users, enrollments=self.enrollments,
            outcome_groups=self.groups, outcomes=self.outcomes, outcome_links=self.links,
            assets=self.assets, alignments=self.alignments, results=results,
        )

    def course_(self) -> None:
        c = self.doc.get("course")
        if c is None:
            raise BundleError("course", "required")
        c = _obj(c, "course")
        self.cid = cid = _id(c, "course", "id")
        self.course = {
            "id": cid,
            "name": _str(c, "course", "name", required=True),
            "sis_course_id": _str(c, "course", "sis_course_id"),
        }
        self.scale = None
        ms = c.get("mastery_scale")
        if ms is not None:
            self.scale = self._mastery_scale(_obj(ms, "course.mastery_scale"), "course.mastery_scale")
        self.calc = None
        cm = c.get("calculation_method")
        if cm is not None:
            path = "course.calculation_method"
            method, n = self._calculation(_obj(cm, path), path, "method", "int")
            self.calc = {"course_id": cid, "method": method, "calculation_int": n}

    def _mastery_scale(self, ms: dict, path: str) -> dict:
        # spec §4.2 (OutcomeProficiency validation)
        rpath = _p(path, "ratings")
        items = ms.get("ratings")
        if items is None:
            raise BundleError(rpath, "required")
        if type(items) is not list:
            raise BundleError(rpath, f"must be a list (got {_show(items)})")
        if not items:
            raise BundleError(rpath, "at least one rating is required")
        ratings, mastery_at = [], None
        for j, r in enumerate(items):
            rp = _p(rpath, j)
            r = _obj(r, rp)
            desc = _str(r, rp, "description", required=True, limit=None)
            pts = _num(r, rp, "points", required=True, minimum=0)
            if ratings and ratings[-1]["points"] <= pts:
                prev = ratings[-1]["points"]
                raise BundleError(_p(rp, "points"),
                                  f"Points should be strictly decreasing: {_show(prev)} <= {_show(pts)}")
            mastery = _bool(r, rp, "mastery", False)
            if mastery:
                if mastery_at is not None:
                    raise BundleError(_p(rp, "mastery"), "Exactly one rating can have mastery")
                mastery_at = j
            color = r.get("color")
            if color is not None and (type(color) is not str or not _HEX6.match(color)):
                msg = f'must be six hex digits such as "0B874B" (got {_show(color)})'
                raise BundleError(_p(rp, "color"), msg)
            ratings.append({"description": desc, "points": pts, "mastery": mastery, "color": color})
        if mastery_at is None:
            raise BundleError(rpath, "Exactly one rating can have mastery")
        return {
            "course_id": self.cid,
            "ratings": ratings,
            "points_possible": ratings[0]["points"],
            "mastery_points": ratings[mastery_at]["points"],
        }

    def sections_(self) -> None:
        self.sections, self.section_ids = [], set()
        for i, s in enumerate(_list(self.doc, "sections")):
            path = f"sections[{i}]"
            s = _obj(s, path)
            sid = _id(s, path, "id")
            self._unique(self.section_ids, sid, _p(path, "id"))
            self._own(self.stored.sections, "section", sid, _p(path, "id"))
            name = _str(s, path, "name") or self.course["name"]  # as Canvas names a default section
            self.sections.append({"id": sid, "course_id": self.cid, "name": name})

    def users_(self) -> None:
        self.users, self.user_ids, sis = [], set(), {}
        for i, u in enumerate(_list(self.doc, "users")):
            path = f"users[{i}]"
            u = _obj(u, path)
            uid = _id(u, path, "id")
            self._unique(self.user_ids, uid, _p(path, "id"))
            name = _str(u, path, "name", required=True)
            sortable = _str(u, path, "sortable_name") or sortable_name(name)[:MAX_STR]
            sis_id = _str(u, path, "sis_user_id")
            if sis_id is not None:
                if sis_id in sis:
                    raise BundleError(_p(path, "sis_user_id"), f"duplicate sis_user_id {_show(sis_id)}")
                sis[sis_id] = uid
            login = _str(u, path, "login_id")
            self.users.append({"id": uid, "name": name, "sortable_name": sortable,
                               "sis_user_id": sis_id, "login_id": login})

    def _user(self, v: int, path: str) -> None:
        if v not in self.user_ids and v not in self.stored.users:
            raise BundleError(path, f"no such user {v}")

    def enrollments_(self) -> None:
        self.enrollments, seen = [], set()
        for i, e in enumerate(_list(self.doc, "enrollments")):
            path = f"enrollments[{i}]"
            e = _obj(e, path)
            uid = _id(e, path, "user_id")
            self._user(uid, _p(path, "user_id"))
            sid = _id(e, path, "section_id")
            self._in_course(self.section_ids, self.stored.sections, "section", sid, _p(path, "section_id"))
            role = _enum(e, path, "role", ROLES, None)
            state = _enum(e, path, "state", STATES, "active")
            assoc = _id(e, path, "associated_user_id", required=False)
            if assoc is not None:
                if role != "observer":
                    msg = f'only an observer enrollment can name an associated user (role is "{role}")'
                    raise BundleError(_p(path, "associated_user_id"), msg)
                self._user(assoc, _p(path, "associated_user_id"))
            limit = _bool(e, path, "limit_to_section", False)
            key = (uid, sid, role, assoc)
            if key in seen:
                who = f" observing user {assoc}" if assoc is not None else ""
                raise BundleError(path, f"duplicate enrollment of user {uid} in section {sid} as {role}{who}")
            seen.add(key)
            self.enrollments.append({"course_id": self.cid, "section_id": sid, "user_id": uid, "role": role,
                                     "state": state, "associated_user_id": assoc,
                                     "limit_to_section": limit})

    def groups_(self) -> None:
        items = _list(self.doc, "outcome_groups")
        # ids of the whole list first, so a parent may come after its child
        ids = {g["id"] for g in items if type(g) is dict and type(g.get("id")) is int and g["id"] > 0}
        stored = self.stored.outcome_groups
        rows, seen = [], set()
        for i, g in enumerate(items):
            path = f"outcome_groups[{i}]"
            g = _obj(g, path)
            gid = _id(g, path, "id")
            self._unique(seen, gid, _p(path, "id"))
            self._own(stored, "outcome group", gid, _p(path, "id"))
            title = _str(g, path, "title", required=True)
            parent = _id(g, path, "parent_id", required=False)
            if parent is not None:
                self._in_course(ids, stored, "outcome group", parent, _p(path, "parent_id"))
            rows.append({"id": gid, "course_id": self.cid, "parent_id": parent, "title": title})
        # the tree: one root, no cycles (reported at the first group, in document order, that breaks it)
        parent_of = {r["id"]: r["parent_id"] for r in rows}
        on_cycle: dict[int, list[int]] = {}
        done: set[int] = set()
        for r in rows:
            chain, node, pos = [], r["id"], {}
            while node is not None and node in parent_of and node not in done:
                if node in pos:
                    cyc = chain[pos[node]:]
                    for k, n in enumerate(cyc):
                        on_cycle[n] = cyc[k:] + cyc[:k] + [n]
                    break
                pos[node] = len(chain)
                chain.append(node)
                node = parent_of[node]
            done.update(chain)
        self.root = None
        for i, r in enumerate(rows):
            path = f"outcome_groups[{i}].parent_id"
            if r["id"] in on_cycle:
                loop = " -> ".join(map(str, on_cycle[r["id"]]))
                raise BundleError(path, f"outcome group {r['id']} is its own ancestor ({loop})")
            if r["parent_id"] is None:
                if self.root is not None:
                    msg = f"only one root group is allowed; outcome group {self.root} is already the root"
                    raise BundleError(path, msg)
                self.root = r["id"]
        # parents before children, otherwise document order (for foreign keys on insert)
        depth: dict[int, int] = {}
        for r in rows:
            d, node = 0, r["id"]
            while parent_of.get(node) in parent_of:
                node, d = parent_of[node], d + 1
            depth[r["id"]] = d
        self.groups = sorted(rows, key=lambda r: depth[r["id"]])
        self.group_ids = ids

    def outcomes_(self) -> None:
        self.outcomes, self.links, self.outcome_ids = [], [], {}
        for i, o in enumerate(_list(self.doc, "outcomes")):
            path = f"outcomes[{i}]"
            o = _obj(o, path)
            oid = _id(o, path, "id")
            if oid in self.outcome_ids:
                raise BundleError(_p(path, "id"), f"duplicate id {oid}")
            title = _str(o, path, "title", required=True)
            display = _str(o, path, "display_name")
            desc = _str(o, path, "description", limit=None)
            guid = _str(o, path, "vendor_guid")
            gid = _id(o, path, "group_id", required=False)
            if gid is not None:
                groups = self.stored.outcome_groups
                self._in_course(self.group_ids, groups, "outcome group", gid, _p(path, "group_id"))
            else:
                gid = self.root  # spec: a null group links the outcome under the course's root group
            pp = _num(o, path, "points_possible", minimum=0)
            mp = _num(o, path, "mastery_points", minimum=0)
            ratings = self._outcome_ratings(o, path)
            if ratings:  # spec §4.1: defaults from the highest rating
                pp = ratings[0]["points"] if pp is None else pp
                mp = ratings[0]["points"] if mp is None else mp
            else:
                ratings = [{"description": d, "points": p} for d, p in DEFAULT_RATINGS]
                pp = DEFAULT_POINTS_POSSIBLE if pp is None else pp
                mp = DEFAULT_MASTERY_POINTS if mp is None else mp
            method, n = self._calculation(o, path, "calculation_method", "calculation_int")
            self.outcome_ids[oid] = (pp, mp)
            self.outcomes.append({
                "id": oid, "title": title, "display_name": display, "description": desc,
                "vendor_guid": guid, "points_possible": pp, "mastery_points": mp, "ratings": ratings,
                "calculation_method": method, "calculation_int": n,
            })
            self.links.append({"course_id": self.cid, "group_id": gid, "outcome_id": oid})

    def _outcome_ratings(self, o: dict, path: str) -> list[dict]:
        items = o.get("ratings")
        if items is None:
            return []
        rpath = _p(path, "ratings")
        if type(items) is not list:
            raise BundleError(rpath, f"must be a list or null (got {_show(items)})")
        out = []
        for j, r in enumerate(items):
            rp = _p(rpath, j)
            r = _obj(r, rp)
            desc = _str(r, rp, "description", required=True, limit=None)
            out.append({"description": desc, "points": _num(r, rp, "points", required=True, minimum=0)})
        out.sort(key=lambda r: -r["points"])  # stable: equal points keep document order
        return out

    def assets_(self) -> None:
        self.assets, self.asset_ids = [], set()
        for i, a in enumerate(_list(self.doc, "assets")):
            path = f"assets[{i}]"
            a = _obj(a, path)
            aid = _id(a, path, "id")
            self._unique(self.asset_ids, aid, _p(path, "id"))
            self._own(self.stored.assets, "asset", aid, _p(path, "id"))
            self.assets.append({
                "id": aid, "course_id": self.cid,
                "type": _enum(a, path, "type", ASSET_TYPES, None),
                "name": _str(a, path, "name", required=True),
                "html_url": _str(a, path, "html_url", limit=None),
                "published": _bool(a, path, "published", True),
                "post_policy": _enum(a, path, "post_policy", POST_POLICIES, "automatic"),
            })

    def _scoring(self, outcome_id: int) -> tuple[float | None, float | None]:
        """Points possible and mastery points used for percents (spec §2.2, §4.2)."""
        if self.scale is not None:
            return self.scale["points_possible"], self.scale["mastery_points"]
        own = self.outcome_ids.get(outcome_id)
        return own if own is not None else self.stored.outcome_scoring.get(outcome_id, (None, None))

    def alignments_(self) -> None:
        self.alignments, self.align_info, self._pcaches = [], {}, {}
        for i, a in enumerate(_list(self.doc, "alignments")):
            path = f"alignments[{i}]"
            a = _obj(a, path)
            aid = _id(a, path, "id")
            if aid in self.align_info:
                raise BundleError(_p(path, "id"), f"duplicate id {aid}")
            self._foreign_alignment(aid, _p(path, "id"))
            oid = _id(a, path, "outcome_id")
            if oid not in self.outcome_ids and oid not in self.stored.outcomes:
                raise BundleError(_p(path, "outcome_id"), f"no such outcome {oid}")
            asset = _id(a, path, "asset_id")
            self._in_course(self.asset_ids, self.stored.assets, "asset", asset, _p(path, "asset_id"))
            ms = _num(a, path, "mastery_score", minimum=0, maximum=1)
            self.align_info[aid] = self._info(oid, ms)
            self.alignments.append({"id": aid, "course_id": self.cid, "outcome_id": oid, "asset_id": asset,
                                    "mastery_score": ms, "deleted": False})

    def _foreign_alignment(self, aid: int, path: str) -> None:
        got = self.stored.alignments.get(aid)
        if got is not None:
            owner = self._asset_course(got[1])
            if owner is not None and owner != self.cid:
                raise BundleError(path, f"alignment {aid} belongs to course {owner}, not course {self.cid}")

    def _asset_course(self, asset: int) -> int | None:
        return self.cid if asset in self.asset_ids else self.stored.assets.get(asset)

    def _info(self, oid: int, ms: float | None) -> tuple:
        """(outcome id, points possible, mastery points, alignment mastery, percent cache)."""
        pp, mp = self._scoring(oid)
        key = (pp, mp, ms)
        cache = self._pcaches.setdefault(key, {})
        return (oid, pp, mp, ms, cache)

    def _stored_alignment(self, aid: int) -> tuple | None:
        got = self.stored.alignments.get(aid)
        if got is None or self._asset_course(got[1]) != self.cid:
            return None
        info = self.align_info[aid] = self._info(got[0], got[2])
        return info

    # -- results: the fast path ---------------------------------------------------------------

    def results_(self) -> list[tuple]:
        items = _list(self.doc, "results")
        cid = self.cid
        users = self.user_ids | self.stored.users if self.stored.users else self.user_ids
        aget = self.align_info.get
        stored_al = self._stored_alignment
        tcache: dict[str, Any] = {}
        tget = tcache.get
        parse_ts = _parse_ts
        arts = frozenset(ARTIFACT_TYPES)
        compute = compute_percent
        course_scale = self.scale is not None  # spec §4.2: the scale's points replace the outcome's
        cap = _PERCENT_CACHE_CAP
        rows: list[tuple] = []
        append = rows.append
        seen: set[int] = set()
        seen_add = seen.add
        pairs: dict[int, dict[int, int]] = {}  # user -> alignment -> row index (nested: no tuple keys)
        pget = pairs.get
        last_uid, by_alignment = None, {}
        MISS = _MISSING
        BAD = _BAD
        i = -1
        try:
            for i, r in enumerate(items):
                if type(r) is not dict:
                    break
                g = r.get
                rid = g("id")
                uid = g("user_id")
                oid = g("outcome_id")
                aid = g("alignment_id")
                if type(aid) is not int:
                    break
                al = aget(aid)
                if al is None:
                    al = stored_al(aid)
                    if al is None:
                        break
                if (type(rid) is not int or not 0 < rid <= MAX_ID or rid in seen
                        or type(uid) is not int or uid not in users
                        or type(oid) is not int or oid != al[0]):
                    break
                score = g("score")
                t = type(score)
                if t is float:
                    if score - score != 0.0:
                        break
                elif t is int:
                    score = float(score)  # OverflowError -> slow path
                elif score is not None:
                    break
                possible = g("possible")
                t = type(possible)
                if t is float:
                    if possible - possible != 0.0:
                        break
                elif t is int:
                    possible = float(possible)
                elif possible is not None:
                    break
                percent = g("percent")
                t = type(percent)
                if t is float:
                    if percent - percent != 0.0:
                        break
                elif t is int:
                    percent = float(percent)
                elif percent is not None:
                    break
                mastery = g("mastery")
                if mastery is not None and mastery is not True and mastery is not False:
                    break
                sub = g("submitted_at")
                if sub is not None:
                    sub = tget(sub) if type(sub) is str else BAD
                    if sub is None:
                        sub = tcache[r["submitted_at"]] = parse_ts(r["submitted_at"])
                        if type(sub) is str:
                            sub = tcache[r["submitted_at"]] = BAD
                    if sub is BAD:
                        break
                ass = g("assessed_at")
                if ass is not None:
                    ass = tget(ass) if type(ass) is str else BAD
                    if ass is None:
                        ass = tcache[r["assessed_at"]] = parse_ts(r["assessed_at"])
                        if type(ass) is str:
                            ass = tcache[r["assessed_at"]] = BAD
                    if ass is BAD:
                        break
                hidden = g("hidden")
                if hidden is None:
                    hidden = False
                elif hidden is not True and hidden is not False:
                    break
                hide = g("hide_points")
                if hide is None:
                    hide = False
                elif hide is not True and hide is not False:
                    break
                posted = g("posted")
                if posted is None:
                    posted = True
                elif posted is not True and posted is not False:
                    break
                title = g("title")
                if title is not None and type(title) is not str:
                    break
                art = g("artifact_type")
                if art is None:
                    art = "other"
                elif art not in arts:  # unhashable -> TypeError -> slow path
                    break
                if percent is None:  # spec §2.2, cached per possible and score for the scoring parameters
                    pc = al[4]
                    by_score = pc.get(possible)
                    if by_score is None:
                        by_score = {}
                        if len(pc) < cap:
                            pc[possible] = by_score
                    percent = by_score.get(score, MISS)
                    if percent is MISS:
                        percent = compute(score, possible, points_possible=al[1], mastery_points=al[2],
                                          alignment_mastery=al[3], course_scale=course_scale)
                        if len(by_score) < cap:
                            by_score[score] = percent
                seen_add(rid)  # only now: an exception above must not make this id look duplicated
                if uid != last_uid:  # results usually come grouped by user
                    by_alignment = pget(uid)
                    if by_alignment is None:
                        by_alignment = pairs[uid] = {}
                    last_uid = uid
                j = by_alignment.get(aid)
                if j is not None:
                    # spec §2.5: the first row keeps its id and other fields and takes the new score and
                    # possible, with the percent that goes with them (computed above unless given)
                    rows[j] = rows[j][:5] + (score, possible, percent) + rows[j][8:]
                    continue
                by_alignment[aid] = len(rows)
                if sub is not None:
                    time = sub[1]
                    sub = sub[0]
                elif ass is not None:
                    time = ass[1]
                else:
                    time = 0
                append((rid, cid, uid, oid, aid, score, possible, percent, mastery, hidden, hide, posted,
                        sub, None if ass is None else ass[0], time, title, art, False))
            else:
                return rows
        except (TypeError, OverflowError) as e:
            self._result_error(i, items[i], seen)
            raise RuntimeError(f"results[{i}]: rejected by the fast path but no rule broken") from e
        self._result_error(i, items[i], seen)
        raise RuntimeError(f"results[{i}]: rejected by the fast path but no rule broken")

    def _result_error(self, i: int, r: Any, seen: set[int]) -> None:
        """Raise the precise error of results[i] (the fast path only knows *that* it is wrong)."""
        path = f"results[{i}]"
        r = _obj(r, path)
        rid = _id(r, path, "id")
        if rid in seen:
            raise BundleError(_p(path, "id"), f"duplicate id {rid}")
        uid = _id(r, path, "user_id")
        self._user(uid, _p(path, "user_id"))
        oid = _id(r, path, "outcome_id")
        aid = _id(r, path, "alignment_id")
        al = self.align_info.get(aid)
        if al is None:
            got = self.stored.alignments.get(aid)
            if got is None:
                raise BundleError(_p(path, "alignment_id"), f"no such alignment {aid}")
            owner = self._asset_course(got[1])
            if owner != self.cid:
                where = f"course {owner}" if owner is not None else "another course"
                msg = f"alignment {aid} belongs to {where}, not course {self.cid}"
                raise BundleError(_p(path, "alignment_id"), msg)
            al = (got[0],)
        if oid != al[0]:
            raise BundleError(_p(path, "outcome_id"), f"alignment {aid} aligns outcome {al[0]}, not {oid}")
        for key in ("score", "possible", "percent"):
            _num(r, path, key)
        _bool(r, path, "mastery", None)
        for key in ("submitted_at", "assessed_at"):
            v = r.get(key)
            if v is not None:
                got = _parse_ts(v)
                if type(got) is str:
                    raise BundleError(_p(path, key), got)
        _bool(r, path, "hidden", False)
        _bool(r, path, "hide_points", False)
        _bool(r, path, "posted", True)
        _str(r, path, "title", limit=None)
        _enum(r, path, "artifact_type", ARTIFACT_TYPES, "other")


def parse_bundle(doc: object, stored: StoredRefs = StoredRefs()) -> Bundle:
    """Check a decoded bundle against every rule of spec/course-bundle.md and return its rows."""
    return _Parser(doc, stored).parse()
