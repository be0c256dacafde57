async def test_course_slice(api):
    data = await api.query("{ course(id: 1) { id name sections { id name } outcomes { id title } } }", as_="teacher")
    assert data["course"]["name"] == "Grade 7 Science"
