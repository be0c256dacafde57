"""Course bundles (docs/bundle-format.md): one JSON document checked and turned into table rows.

`parse_bundle` applies every rule of the format and returns plain dicts keyed by the column names
of `db/models.py`, results as tuples in `RESULT_COLUMNS` order (one tight loop: a million parse
in 2-3 s). The first offending value in document order is reported as `BundleError(path, message)`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from os import PathLike
from typing import Any

from outcome_graph.db.models import SERVICE_ID_BASE
from outcome_graph.rollups import (
    DEFAULT_MASTERY_POINTS,
    DEFAULT_POINTS_POSSIBLE,
    DEFAULT_RATINGS,
    METHODS,
    TIE_BREAKS,
    CalculationError,
    compute_percent,
    validate_calculation,
    validate_minimum_evidence,
    validate_tie_break,
)

try:  # a declared dependency, but decoding must not need it
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
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_HEX6 = re.compile(r"[0-9A-Fa-f]{6}\Z")
_SUFFIX = re.compile(r"(Sn?r\.?|Senior|Jn?r\.?|Junior|II|III|IV|V|VI|Esq\.?|Esquire)\Z", re.I)
_MISS = object()
_BAD = object()  # cached verdict on an invalid timestamp string
_CACHE_CAP = 200_000  # percent-cache entries per level; repeated scores dominate real data


class BundleError(ValueError):
    """A bundle breaks a rule; `path` is the JSON path of the first offending value."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class StoredRefs:
    """Rows already in the database, which a bundle may reference ("or rows already stored")."""

    users: frozenset[int] = frozenset()
    sections: Mapping[int, int] = field(default_factory=dict)  # section id -> course id
    outcomes: frozenset[int] = frozenset()
    outcome_groups: Mapping[int, int] = field(default_factory=dict)  # group id -> course id
    assets: Mapping[int, int] = field(default_factory=dict)  # asset id -> course id
    # alignment id -> (outcome_id, asset_id, mastery_score); in the course of its asset
    alignments: Mapping[int, tuple[int, int, float | None]] = field(default_factory=dict)
    # outcome id -> (points_possible, mastery_points), for percents of results on stored outcomes
    outcome_scoring: Mapping[int, tuple[float | None, float | None]] = field(default_factory=dict)
    # sis_user_id -> the stored user holding it (a unique column)
    sis_user_ids: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Bundle:
    course: dict
    mastery_scale: dict | None
    calculation_method: dict | None
    sections: list[dict]
    users: list[dict]
    enrollments: list[dict]
    outcome_groups: list[dict]  # parents before children, so inserts satisfy the foreign key
    outcomes: list[dict]
    outcome_links: list[dict]
    assets: list[dict]
    alignments: list[dict]
    results: list[tuple]  # RESULT_COLUMNS order
    # stored users of the bundle whose stored sis_user_id another user of the bundle takes over
    sis_handed_on: list[int] = field(default_factory=list)
    doc: dict = field(default_factory=dict, repr=False, compare=False)  # the decoded document: paths of later errors

    def path_of(self, key: str, row_id: int) -> str:
        """JSON path of the first item of doc[key] with this id (for errors found after parsing)."""
        for i, item in enumerate(self.doc.get(key) or ()):
            if type(item) is dict and item.get("id") == row_id:
                return f"{key}[{i}].id"
        return key


def load_bundle_file(path: str | PathLike) -> Any:
    """Read and decode a bundle file; any failure is a `BundleError` at `$`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BundleError("$", f"cannot read bundle file: {e.strerror or e}") from e
    try:
        return _orjson.loads(data) if _orjson is not None else json.loads(data)
    except ValueError as e:  # JSONDecodeError of either library, UnicodeDecodeError
        raise BundleError("$", f"not valid JSON: {e}") from e


def parse_bundle(doc: object, stored: StoredRefs = StoredRefs()) -> Bundle:
    """Check a decoded bundle against every rule of docs/bundle-format.md and return its rows."""
    return _Parser(doc, stored).parse()


def sortable_name(name: str) -> str:
    """Canvas-style "Surname, Given Suffix" from a display name; "Surname, Given" is kept."""
    n = " ".join(name.split())
    given, comma, rest = n.partition(",")
    suffix = None
    if comma:
        if not _SUFFIX.match(rest.strip()):
            return n
        n, suffix = given.strip(), rest.strip()  # "John Doe, Sr."
    parts = n.split(" ")
    if suffix is None and len(parts) > 2 and _SUFFIX.match(parts[-1]):
        suffix = parts.pop()
    tail = [suffix] if suffix else []
    if len(parts) < 2:
        return " ".join(parts + tail) or name
    surname = parts.pop()
    return f"{surname}, {' '.join(parts + tail)}"


# -- value checks: each takes the container, its path and the key, and returns the value ---------


def _show(v: Any) -> str:
    """A short JSON-like rendering of a value for messages."""
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    t = type(v)
    if t is float:
        if math.isfinite(v):
            return repr(v)
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    if t is int:
        return str(v) if v.bit_length() < 200 else "a huge integer"
    if t is str:
        s = json.dumps(v, ensure_ascii=False)
        return s if len(s) <= 60 else s[:56] + '..."'
    return {dict: "an object", list: "a list"}.get(t, t.__name__)


def _p(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if type(key) is int else f"{path}.{key}"


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


def _str(obj: dict, path: str, key: str, required: bool = False, limit: int | None = MAX_STR):
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
    if "\x00" in v:  # PostgreSQL text cannot hold NUL; refused on every database alike
        raise BundleError(_p(path, key), "must not contain NUL characters")
    if limit is not None and len(v) > limit:
        raise BundleError(_p(path, key), f"must be at most {limit} characters (got {len(v)})")
    return v


def _num(obj: dict, path: str, key: str, required: bool = False, minimum: int | None = None,
         maximum: int | None = None) -> float | None:
    """A finite number (bool is not one), as a float for the Float columns."""
    raw = obj.get(key)
    if raw is None:
        if required:
            raise BundleError(_p(path, key), "required")
        return None
    v = None
    if type(raw) is float and math.isfinite(raw):
        v = raw
    elif type(raw) is int:
        try:
            v = float(raw)
        except OverflowError:  # beyond the largest float
            pass
    if v is None:
        null = "" if required else " or null"
        raise BundleError(_p(path, key), f"must be a finite number{null} (got {_show(raw)})")
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


def _list(obj: dict, key: str, path: str | None = None, what: str = "a list") -> list:
    v = obj.get(key)
    if v is None:
        return []
    if type(v) is not list:
        raise BundleError(_p(path, key) if path else key, f"must be {what} (got {_show(v)})")
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
    d = dt - _EPOCH_UTC  # aware arithmetic: a third of the cost of astimezone + replace
    try:
        naive = _EPOCH + d
    except OverflowError:
        return f"timestamp {_show(v)} is out of range"
    return naive, d.days * 86400 + d.seconds  # floored: timedelta keeps seconds >= 0 (docs/behaviour.md §1.2 item 5)


# -- the parser -----------------------------------------------------------------------------------


class _Parser:
    """One parse: the parts of the document in order, each filling the lookups the next needs."""

    def __init__(self, doc: Any, stored: StoredRefs):
        self.doc = doc
        self.stored = stored

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
            self.course, self.scale, self.calc, self.sections, self.users, self.enrollments,
            self.groups, self.outcomes, self.links, self.assets, self.alignments, results, self.sis_handed_on,
            doc,
        )

    # -- shared rules --

    def _unique(self, seen: set | dict, v: int, path: str) -> None:
        if v in seen:
            raise BundleError(path, f"duplicate id {v}")

    def _not_elsewhere(self, stored: Mapping[int, int], kind: str, v: int, path: str) -> None:
        """A row of this bundle must not already belong to another course."""
        other = stored.get(v)
        if other is not None and other != self.cid:
            raise BundleError(path, f"{kind} {v} belongs to course {other}, not course {self.cid}")

    def _in_course(self, ours, stored: Mapping[int, int], kind: str, v: int, path: str) -> None:
        """A reference to a row of this bundle, or to a stored row of this course."""
        if v not in ours:
            if stored.get(v) is None:
                raise BundleError(path, f"no such {kind} {v}")
            self._not_elsewhere(stored, kind, v, path)

    def _user(self, v: int, path: str) -> None:
        if v not in self.user_ids and v not in self.stored.users:
            raise BundleError(path, f"no such user {v}")

    def _calculation(self, obj: dict, path: str, mkey: str, ikey: str) -> dict:
        """The method's columns: method, calculation_int, tie_break, minimum_evidence (docs/methods.md)."""
        method = obj.get(mkey)
        if method is not None:
            _enum(obj, path, mkey, METHODS, None)
        n = obj.get(ikey)
        if n is not None and type(n) is not int:
            raise BundleError(_p(path, ikey), f"must be an integer or null (got {_show(n)})")
        try:
            method, n = validate_calculation(method, n)  # docs/behaviour.md §1.1: defaults and Canvas's messages
        except CalculationError as e:
            raise BundleError(_p(path, ikey), str(e)) from None
        out = {"calculation_method" if mkey == "calculation_method" else "method": method, "calculation_int": n}
        tie, least = obj.get("tie_break"), obj.get("minimum_evidence")
        if tie is not None:
            _enum(obj, path, "tie_break", TIE_BREAKS, None)
        if least is not None and type(least) is not int:
            raise BundleError(_p(path, "minimum_evidence"), f"must be an integer or null (got {_show(least)})")
        for key, check in (("tie_break", lambda: validate_tie_break(method, tie)),
                           ("minimum_evidence", lambda: validate_minimum_evidence(least))):
            try:
                out[key] = check()
            except CalculationError as e:
                raise BundleError(_p(path, key), str(e)) from None
        return out

    # -- the course --

    def course_(self) -> None:
        c = self.doc.get("course")
        if c is None:
            raise BundleError("course", "required")
        c = _obj(c, "course")
        self.cid = cid = _id(c, "course", "id")
        name = _str(c, "course", "name", required=True)
        self.course = {"id": cid, "name": name, "sis_course_id": _str(c, "course", "sis_course_id")}
        ms = c.get("mastery_scale")
        self.scale = None if ms is None else self._mastery_scale(_obj(ms, "course.mastery_scale"))
        self.calc = None
        cm = c.get("calculation_method")
        if cm is not None:
            path = "course.calculation_method"
            self.calc = {"course_id": cid, **self._calculation(_obj(cm, path), path, "method", "int")}

    def _mastery_scale(self, ms: dict) -> dict:
        """docs/behaviour.md §4.2: Canvas's OutcomeProficiency validation."""
        rpath = "course.mastery_scale.ratings"
        if ms.get("ratings") is None:
            raise BundleError(rpath, "required")
        items = _list(ms, "ratings", "course.mastery_scale")
        if not items:
            raise BundleError(rpath, "at least one rating is required")
        ratings, mastery_at = [], None
        for j, r in enumerate(items):
            path = _p(rpath, j)
            r = _obj(r, path)
            desc = _str(r, path, "description", required=True, limit=None)
            points = _num(r, path, "points", required=True, minimum=0)
            if ratings and ratings[-1]["points"] <= points:
                prev = _show(ratings[-1]["points"])
                msg = f"Points should be strictly decreasing: {prev} <= {_show(points)}"
                raise BundleError(_p(path, "points"), msg)
            mastery = _bool(r, path, "mastery", False)
            if mastery:
                if mastery_at is not None:
                    raise BundleError(_p(path, "mastery"), "Exactly one rating can have mastery")
                mastery_at = j
            color = r.get("color")
            if color is not None and (type(color) is not str or not _HEX6.match(color)):
                msg = f'must be six hex digits such as "0B874B" (got {_show(color)})'
                raise BundleError(_p(path, "color"), msg)
            ratings.append({"description": desc, "points": points, "mastery": mastery,
                            "color": color})
        if mastery_at is None:
            raise BundleError(rpath, "Exactly one rating can have mastery")
        return {"course_id": self.cid, "ratings": ratings, "points_possible": ratings[0]["points"],
                "mastery_points": ratings[mastery_at]["points"]}

    # -- roster --

    def sections_(self) -> None:
        self.sections, self.section_ids = [], set()
        for i, s in enumerate(_list(self.doc, "sections")):
            path = f"sections[{i}]"
            s = _obj(s, path)
            sid = _id(s, path, "id")
            self._unique(self.section_ids, sid, _p(path, "id"))
            self._not_elsewhere(self.stored.sections, "section", sid, _p(path, "id"))
            self.section_ids.add(sid)
            name = _str(s, path, "name") or self.course["name"]  # Canvas's default section name
            self.sections.append({"id": sid, "course_id": self.cid, "name": name})

    def users_(self) -> None:
        self.users, self.user_ids, sis_ids, self.sis_handed_on = [], set(), set(), []
        items = _list(self.doc, "users")
        stored_sis = self.stored.sis_user_ids
        # Stored users this bundle rewrites: their stored SIS ids are theirs to change or hand on.
        rewritten = {u["id"] for u in items if type(u) is dict and type(u.get("id")) is int} if stored_sis else set()
        for i, u in enumerate(items):
            path = f"users[{i}]"
            u = _obj(u, path)
            uid = _id(u, path, "id")
            self._unique(self.user_ids, uid, _p(path, "id"))
            self.user_ids.add(uid)
            name = _str(u, path, "name", required=True)
            sortable = _str(u, path, "sortable_name") or sortable_name(name)[:MAX_STR]
            sis = _str(u, path, "sis_user_id")
            if sis is not None:  # a unique column
                if sis in sis_ids:
                    msg = f"duplicate sis_user_id {_show(sis)}"
                    raise BundleError(_p(path, "sis_user_id"), msg)
                sis_ids.add(sis)
                holder = stored_sis.get(sis)
                if holder is not None and holder != uid:
                    if holder not in rewritten:
                        msg = f"sis_user_id {_show(sis)} belongs to stored user {holder}"
                        raise BundleError(_p(path, "sis_user_id"), msg)
                    self.sis_handed_on.append(holder)
            self.users.append({"id": uid, "name": name, "sortable_name": sortable,
                               "sis_user_id": sis, "login_id": _str(u, path, "login_id")})

    def enrollments_(self) -> None:
        self.enrollments, seen = [], set()
        for i, e in enumerate(_list(self.doc, "enrollments")):
            path = f"enrollments[{i}]"
            e = _obj(e, path)
            uid = _id(e, path, "user_id")
            self._user(uid, _p(path, "user_id"))
            sid = _id(e, path, "section_id")
            sections = self.stored.sections
            self._in_course(self.section_ids, sections, "section", sid, _p(path, "section_id"))
            role = _enum(e, path, "role", ROLES, None)
            state = _enum(e, path, "state", STATES, "active")
            observed = _id(e, path, "associated_user_id", required=False)
            if observed is not None:
                if role != "observer":
                    msg = f'only an observer enrollment can name an associated user (role "{role}")'
                    raise BundleError(_p(path, "associated_user_id"), msg)
                self._user(observed, _p(path, "associated_user_id"))
            limit = _bool(e, path, "limit_to_section", False)
            key = (uid, sid, role, observed)
            if key in seen:
                whom = "" if observed is None else f" observing user {observed}"
                msg = f"duplicate enrollment of user {uid} in section {sid} as {role}{whom}"
                raise BundleError(path, msg)
            seen.add(key)
            self.enrollments.append({
                "course_id": self.cid, "section_id": sid, "user_id": uid, "role": role,
                "state": state, "associated_user_id": observed, "limit_to_section": limit,
            })

    # -- the outcome tree --

    def groups_(self) -> None:
        items = _list(self.doc, "outcome_groups")
        # all ids first: a parent may come after its child in the document
        self.group_ids = ids = {
            g["id"] for g in items if type(g) is dict and type(g.get("id")) is int
        }
        stored = self.stored.outcome_groups
        rows, seen = [], set()
        for i, g in enumerate(items):
            path = f"outcome_groups[{i}]"
            g = _obj(g, path)
            gid = _id(g, path, "id")
            self._unique(seen, gid, _p(path, "id"))
            self._not_elsewhere(stored, "outcome group", gid, _p(path, "id"))
            seen.add(gid)
            title = _str(g, path, "title", required=True)
            parent = _id(g, path, "parent_id", required=False)
            if parent is not None:
                self._in_course(ids, stored, "outcome group", parent, _p(path, "parent_id"))
            rows.append({"id": gid, "course_id": self.cid, "parent_id": parent, "title": title})
        parent_of = {r["id"]: r["parent_id"] for r in rows}
        cycles = _cycles(parent_of)
        self.root = None
        for i, r in enumerate(rows):  # one root, no cycle: reported at the first group breaking it
            path = f"outcome_groups[{i}].parent_id"
            if r["id"] in cycles:
                loop = " -> ".join(map(str, cycles[r["id"]]))
                raise BundleError(path, f"outcome group {r['id']} is its own ancestor ({loop})")
            if r["parent_id"] is None:
                if self.root is not None:
                    msg = f"only one root group is allowed; outcome group {self.root} is the root"
                    raise BundleError(path, msg)
                self.root = r["id"]
        depth = {}
        for gid in parent_of:
            d, node = 0, gid
            while parent_of.get(node) in parent_of:
                node, d = parent_of[node], d + 1
            depth[gid] = d
        self.groups = sorted(rows, key=lambda r: depth[r["id"]])

    def outcomes_(self) -> None:
        self.outcomes, self.links, self.outcome_scoring = [], [], {}
        for i, o in enumerate(_list(self.doc, "outcomes")):
            path = f"outcomes[{i}]"
            o = _obj(o, path)
            oid = _id(o, path, "id")
            self._unique(self.outcome_scoring, oid, _p(path, "id"))
            title = _str(o, path, "title", required=True)
            display = _str(o, path, "display_name")
            desc = _str(o, path, "description", limit=None)
            guid = _str(o, path, "vendor_guid")
            gid = _id(o, path, "group_id", required=False)
            if gid is None:
                gid = self.root  # under the course's root group, when there is one
            else:
                groups = self.stored.outcome_groups
                self._in_course(self.group_ids, groups, "outcome group", gid, _p(path, "group_id"))
            pp = _num(o, path, "points_possible", minimum=0)
            mp = _num(o, path, "mastery_points", minimum=0)
            ratings = self._outcome_ratings(o, path)
            if ratings:  # docs/behaviour.md §4.1: both default to the highest rating's points
                pp = ratings[0]["points"] if pp is None else pp
                mp = ratings[0]["points"] if mp is None else mp
            else:  # docs/behaviour.md §4.1: Canvas's default criterion
                ratings = [{"description": d, "points": p} for d, p in DEFAULT_RATINGS]
                pp = DEFAULT_POINTS_POSSIBLE if pp is None else pp
                mp = DEFAULT_MASTERY_POINTS if mp is None else mp
            calculation = self._calculation(o, path, "calculation_method", "calculation_int")
            self.outcome_scoring[oid] = (pp, mp)
            self.outcomes.append({
                "id": oid, "title": title, "display_name": display, "description": desc,
                "vendor_guid": guid, "points_possible": pp, "mastery_points": mp,
                "ratings": ratings, **calculation,
            })
            self.links.append({"course_id": self.cid, "group_id": gid, "outcome_id": oid})

    def _outcome_ratings(self, o: dict, path: str) -> list[dict]:
        out = []
        for j, r in enumerate(_list(o, "ratings", path, "a list or null")):
            rp = _p(_p(path, "ratings"), j)
            r = _obj(r, rp)
            desc = _str(r, rp, "description", required=True, limit=None)
            out.append({"description": desc, "points": _num(r, rp, "points", True, minimum=0)})
        out.sort(key=lambda r: -r["points"])  # stable: equal points keep document order
        return out

    # -- what is assessed --

    def assets_(self) -> None:
        self.assets, self.asset_ids = [], set()
        for i, a in enumerate(_list(self.doc, "assets")):
            path = f"assets[{i}]"
            a = _obj(a, path)
            aid = _id(a, path, "id")
            self._unique(self.asset_ids, aid, _p(path, "id"))
            self._not_elsewhere(self.stored.assets, "asset", aid, _p(path, "id"))
            self.asset_ids.add(aid)
            self.assets.append({
                "id": aid, "course_id": self.cid,
                "type": _enum(a, path, "type", ASSET_TYPES, None),
                "name": _str(a, path, "name", required=True),
                "html_url": _str(a, path, "html_url", limit=None),
                "published": _bool(a, path, "published", True),
                "post_policy": _enum(a, path, "post_policy", POST_POLICIES, "automatic"),
            })

    def alignments_(self) -> None:
        self.alignments, self.align_info, self._percent_caches = [], {}, {}
        for i, a in enumerate(_list(self.doc, "alignments")):
            path = f"alignments[{i}]"
            a = _obj(a, path)
            aid = _id(a, path, "id")
            self._unique(self.align_info, aid, _p(path, "id"))
            owner = self._alignment_course(aid)
            if owner is not None and owner != self.cid:
                msg = f"alignment {aid} belongs to course {owner}, not course {self.cid}"
                raise BundleError(_p(path, "id"), msg)
            oid = _id(a, path, "outcome_id")
            if oid not in self.outcome_scoring and oid not in self.stored.outcomes:
                raise BundleError(_p(path, "outcome_id"), f"no such outcome {oid}")
            asset = _id(a, path, "asset_id")
            assets = self.stored.assets
            self._in_course(self.asset_ids, assets, "asset", asset, _p(path, "asset_id"))
            ms = _num(a, path, "mastery_score", minimum=0, maximum=1)
            self.align_info[aid] = self._info(oid, ms)
            self.alignments.append({"id": aid, "course_id": self.cid, "outcome_id": oid,
                                    "asset_id": asset, "mastery_score": ms, "deleted": False})

    def _alignment_course(self, aid: int) -> int | None:
        """The course of a stored alignment (its asset's), None when unknown or not stored."""
        got = self.stored.alignments.get(aid)
        if got is None:
            return None
        return self.cid if got[1] in self.asset_ids else self.stored.assets.get(got[1])

    def _info(self, oid: int, ms: float | None) -> tuple:
        """What a result needs of its alignment: (outcome, PP, MP, alignment mastery, cache)."""
        if self.scale is not None:  # docs/behaviour.md §4.2: the course scale replaces the outcome's points
            pp, mp = self.scale["points_possible"], self.scale["mastery_points"]
        else:
            pp, mp = self.outcome_scoring.get(oid) or self.stored.outcome_scoring.get(oid) or (
                None, None)
        cache = self._percent_caches.setdefault((pp, mp, ms), {})
        return (oid, pp, mp, ms, cache)

    def _stored_alignment(self, aid: int) -> tuple | None:
        if self._alignment_course(aid) != self.cid:
            return None
        oid, _asset, ms = self.stored.alignments[aid]
        info = self.align_info[aid] = self._info(oid, ms)
        return info

    # -- results: one tight loop; the first failed check hands over to `_result_error` --

    def results_(self) -> list[tuple]:
        items = _list(self.doc, "results")
        cid = self.cid
        users = self.user_ids | self.stored.users if self.stored.users else self.user_ids
        aget = self.align_info.get
        stored_alignment = self._stored_alignment
        tcache: dict[str, Any] = {}
        tget = tcache.get
        parse_ts = _parse_ts
        artifact_types = frozenset(ARTIFACT_TYPES)
        compute = compute_percent
        course_scale = self.scale is not None
        cap = _CACHE_CAP
        rows: list[tuple] = []
        append = rows.append
        seen: set[int] = set()
        seen_add = seen.add
        by_user: dict[int, dict[int, int]] = {}  # user -> alignment -> row index (no tuple keys)
        last_uid, by_alignment = None, {}
        MISS, BAD = _MISS, _BAD
        i = -1
        try:
            for i, r in enumerate(items):
                if type(r) is not dict:
                    break
                g = r.get
                aid = g("alignment_id")
                if type(aid) is not int:
                    break
                al = aget(aid)
                if al is None:
                    al = stored_alignment(aid)
                    if al is None:
                        break
                rid = g("id")
                uid = g("user_id")
                oid = g("outcome_id")
                if (type(rid) is not int or not 0 < rid < SERVICE_ID_BASE or rid in seen
                        or type(uid) is not int or uid not in users
                        or type(oid) is not int or oid != al[0]):
                    break
                score = g("score")
                t = type(score)
                if t is float:
                    if score - score != 0.0:  # NaN or infinite
                        break
                elif t is int:
                    score = float(score)  # OverflowError: to _result_error
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
                    v = sub
                    sub = tget(v) if type(v) is str else BAD
                    if sub is None:
                        sub = parse_ts(v)
                        sub = tcache[v] = BAD if type(sub) is str else sub
                    if sub is BAD:
                        break
                ass = g("assessed_at")
                if ass is not None:
                    v = ass
                    ass = tget(v) if type(v) is str else BAD
                    if ass is None:
                        ass = parse_ts(v)
                        ass = tcache[v] = BAD if type(ass) is str else ass
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
                if title is not None and (type(title) is not str or "\x00" in title):
                    break
                art = g("artifact_type")
                if art is None:
                    art = "other"
                elif art not in artifact_types:  # unhashable: TypeError, to _result_error
                    break
                if percent is None:  # docs/behaviour.md §2.2, cached by possible and score per scoring params
                    pc = al[4]
                    by_score = pc.get(possible)
                    if by_score is None:
                        by_score = {}
                        if len(pc) < cap:
                            pc[possible] = by_score
                    percent = by_score.get(score, MISS)
                    if percent is MISS:
                        percent = compute(score, possible, points_possible=al[1],
                                          mastery_points=al[2], alignment_mastery=al[3],
                                          course_scale=course_scale)
                        if len(by_score) < cap:
                            by_score[score] = percent
                seen_add(rid)  # not before: an exception above must not make the id a duplicate
                if uid != last_uid:  # results mostly come grouped by user
                    by_alignment = by_user.get(uid)
                    if by_alignment is None:
                        by_alignment = by_user[uid] = {}
                    last_uid = uid
                j = by_alignment.get(aid)
                if j is not None:
                    # docs/behaviour.md §2.5: the first row keeps its id and other fields and takes the later
                    # score and possible, with their percent (computed above unless given)
                    rows[j] = rows[j][:5] + (score, possible, percent) + rows[j][8:]
                    continue
                by_alignment[aid] = len(rows)
                if sub is not None:
                    time, sub = sub[1], sub[0]
                elif ass is not None:
                    time = ass[1]
                else:
                    time = 0  # docs/behaviour.md §1.2 item 5
                append((rid, cid, uid, oid, aid, score, possible, percent, mastery, hidden, hide,
                        posted, sub, None if ass is None else ass[0], time, title, art, False))
            else:
                return rows
        except (TypeError, OverflowError) as e:
            self._result_error(i, items[i], seen)
            raise RuntimeError(f"results[{i}]: fast path failed on a valid result") from e
        self._result_error(i, items[i], seen)
        raise RuntimeError(f"results[{i}]: fast path rejected a valid result")

    def _result_error(self, i: int, r: Any, seen: set[int]) -> None:
        """Raise the exact error of results[i]: the fast path only knows *that* it is wrong."""
        path = f"results[{i}]"
        r = _obj(r, path)
        rid = _id(r, path, "id")
        if rid >= SERVICE_ID_BASE:
            msg = f"must be below {SERVICE_ID_BASE}: ids from there on are those of results this service records"
            raise BundleError(_p(path, "id"), msg)
        self._unique(seen, rid, _p(path, "id"))
        self._user(_id(r, path, "user_id"), _p(path, "user_id"))
        oid = _id(r, path, "outcome_id")
        aid = _id(r, path, "alignment_id")
        if aid in self.align_info:
            aligned = self.align_info[aid][0]
        elif aid in self.stored.alignments:
            owner = self._alignment_course(aid)
            if owner != self.cid:
                where = "another course" if owner is None else f"course {owner}"
                msg = f"alignment {aid} belongs to {where}, not course {self.cid}"
                raise BundleError(_p(path, "alignment_id"), msg)
            aligned = self.stored.alignments[aid][0]
        else:
            raise BundleError(_p(path, "alignment_id"), f"no such alignment {aid}")
        if oid != aligned:
            msg = f"alignment {aid} aligns outcome {aligned}, not {oid}"
            raise BundleError(_p(path, "outcome_id"), msg)
        for key in ("score", "possible", "percent"):
            _num(r, path, key)
        _bool(r, path, "mastery", None)
        for key in ("submitted_at", "assessed_at"):
            v = r.get(key)
            if v is not None and type(got := _parse_ts(v)) is str:
                raise BundleError(_p(path, key), got)
        _bool(r, path, "hidden", False)
        _bool(r, path, "hide_points", False)
        _bool(r, path, "posted", True)
        _str(r, path, "title", limit=None)
        _enum(r, path, "artifact_type", ARTIFACT_TYPES, "other")


def _cycles(parent_of: dict[int, int | None]) -> dict[int, list[int]]:
    """Every group on a cycle of parent links -> that cycle, starting and ending at the group."""
    on_cycle: dict[int, list[int]] = {}
    done: set[int] = set()
    for start in parent_of:
        chain, at, node = [], {}, start
        while node in parent_of and node not in done:
            if node in at:
                loop = chain[at[node]:]
                for k, n in enumerate(loop):
                    on_cycle[n] = loop[k:] + loop[:k] + [n]
                break
            at[node] = len(chain)
            chain.append(node)
            node = parent_of[node]
        done.update(chain)
    return on_cycle
