"""The README's query example runs against the demo course."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_query() -> str:
    return re.search(r"```graphql\n(.*?)```", README.read_text(), re.S).group(1)


async def test_readme_query_runs_on_the_demo_course(api):
    data = await api.query(readme_query(), as_="teacher")
    course = data["course"]
    assert course["name"] == "Grade 7 Science"
    rollups = course["outcomeRollups"]
    assert rollups["totalCount"] == 30 and len(rollups["edges"]) == 5
    scores = [next(s["score"] for s in e["node"]["scores"] if s["outcome"]["id"] == "201")
              for e in rollups["edges"]]
    assert scores == sorted(scores, reverse=True)
    assert {s["outcome"]["title"] for s in course["outcomeRollupAggregate"]["scores"]} \
        <= {o["title"] for o in course["outcomes"]}
