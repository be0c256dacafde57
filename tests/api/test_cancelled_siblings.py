"""A field that fails inside a non-null parent makes graphql-core cancel its siblings. A sibling cancelled
while it waits on a DataLoader must not cancel the load itself: fields elsewhere in the query share it."""

FIELDS = 'outcomeResults(userIds: ["self"]) { totalCount }'
QUERY = """{
  failing: course(id: "1") { refused: outcomeRollups { totalCount } cancelled: %s }
  other: course(id: "1") { name results: %s }
}""" % (FIELDS, FIELDS)


async def test_a_refused_field_cancels_only_its_siblings_not_the_loads_other_fields_share(api):
    body = await api.query(QUERY, as_="student", errors=True)
    assert body["data"]["failing"] is None
    assert body["data"]["other"]["results"]["totalCount"] > 0
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["failing", "refused"], "FORBIDDEN")]
