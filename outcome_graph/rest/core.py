"""The core as the REST API sees it: the one module of rest/ that imports resolvers/ (tests/test_architecture.py).

Every rule (access, selection, scoring, paging) is the core's; the rest of rest/ only parses Canvas's parameters
into the core's inputs and writes the core's answers in Canvas's shapes (docs/rest-api.md).
"""

from outcome_graph.db.faults import storage_fault
from outcome_graph.resolvers.access import course_access, require_grader, require_viewer, sees_sis_id, visible_outcome
from outcome_graph.resolvers.assets import ASSET_TYPE_NAMES, ASSIGNMENT_TYPES, asset_string
from outcome_graph.resolvers.contributing import contributing_scores
from outcome_graph.resolvers.distributions import selection_rating_percents
from outcome_graph.resolvers.ids import parse_id
from outcome_graph.resolvers.inputs import (AggregateStat, ContributingQuery, Paging, ResultQuery, RollupExclusion,
                                            RollupQuery, RollupSortBy, SortOrder, UserRef)
from outcome_graph.resolvers.jobs import INVALID_COURSE_OR_STUDENT, enqueue_calculation
from outcome_graph.resolvers.loaders import load_all
from outcome_graph.resolvers.outcomes import (effective, levels, outcome_alignments, outcome_link, outcome_path,
                                              select_outcome_ids)
from outcome_graph.resolvers.paging import total_of
from outcome_graph.resolvers.results import outcome_results_page
from outcome_graph.resolvers.rollups import aggregate_rollups, rollups_page, select_for_rollups
from outcome_graph.resolvers.students import requested_users
from outcome_graph.resolvers.times import utc
from outcome_graph.resolvers.writes import assign_outcome_order

__all__ = ["ASSET_TYPE_NAMES", "ASSIGNMENT_TYPES", "AggregateStat", "ContributingQuery", "INVALID_COURSE_OR_STUDENT",
           "Paging", "ResultQuery", "RollupExclusion", "RollupQuery", "RollupSortBy", "SortOrder", "UserRef",
           "aggregate_rollups", "asset_string", "assign_outcome_order", "check_permissions", "contributing_scores",
           "course_access", "effective", "enqueue_calculation", "levels", "load_all", "outcome_alignments", "outcome_link",
           "outcome_path", "outcome_results_page", "parse_id", "require_grader", "require_viewer", "rollups_page",
           "sees_sis_id", "select_for_rollups", "select_outcome_ids", "selection_rating_percents", "storage_fault",
           "total_of", "utc", "visible_outcome"]


async def check_permissions(ctx, course_id: int, user_ids):
    """Canvas's first two checks, course then permissions (docs/behaviour.md §3.9 order), before any parameter
    check of the REST layer: the core's own, memoised for the call that follows."""
    access = await course_access(ctx, course_id)
    await requested_users(ctx, access, user_ids)
    return access
