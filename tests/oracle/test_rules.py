"""The oracle itself, on a hand-made world holding the cases issue 12 found: it must forbid each of them and
allow their legitimate neighbours (without this, a lenient oracle would pass a leaking server)."""

from __future__ import annotations

from tests.oracle.rules import ADMIN, may_see
from tests.oracle.world import Alignment, Asset, Enrollment, Result, World

A, B = 1, 2  # two courses sharing outcome 100
TEACHER, LIMITED_TA, STUDENT_A, STUDENT_B, MOVED, OBSERVER, DESIGNER, INVITED = range(11, 19)


def world() -> World:
    enrollments = [
        Enrollment(TEACHER, A, 10, "teacher", "active"),
        Enrollment(LIMITED_TA, A, 10, "ta", "active", limited=True),
        Enrollment(STUDENT_A, A, 10, "student", "active"),
        Enrollment(STUDENT_B, B, 20, "student", "active"),
        Enrollment(MOVED, A, 10, "student", "deleted"),  # moved from the TA's section to section 11
        Enrollment(MOVED, A, 11, "student", "active"),
        Enrollment(OBSERVER, A, 11, "observer", "active", observee=MOVED),
        Enrollment(DESIGNER, A, 10, "designer", "active"),
        Enrollment(INVITED, A, 10, "student", "invited"),
    ]
    assets = {50: Asset(50, A, published=False, manual=False), 51: Asset(51, A, published=True, manual=True),
              60: Asset(60, B, published=True, manual=False)}
    alignments = {70: Alignment(70, A, 100, 50), 71: Alignment(71, A, 100, 51), 80: Alignment(80, B, 100, 60)}
    results = {90: Result(90, A, MOVED, 100, 71, hidden=False, posted=True, score=3),
               91: Result(91, A, MOVED, 100, 71, hidden=True, posted=True, score=3),
               92: Result(92, A, STUDENT_A, 100, 71, hidden=False, posted=False, score=3),
               93: Result(93, A, INVITED, 100, 71, hidden=False, posted=True, score=3)}
    return World(courses=[A, B], sections={10: A, 11: A, 20: B},
                 users=[TEACHER, LIMITED_TA, STUDENT_A, STUDENT_B, MOVED, OBSERVER, DESIGNER, INVITED],
                 enrollments=enrollments, groups={1000: (A, None), 2000: (B, None)}, outcomes=[100],
                 links={(A, 100): 1000, (B, 100): 2000}, assets=assets, alignments=alignments, results=results)


def test_a_shared_outcome_opens_nothing_of_the_other_course():
    w = world()
    assert may_see(w, STUDENT_B, ("outcome", 100))
    assert not may_see(w, STUDENT_B, ("group", 1000)) and may_see(w, STUDENT_B, ("group", 2000))
    assert not may_see(w, STUDENT_B, ("alignment", 71)) and may_see(w, STUDENT_B, ("alignment", 80))


def test_a_deleted_enrollment_in_a_limited_graders_section_grants_nothing():
    w = world()
    assert not may_see(w, LIMITED_TA, ("result", 90)) and not may_see(w, LIMITED_TA, ("student", A, MOVED))
    assert may_see(w, LIMITED_TA, ("result", 92)) and may_see(w, TEACHER, ("result", 90))


def test_unpublished_alignments_are_for_graders():
    w = world()
    assert not may_see(w, STUDENT_A, ("alignment", 70)) and may_see(w, STUDENT_A, ("alignment", 71))
    assert may_see(w, LIMITED_TA, ("alignment", 70)) and not may_see(w, DESIGNER, ("alignment", 70))


def test_hidden_and_unposted_results_are_for_graders():
    w = world()
    assert may_see(w, MOVED, ("result", 90)) and not may_see(w, MOVED, ("result", 91))
    assert not may_see(w, STUDENT_A, ("result", 92)) and may_see(w, TEACHER, ("result", 92))
    assert may_see(w, OBSERVER, ("result", 90)) and not may_see(w, OBSERVER, ("result", 91))
    assert not may_see(w, STUDENT_A, ("result", 90)) and not may_see(w, DESIGNER, ("result", 90))
    assert not may_see(w, INVITED, ("result", 93))  # an invited student reads nothing yet


def test_course_wide_scoring_is_for_teachers_and_admins():
    w = world()
    assert may_see(w, TEACHER, ("scoring", A)) and may_see(w, ADMIN, ("scoring", A))
    assert not may_see(w, LIMITED_TA, ("scoring", A)) and not may_see(w, DESIGNER, ("scoring", A))
    assert not may_see(w, TEACHER, ("edit_outcome", A, 100))  # it is linked in B too, where they teach nothing
    assert may_see(w, LIMITED_TA, ("all_students", A)) and not may_see(w, STUDENT_A, ("all_students", A))
