async def test_course_slice(api):
    data = await api.query("{ course(id: 1) { id name sections { id name } outcomes { id title } } }", as_="teacher")
    assert data["course"]["name"] == "Grade 7 Science"


async def test_results(api):
    q = """{ course(id: 1) { outcomeResults(first: 3) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id score percent user { name } outcome { title path { parts { name } } }
      alignment { name assetString } assignment { name } } } } } }"""
    data = await api.query(q, as_="teacher")
    print(data)
    assert data["course"]["outcomeResults"]["totalCount"] > 3


async def test_rollups(api):
    q = """{ course(id: 1) { outcomeRollups(first: 3, sortBy: OUTCOME, sortOutcomeId: "201", sortOrder: DESC) {
      totalCount pageInfo { hasNextPage endCursor } outcomes(ratingPercents: true) { id ratings { points percent } }
      edges { cursor node { user { name } sections { id } scores { outcome { id } score count title submittedAt hidePoints } } } }
      outcomeRollupAggregate(stat: MEDIAN) { scores { outcome { id } score count } }
      masteryDistribution(addDefaults: true) { outcome { id } totalStudents ratings { points count color studentIds } } } }"""
    data = await api.query(q, as_="teacher")
    import json; print(json.dumps(data)[:3000])


async def test_contributing(api):
    q = """{ course(id: 1) { contributingScores(outcomeId: "204") { outcome { id } alignments { alignmentId associatedAssetName associatedAssetType }
      scores { userId alignmentId score submittedOrAssessedAt } } } }"""
    data = await api.query(q, as_="teacher")
    import json; print(json.dumps(data)[:1500])


async def test_user_entry_points(api):
    q = """{ user(id: "101") { name outcomeRollups(courseId: "1") { scores { outcome { id } score } }
      outcomeResults(courseId: "1", first: 2) { totalCount edges { node { id } } } } }"""
    mine = await api.query(q, as_="student")
    theirs = await api.query(q, as_="teacher")
    assert mine == theirs and mine["user"]["outcomeRollups"]["scores"]
    other = await api.query(q.replace('"101"', '"102"'), as_="student", errors=True)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
