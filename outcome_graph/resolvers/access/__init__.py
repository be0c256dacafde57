"""The one access policy (docs/access.md): every entry point asks it, no other module decides access."""

from outcome_graph.resolvers.access.course import (DELETED, GRADER_ROLES, INSUFFICIENT, NO_ALL_GRADES, CourseAccess,
                                                   course_access, live_enrollments, not_found, readable_courses,
                                                   require_grader, require_teacher, require_viewer,
                                                   student_sections)
from outcome_graph.resolvers.access.entities import (load_job, outcome_scope, visible_alignment, visible_alignments,
                                                     visible_job, visible_outcome, visible_result, visible_user)
from outcome_graph.resolvers.access.entry import ENTRY_POINTS, entry_point

__all__ = ["DELETED", "ENTRY_POINTS", "GRADER_ROLES", "INSUFFICIENT", "NO_ALL_GRADES", "CourseAccess",
           "course_access", "entry_point", "live_enrollments", "load_job", "not_found", "outcome_scope",
           "readable_courses", "require_grader", "require_teacher", "require_viewer", "student_sections",
           "visible_alignment", "visible_alignments", "visible_job", "visible_outcome", "visible_result",
           "visible_user"]
