"""The GraphQL documents each workload sends (docs/architecture.md §4), and the fields each one needs."""

SCORE_FIELDS = "outcome { id } score count hidePoints title submittedAt"

ROLLUP_PAGE = """
query Gradebook($course: ID!, $first: Int!) {
  course(id: $course) {
    outcomeRollups(sortBy: STUDENT, first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { user { id name } scores { %s } } }
    }
  }
}""" % SCORE_FIELDS

ROLLUP_SORTED = """
query SortedByOutcome($course: ID!, $first: Int!, $outcome: ID!) {
  course(id: $course) {
    outcomeRollups(sortBy: OUTCOME, sortOutcomeId: $outcome, sortOrder: DESC, first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { user { id name } scores { %s } } }
    }
  }
}""" % SCORE_FIELDS

AGGREGATE = """
query Aggregate($course: ID!) {
  course(id: $course) {
    mean: outcomeRollupAggregate(stat: MEAN) { scores { outcome { id } score count hidePoints } }
    median: outcomeRollupAggregate(stat: MEDIAN) { scores { outcome { id } score count hidePoints } }
  }
}"""

CONTRIBUTING = """
query Contributing($course: ID!, $outcome: ID!) {
  course(id: $course) {
    contributingScores(outcomeId: $outcome) {
      alignments { alignmentId associatedAssetId associatedAssetName associatedAssetType htmlUrl published }
      scores { userId alignmentId score submittedOrAssessedAt }
    }
  }
}"""

RESULTS = """
query Results($course: ID!, $first: Int!) {
  course(id: $course) {
    outcomeResults(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id score percent submittedOrAssessedAt outcome { id title } user { id } alignment { id } } }
    }
  }
}"""

DEEP_PAGE = """
query DeepPage($course: ID!, $first: Int!, $after: String!) {
  course(id: $course) {
    outcomeResults(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id score percent submittedOrAssessedAt outcome { id title } user { id name } alignment { id } } }
    }
  }
}"""

RECORD = """
mutation Record($course: ID!, $results: [OutcomeResultInput!]!) {
  recordOutcomeResults(courseId: $course, results: $results) { id score }
}"""

TRIVIAL = """
query Trivial($course: ID!) { course(id: $course) { id name } }"""

INTROSPECT = """
{ course: __type(name: "Course") { fields { name } }
  mutation: __schema { mutationType { fields { name } } } }"""

# workload -> the schema fields it needs ("Type.field"); checked by introspection before running.
NEEDS = {
    "B2": ["Course.outcomeRollups"], "B3": ["Course.outcomeRollups"],
    "B4": ["Course.outcomeRollupAggregate"], "B6": ["Course.outcomeRollups"],
    "B7": ["Course.contributingScores"], "B8": ["Course.outcomeResults"], "B12": ["Course.outcomeResults"],
    "B9": ["Mutation.recordOutcomeResults"], "B11": ["Course.outcomeRollups"],
}
