"""Generate the demo course bundle so the demo data is reproducible instead of hand-edited."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "outcome_graph" / "db" / "demo_course.json"
COURSE_ID = 1
COURSE_NAME = "Grade 7 Science"

TERM_START = datetime(2026, 9, 1, 8, 0)
TERM_END = datetime(2026, 11, 20, 16, 0)
# US Central: daylight time (-05:00) ends at 02:00 local on Sunday 2026-11-01.
DST_END = datetime(2026, 11, 1, 2, 0)

FOUR_POINT = [
    {"description": "Exceeds Mastery", "points": 4},
    {"description": "Mastery", "points": 3},
    {"description": "Near Mastery", "points": 2},
    {"description": "Below Mastery", "points": 1},
    {"description": "No Evidence", "points": 0},
]
DEFAULT_CRITERION = [
    {"description": "Exceeds Expectations", "points": 5},
    {"description": "Meets Expectations", "points": 3},
    {"description": "Does Not Meet Expectations", "points": 0},
]
THREE_LEVEL = [
    {"description": "Proficient", "points": 3},
    {"description": "Developing", "points": 2},
    {"description": "Beginning", "points": 1},
]

STUDENT_NAMES = [
    "Maya Patel", "Liam O'Connor", "Sofia Hernández", "Ethan Nguyen", "Amara Okafor",
    "Noah Kim", "Isabella Rossi", "Jayden Williams", "Chloe Dubois", "Mateo García",
    "Aaliyah Johnson", "Lucas Schmidt", "Hannah Cohen", "Diego Morales", "Priya Sharma",
    "Owen McAllister", "Zoë Andersen", "Elijah Brooks", "Mei Chen", "Gabriel Santos",
    "Fatima Al-Sayed", "Caleb Thompson", "Nadia Petrova", "Julian Baptiste", "Ava Martinez",
    "Kai Nakamura", "Grace Mbeki", "Samuel Lee", "Leah Goldberg", "Tyler Anderson",
]

# Special students (user ids), chosen so each edge case is exercised by the demo.
TWO_SECTION_STUDENT = 105
OBSERVED_STUDENT = 107
CONCLUDED_STUDENT = 118
INACTIVE_STUDENT = 122
NO_RESULTS_STUDENT = 130
MANUAL_POST_ASSET = 304
UNPUBLISHED_ASSET = 308


def local_ts(dt: datetime) -> str:
    """Render a naive US-Central wall-clock time with the offset that applied on that date."""
    offset = timedelta(hours=-5) if dt < DST_END else timedelta(hours=-6)
    return dt.replace(tzinfo=timezone(offset)).isoformat()


def utc_ts(dt: datetime) -> str:
    """Render a naive US-Central time as UTC, the way an auto-graded quiz engine stamps it."""
    offset = timedelta(hours=-5) if dt < DST_END else timedelta(hours=-6)
    return (dt - offset).replace(tzinfo=timezone.utc).isoformat()


def split_name(full: str) -> tuple[str, str]:
    """Split "First Last" (last word is the surname) so sortable_name reads "Last, First"."""
    first, last = full.rsplit(" ", 1)
    return first, last


def login_for(first: str, last: str) -> str:
    """Build an ASCII school-style login so login_id looks like a real SIS export."""
    ascii_map = str.maketrans("áéíóúñëöüç", "aeiounoeuc")

    def clean(part: str) -> str:
        """Lower-case, strip accents and punctuation so the login is plain ASCII."""
        return "".join(ch for ch in part.lower().translate(ascii_map) if ch.isalnum())

    return f"{clean(first)}.{clean(last)}"


def build(rng: random.Random) -> dict:
    """Assemble the whole bundle document; all randomness flows from the one seeded rng."""
    sections = [
        {"id": 10, "name": "Period 1"},
        {"id": 11, "name": "Period 2"},
        {"id": 12, "name": "Period 3"},
    ]

    users = [
        {"id": 1, "name": "Grace Hopper", "sortable_name": "Hopper, Grace",
         "sis_user_id": "T0001", "login_id": "ghopper"},
        {"id": 2, "name": "Marcus Reed", "sortable_name": "Reed, Marcus",
         "sis_user_id": "T0002", "login_id": "mreed"},
        {"id": 3, "name": "Marco Rossi", "sortable_name": "Rossi, Marco",
         "sis_user_id": "P0003", "login_id": "marco.rossi.parent"},
        {"id": 4, "name": "Robert Tanaka", "sortable_name": "Tanaka, Robert",
         "sis_user_id": "D0004", "login_id": "rtanaka"},
    ]
    enrollments = [
        {"user_id": 1, "section_id": s["id"], "role": "teacher", "state": "active",
         "associated_user_id": None, "limit_to_section": False}
        for s in sections
    ]
    enrollments += [
        {"user_id": 2, "section_id": 11, "role": "ta", "state": "active",
         "associated_user_id": None, "limit_to_section": True},
        {"user_id": 4, "section_id": 10, "role": "designer", "state": "active",
         "associated_user_id": None, "limit_to_section": False},
    ]

    student_ids = []
    for i, full in enumerate(STUDENT_NAMES):
        uid = 101 + i
        first, last = split_name(full)
        users.append({"id": uid, "name": full, "sortable_name": f"{last}, {first}",
                      "sis_user_id": f"S{uid:04d}", "login_id": login_for(first, last)})
        section = sections[i // 10]["id"]
        state = "active"
        if uid == CONCLUDED_STUDENT:
            state = "completed"
        elif uid == INACTIVE_STUDENT:
            state = "inactive"
        enrollments.append({"user_id": uid, "section_id": section, "role": "student", "state": state,
                            "associated_user_id": None, "limit_to_section": False})
        if uid == TWO_SECTION_STUDENT:
            enrollments.append({"user_id": uid, "section_id": 11, "role": "student", "state": "active",
                                "associated_user_id": None, "limit_to_section": False})
        student_ids.append(uid)
    observed_section = sections[(OBSERVED_STUDENT - 101) // 10]["id"]
    enrollments.append({"user_id": 3, "section_id": observed_section, "role": "observer",
                        "state": "active", "associated_user_id": OBSERVED_STUDENT,
                        "limit_to_section": False})

    outcome_groups = [
        {"id": 1, "title": COURSE_NAME, "parent_id": None},
        {"id": 2, "title": "Scientific Inquiry", "parent_id": 1},
        {"id": 3, "title": "Matter and Energy", "parent_id": 1},
        {"id": 4, "title": "Life Science", "parent_id": 1},
        {"id": 5, "title": "Lab Safety", "parent_id": 2},
        {"id": 6, "title": "Cells and Organisms", "parent_id": 4},
    ]

    def outcome(oid, title, group, ratings, mastery, method, n, display=None, desc="", guid=None):
        """Shape one outcome row; points_possible is the top rating as Canvas derives it."""
        return {"id": oid, "title": title, "display_name": display, "description": desc,
                "vendor_guid": guid, "group_id": group,
                "points_possible": ratings[0]["points"], "mastery_points": mastery,
                "ratings": [dict(r) for r in ratings],
                "calculation_method": method, "calculation_int": n}

    outcomes = [
        outcome(201, "Follows lab safety procedures", 5, FOUR_POINT, 3, "decaying_average", 65,
                display="Lab Safety",
                desc="<p>Uses goggles, handles equipment and disposes of materials safely.</p>"),
        outcome(202, "Plans and conducts a fair test", 2, FOUR_POINT, 3, "weighted_average", 75,
                desc="<p>Identifies independent, dependent and controlled variables.</p>",
                guid="NGSS-SEP-3"),
        outcome(203, "Analyzes and interprets data", 2, FOUR_POINT, 3, "standard_decaying_average", 65,
                display="Data Analysis",
                desc="<p>Builds tables and graphs and describes patterns in data.</p>",
                guid="NGSS-SEP-4"),
        outcome(204, "Describes particle motion in states of matter", 3, DEFAULT_CRITERION, 3,
                "n_mastery", 3,
                desc="<p>Predicts how adding or removing thermal energy changes particle motion.</p>",
                guid="NGSS-MS-PS1-4"),
        outcome(205, "Explains thermal energy transfer", 3, FOUR_POINT, 3, "latest", None,
                desc="<p>Designs a device that minimizes or maximizes thermal energy transfer.</p>",
                guid="NGSS-MS-PS3-3"),
        outcome(206, "Models cell structure and function", 6, THREE_LEVEL, 2, "highest", None,
                display="Cell Models",
                desc="<p>Uses a model to show how cell parts contribute to the cell's function.</p>",
                guid="NGSS-MS-LS1-2"),
        outcome(207, "Describes interactions in ecosystems", 4, DEFAULT_CRITERION, 3, "average", None,
                desc="<p>Explains patterns of competition, predation and mutualism.</p>",
                guid="NGSS-MS-LS2-2"),
        outcome(208, "Communicates scientific findings", 2, FOUR_POINT, 3,
                "standard_decaying_average", 80,
                desc="<p>Writes clear claims supported by evidence and reasoning.</p>",
                guid="NGSS-SEP-8"),
    ]
    outcome_by_id = {o["id"]: o for o in outcomes}

    # (id, type, name, due date, post policy, published)
    asset_specs = [
        (301, "assignment", "Lab Safety Walkthrough", datetime(2026, 9, 4, 10, 0), "automatic", True),
        (302, "assignment", "Density Lab Report", datetime(2026, 9, 25, 23, 59), "automatic", True),
        (303, "assignment", "States of Matter Poster", datetime(2026, 10, 2, 23, 59), "automatic", True),
        (304, "assignment", "Heat Transfer Investigation", datetime(2026, 10, 16, 23, 59), "manual", True),
        (305, "assignment", "Cell Model Project", datetime(2026, 10, 30, 23, 59), "automatic", True),
        (306, "assignment", "Food Web Diagram", datetime(2026, 11, 13, 23, 59), "automatic", True),
        (307, "assignment", "Pendulum Experiment Write-up", datetime(2026, 9, 18, 23, 59), "automatic", True),
        (308, "assignment", "Ecosystem Field Journal", datetime(2026, 11, 20, 15, 0), "automatic", False),
        (309, "quiz", "Matter and Energy Quiz", datetime(2026, 10, 9, 11, 0), "automatic", True),
        (310, "quiz", "Cells Quiz", datetime(2026, 11, 6, 11, 0), "automatic", True),
        (311, "rubric", "Lab Notebook Rubric", datetime(2026, 10, 23, 15, 0), "automatic", True),
        (312, "rubric", "Science Fair Presentation Rubric", datetime(2026, 11, 18, 15, 0), "automatic", True),
    ]
    url_part = {"assignment": "assignments", "quiz": "quizzes", "rubric": "rubrics"}
    assets = [
        {"id": aid, "type": kind, "name": name, "html_url": f"/courses/{COURSE_ID}/{url_part[kind]}/{aid}",
         "published": published, "post_policy": policy}
        for aid, kind, name, _due, policy, published in asset_specs
    ]
    asset_by_id = {a["id"]: a for a in assets}
    due_by_asset = {aid: due for aid, _k, _n, due, _p, _pub in asset_specs}

    # (outcome, asset, mastery_score, quiz points aligned to this outcome)
    alignment_specs = [
        (201, 301, None, None), (201, 307, None, None), (201, 311, None, None),
        (202, 302, None, None), (202, 307, None, None), (202, 312, None, None),
        (203, 302, None, None), (203, 304, None, None), (203, 311, None, None),
        (204, 303, None, None), (204, 309, 0.7, 10), (204, 304, None, None),
        (205, 304, None, None), (205, 309, None, 8),
        (206, 305, None, None), (206, 310, None, 6),
        (207, 306, None, None), (207, 308, None, None), (207, 310, None, 10),
        (208, 302, None, None), (208, 307, None, None), (208, 311, None, None), (208, 312, None, None),
    ]
    alignments = []
    quiz_points = {}
    for i, (oid, aid, ms, qpts) in enumerate(alignment_specs):
        alid = 401 + i
        alignments.append({"id": alid, "outcome_id": oid, "asset_id": aid, "mastery_score": ms})
        if qpts is not None:
            quiz_points[alid] = qpts

    # Per-student ability and growth, so a student's scores hang together across the term.
    ability = {uid: rng.uniform(0.35, 0.92) for uid in student_ids}
    growth = {uid: rng.uniform(-0.05, 0.15) for uid in student_ids}
    # Period 3 results of the manually posted assignment are graded but not yet released.
    period3 = {e["user_id"] for e in enrollments if e["role"] == "student" and e["section_id"] == 12}

    results = []
    rid = 1001
    for uid in student_ids:
        if uid == NO_RESULTS_STUDENT:
            continue
        user = next(u for u in users if u["id"] == uid)
        # One submission per (student, asset): its timestamps are shared by every aligned outcome.
        submissions = {}
        for aid, asset in asset_by_id.items():
            if not asset["published"] or rng.random() > 0.8:
                continue
            due = due_by_asset[aid]
            if asset["type"] == "quiz":
                sub = due - timedelta(minutes=rng.randint(5, 45))
                submissions[aid] = (sub, sub)
            elif aid == 301:  # assessed live in class: no submission, only a grading time
                submissions[aid] = (None, due + timedelta(minutes=rng.randint(0, 50)))
            else:
                sub = due - timedelta(hours=rng.randint(1, 72), minutes=rng.randint(0, 59))
                sub = max(sub, TERM_START)
                graded = min(sub + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)), TERM_END)
                # A few paper hand-ins are recorded only when graded.
                submissions[aid] = (None if rng.random() < 0.08 else sub, graded)
        for al in alignments:
            aid = al["asset_id"]
            if aid not in submissions or rng.random() > 0.88:
                continue
            o = outcome_by_id[al["outcome_id"]]
            asset = asset_by_id[aid]
            submitted, assessed = submissions[aid]
            progress = (assessed - TERM_START) / (TERM_END - TERM_START)
            frac = ability[uid] + growth[uid] * progress + rng.gauss(0, 0.12)
            frac = min(1.0, max(0.0, frac))
            if asset["type"] == "quiz":
                possible = quiz_points[al["id"]]
                score = round(frac * possible)
                artifact = "quiz_submission"
                sub_s, ass_s = utc_ts(submitted), utc_ts(assessed)
            else:
                possible = o["points_possible"]
                points = [r["points"] for r in o["ratings"]]
                score = min(points, key=lambda p: (abs(p - frac * possible), -p))
                artifact = "live_assessment" if aid == 301 else "rubric_assessment"
                sub_s = local_ts(submitted) if submitted else None
                ass_s = local_ts(assessed)
            threshold = al["mastery_score"] or o["mastery_points"] / o["points_possible"]
            results.append({
                "id": rid, "user_id": uid, "outcome_id": o["id"], "alignment_id": al["id"],
                "score": score, "possible": possible, "percent": None,
                "mastery": score / possible >= threshold,
                "submitted_at": sub_s, "assessed_at": ass_s,
                "hidden": False, "hide_points": aid == 312,
                "posted": not (asset["post_policy"] == "manual" and uid in period3),
                "title": f"{user['name']}, {asset['name']}", "artifact_type": artifact,
            })
            rid += 1

    # A few ungraded rubric criteria (score null) and a few results hidden by the teacher.
    rubric_results = [r for r in results if r["artifact_type"] == "rubric_assessment"]
    for r in rng.sample(rubric_results, 4):
        r["score"] = None
        r["mastery"] = None
    for r in rng.sample([r for r in results if r["score"] is not None], 5):
        r["hidden"] = True

    # Ties: for a handful of (student, outcome) pairs, two results carry the identical time.
    by_pair = {}
    for r in results:
        if r["score"] is not None and r["artifact_type"] == "rubric_assessment":
            by_pair.setdefault((r["user_id"], r["outcome_id"]), []).append(r)
    candidates = [rs for rs in by_pair.values() if len(rs) >= 2]
    for rs in rng.sample(candidates, 6):
        src, dst = rng.sample(rs, 2)
        dst["submitted_at"], dst["assessed_at"] = src["submitted_at"], src["assessed_at"]

    return {
        "format": "outcome-graph/course-bundle@1",
        "course": {"id": COURSE_ID, "name": COURSE_NAME, "sis_course_id": "SCI-7",
                   "mastery_scale": None, "calculation_method": None},
        "sections": sections,
        "users": users,
        "enrollments": enrollments,
        "outcome_groups": outcome_groups,
        "outcomes": outcomes,
        "assets": assets,
        "alignments": alignments,
        "results": results,
    }


def main() -> None:
    """Write the bundle to outcome_graph/db/demo_course.json."""
    doc = build(random.Random(2026))
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(doc['results'])} results)")


if __name__ == "__main__":
    main()
