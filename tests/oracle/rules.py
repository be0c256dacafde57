"""Who may see what, written from the access rules alone, never from the server's code: the oracle the
generated worlds are checked against.

The rules, in short: a deleted enrollment grants nothing. Graders (a teacher or TA with an active enrollment)
see everything of their course, hidden and unposted results included; a section-limited one sees only the
students with a non-deleted student enrollment in their sections. A student sees only their own results and rollups
(as a member of the course: an active or completed enrollment of any role), an observer (active or completed) only their linked students', and
neither ever sees hidden results or unposted ones under a manual post policy. Designers and other roles see
nothing of students' data. Outcome trees, groups and alignments show to members of a course that links them
(an active or completed enrollment of any role), unpublished alignments to its graders only. Everything about
all the students of a course (lists, aggregates, contributing scores, ordering, recalculation) is for
graders; course-wide scoring (calculation method, mastery scale, outcome edits) for teachers who are not
section-limited, and admins. Admins see everything but the data of students who left a course (every
student enrollment there deleted), which is nobody's to read.

A viewer is a user id, or ADMIN. A thing is a tuple naming its kind first; see may_see.
"""

from __future__ import annotations

from tests.oracle.world import World

ADMIN = "admin"
GRADER_ROLES = ("teacher", "ta")
READING_STATES = ("active", "completed")  # a student's or observer's enrollment that still reads


def _mine(world: World, viewer, course: int):
    return [e for e in world.enrollments if e.user == viewer and e.course == course and e.state != "deleted"]


def member(world: World, viewer, course: int) -> bool:
    """Takes part in the course: an active or completed enrollment of any role."""
    return viewer == ADMIN or any(e.state in READING_STATES for e in _mine(world, viewer, course))


def grader(world: World, viewer, course: int) -> bool:
    """A teacher or TA with an active enrollment (section-limited or not)."""
    return viewer == ADMIN or any(e.role in GRADER_ROLES and e.state == "active" for e in _mine(world, viewer, course))


def grader_sections(world: World, viewer, course: int) -> set[int] | None:
    """None: every section; else the sections a section-limited grader is limited to."""
    if viewer == ADMIN:
        return None
    graders = [e for e in _mine(world, viewer, course) if e.role in GRADER_ROLES and e.state == "active"]
    if any(not e.limited for e in graders):
        return None
    return {e.section for e in graders}


def enrolled_student(world: World, user: int, course: int, sections: set[int] | None = None) -> bool:
    """Has a non-deleted student enrollment in the course (in one of `sections`, when given)."""
    return any(e.user == user and e.course == course and e.role == "student" and e.state != "deleted"
               and (sections is None or e.section in sections) for e in world.enrollments)


def grades_student(world: World, viewer, course: int, student: int) -> bool:
    """A grader who sees this student: unlimited graders (admins too) every student of the course, limited ones
    those of their sections. A student whose every enrollment there is deleted has left: nobody's to read."""
    return grader(world, viewer, course) and enrolled_student(world, student, course,
                                                               grader_sections(world, viewer, course))


def reads_student(world: World, viewer, course: int, student: int) -> bool:
    """May read this student's results and rollups: a grader of theirs, themself (a member of the course with
    a student enrollment there, whatever its state, as Canvas lets a user read their own grades), or an observer (active or completed) linked to them while they are enrolled."""
    if grader(world, viewer, course):  # where they grade, they read as a grader only
        return grades_student(world, viewer, course, student)
    mine = _mine(world, viewer, course)
    if viewer == student and member(world, viewer, course) and enrolled_student(world, student, course):
        return True  # a member of the course reads their own grades, as any student of it
    return enrolled_student(world, student, course) and any(
        e.role == "observer" and e.state in READING_STATES and e.observee == student for e in mine)


def sees_user(world: World, viewer, user: int) -> bool:
    """Query.user / User entity: themself, an admin, a grader of a course where the user is enrolled (in the
    grader's sections when limited), or an observer linked to them in a course they are enrolled in."""
    if viewer == ADMIN or viewer == user:
        return True
    for c in world.courses:
        theirs = [e for e in world.enrollments if e.user == user and e.course == c and e.state != "deleted"]
        if not theirs or not grader(world, viewer, c):
            continue
        sections = grader_sections(world, viewer, c)
        if sections is None or any(e.section in sections for e in theirs):
            return True
    return any(e.role == "observer" and e.state in READING_STATES and e.observee == user
               and _in_course(world, user, e.course) for e in world.enrollments if e.user == viewer)


def _in_course(world: World, user: int, course: int) -> bool:
    return any(e.user == user and e.course == course and e.state != "deleted" for e in world.enrollments)


def shown_to_non_grader(world: World, result) -> bool:
    """Hidden results, and unposted ones under a manual post policy, are for graders only."""
    asset = world.assets[world.alignments[result.alignment].asset]
    return not result.hidden and not (asset.manual and not result.posted)


def manages_scoring(world: World, viewer, course: int) -> bool:
    """Course-wide scoring (calculation method, mastery scale, outcome edits): teachers and admins; a
    section-limited teacher would move the rollups of sections they cannot see, so not them."""
    if viewer == ADMIN:
        return True
    teachers = [e for e in _mine(world, viewer, course) if e.role == "teacher" and e.state == "active"]
    return any(not e.limited for e in teachers)


def may_see(world: World, viewer, thing: tuple) -> bool:
    """The oracle. Things:
    ("course", c) · ("outcome", o) · ("group", g) · ("alignment", a) · ("user", u) · ("result", r) ·
    ("student", c, u) (their results and rollups) · ("job", j) · ("all_students", c) (lists, aggregates,
    contributing scores, ordering, recalculation of a course) · ("grade", c, u) (record a student's result) ·
    ("scoring", c) · ("edit_outcome", c, o)."""
    kind = thing[0]
    if kind == "course":
        return member(world, viewer, thing[1])
    if kind == "outcome":
        return any(member(world, viewer, c) for (c, o) in world.links if o == thing[1])
    if kind == "group":
        return member(world, viewer, world.groups[thing[1]][0])
    if kind == "alignment":
        a = world.alignments[thing[1]]
        visible = world.assets[a.asset].published or grader(world, viewer, a.course)
        return member(world, viewer, a.course) and visible
    if kind == "user":
        return sees_user(world, viewer, thing[1])
    if kind == "result":
        r = world.results[thing[1]]
        if grades_student(world, viewer, r.course, r.user):
            return True
        return reads_student(world, viewer, r.course, r.user) and shown_to_non_grader(world, r)
    if kind == "student":
        return reads_student(world, viewer, thing[1], thing[2])
    if kind == "job":
        course, user = world.jobs[thing[1]]
        return grader(world, viewer, course) and (user is None or grades_student(world, viewer, course, user))
    if kind == "all_students":
        return grader(world, viewer, thing[1])
    if kind == "grade":
        return grades_student(world, viewer, thing[1], thing[2])
    if kind == "scoring":
        return manages_scoring(world, viewer, thing[1])
    if kind == "edit_outcome":
        # a shared outcome changes every course that links it
        return all(manages_scoring(world, viewer, c) for (c, o) in world.links if o == thing[2])
    raise ValueError(f"unknown thing {thing!r}")
