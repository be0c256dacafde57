"""The gradebook page works offline: /gradebook serves its page and every module and style sheet it loads,
from the package, and nothing in it points at another host."""

import re

from outcome_graph.gradebook import STATIC_DIR

IMPORT = re.compile(r"""(?:import|from)\s+["']([^"']+)["']|(?:src|href)="([^"]+)\"""")
SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # createElementNS's namespace name, never fetched


def _references(text: str) -> list[str]:
    return [a or b for a, b in IMPORT.findall(text)]


async def test_gradebook_redirects_to_its_page(app_client):
    _, client = app_client
    response = await client.get("/gradebook")
    assert (response.status_code, response.headers["location"]) == (308, "/gradebook/")


async def test_every_file_the_page_loads_is_served(app_client):
    _, client = app_client
    page = await client.get("/gradebook/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    pending, served = ["index.html"], {}
    while pending:
        name = pending.pop()
        if name in served:
            continue
        response = await client.get(f"/gradebook/{name}")
        assert response.status_code == 200, name
        served[name] = response.headers["content-type"]
        pending += [ref.removeprefix("./") for ref in _references(response.text) if not ref.startswith("data:")]
    assert served.keys() == {p.name for p in STATIC_DIR.iterdir()}, "every shipped file is used, none is missing"
    assert all(kind.startswith("text/javascript") for name, kind in served.items() if name.endswith(".js"))


def test_nothing_points_at_another_host():
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name
