"""GraphQL enums of the contract (docs/architecture.md §4)."""

from enum import Enum

import strawberry

from outcome_graph.resolvers import inputs
from outcome_graph.resolvers.access import LIVE_STATES, ROLES
from outcome_graph.rollups import METHODS_BY_NAME, TIE_BREAKS


# Derived from the method registry (rollups/registry.py): a new method there is a new value here.
CalculationMethod = strawberry.enum(
    Enum("CalculationMethod", {m.name.upper(): strawberry.enum_value(m.name, description=m.description)
                               for m in METHODS_BY_NAME.values()}),
    description="How a student's results for an outcome roll up: Canvas's seven stored names with Canvas's "
                "meaning (docs/behaviour.md §1.1), then the methods of docs/methods.md.")

TieBreak = strawberry.enum(
    Enum("TieBreak", {name.upper(): name for name in TIE_BREAKS}),
    description="How the MODE method settles a tie between rating levels (docs/methods.md §2.2): HIGHER (the "
                "default) or LOWER level, MOST_RECENT (the level whose latest result is newest), NONE (no score).")


# The core's enums (resolvers/inputs.py), exposed as they are: resolvers receive their members.
RollupExclusion = strawberry.enum(
    inputs.RollupExclusion, description="Students or outcomes left out of rollups (docs/behaviour.md §3.1).")
RollupSortBy = strawberry.enum(
    inputs.RollupSortBy, description="What rollup pages are sorted by (docs/behaviour.md §3.4).")
SortOrder = strawberry.enum(inputs.SortOrder, description="Sort direction.")
AggregateStat = strawberry.enum(inputs.AggregateStat, description="Course-level statistic over student rollups "
                                                                  "(docs/behaviour.md §1.8).")


@strawberry.enum(description="Lifecycle of a rollup recalculation job.")
class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# Roles and states are the policy's (resolvers/access), named once there.
EnrollmentRole = strawberry.enum(Enum("EnrollmentRole", {role.upper(): role for role in ROLES}),
                                 description="The role an enrollment gives: student, teacher, TA, observer, "
                                             "designer.")
EnrollmentState = strawberry.enum(Enum("EnrollmentState", {state.upper(): state for state in LIVE_STATES}),
                                  description="A course enrollment's state, with Canvas's names (as Canvas's "
                                              "rollup links.status gives them): COMPLETED is a concluded "
                                              "enrollment. Deleted enrollments are never shown.")
