"""The one access policy (docs/access.md): every entry point asks it, no other module decides access."""

from outcome_graph.resolvers.access.course import (NOT_AUTHORIZED_GRADES, CourseAccess, course_access,
                                                   readable_courses, require_grader, require_teacher, require_viewer,
                                                   student_sections)
from outcome_graph.resolvers.access.entities import (Posting, load_job, result_posting, sees_sis_id,
                                                     visible_alignment, visible_alignments, visible_job,
                                                     visible_outcome, visible_result, visible_user)
from outcome_graph.resolvers.access.entry import ENTRY_POINTS, entry_point
from outcome_graph.resolvers.access.viewer import (LIVE_STATES, ROLES, Bearer, OwnCourse, OwnEnrollment, bearer,
                                                   own_courses, own_enrollments)

__all__ = ["ENTRY_POINTS", "LIVE_STATES", "NOT_AUTHORIZED_GRADES", "ROLES", "Bearer", "CourseAccess", "OwnCourse",
           "OwnEnrollment", "Posting", "bearer", "course_access", "entry_point", "load_job", "own_courses",
           "own_enrollments", "readable_courses", "require_grader", "require_teacher", "require_viewer",
           "result_posting", "sees_sis_id", "student_sections", "visible_alignment", "visible_alignments",
           "visible_job", "visible_outcome", "visible_result", "visible_user"]
