"""The one access policy (docs/access.md): every entry point asks it, no other module decides access."""

from outcome_graph.resolvers.access.course import (NOT_AUTHORIZED_GRADES, CourseAccess, course_access,
                                                   readable_courses, require_grader, require_teacher, require_viewer)
from outcome_graph.resolvers.access.entities import (load_job, visible_alignment, visible_alignments, visible_job,
                                                     visible_outcome, visible_result, visible_user)
from outcome_graph.resolvers.access.entry import ENTRY_POINTS, entry_point

__all__ = ["ENTRY_POINTS", "NOT_AUTHORIZED_GRADES", "CourseAccess", "course_access", "entry_point", "load_job",
           "readable_courses", "require_grader", "require_teacher", "require_viewer", "visible_alignment",
           "visible_alignments", "visible_job", "visible_outcome", "visible_result", "visible_user"]
