"""Nothing the code cites lives outside the repository (docs/conventions.md §12), and every cited page and § exists.

Scans the files scripts/cite_docs.py rewrites (code, tests, bench, scripts, README, schema.graphql). A citation is a
`docs/<page>.md` path, optionally followed by sections: `docs/behaviour.md §1.2, §1.3`. A bare `§n` refers
to the page cited last before it in the same file; `§8 row 48` (or `§8 #48`) names a worked example.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCRIPT = ROOT / "scripts" / "cite_docs.py"

# Names of documents that are not in the repository, however they are spelled.
OUTSIDE = [
    (re.compile(r"\.\./shared|/work/shared|\bshared/spec\b"), "a path into the shared folder"),
    (re.compile(r"\b[Ss]pec(?:'s)? §"), '"spec §": cite docs/behaviour.md §'),
    (re.compile(r"\b[Ss]pec\s*\(§"), '"spec (§": cite docs/behaviour.md (§'),
    (re.compile(r"\bDESIGN(?:\.md)?(?!\w)"), "DESIGN: cite docs/architecture.md"),
    (re.compile(r"\bCONVENTIONS\b"), "CONVENTIONS: cite docs/conventions.md"),
    (re.compile(r"\bSTACK\.md"), "STACK.md: cite docs/conventions.md §14"),
    (re.compile(r"canvas-outcome-results|beyond-canvas"), "a spec file name: cite its docs/ page"),
    (re.compile(r"(?<!docs/)\b(?:course-bundle|performance)\.md"), "a spec file name: cite its docs/ page"),
    (re.compile(r"\bspec/"), "a spec/ path: cite its docs/ page"),
]
PAGE = re.compile(r"\bdocs/([\w-]+(?:/[\w-]+)*\.(?:md|png|svg))")
SECTION = re.compile(r"§(\d+(?:\.\d+)*)(?:\s+(?:rows?|#)\s*|\s*#)?((?:\d+(?:\s*(?:,|and|/)\s*(?=\d))?)+)?")
HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)*)\.? ", re.M)
EXAMPLE_ROW = re.compile(r"^\| (\d+) \|", re.M)


def _load_script():
    spec = importlib.util.spec_from_file_location("cite_docs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cite_docs = _load_script()


@cache
def sections_of(page: str) -> frozenset[str] | None:
    """The numbered sections of a docs page (None: no such page), plus "8#N" for each worked example row."""
    path = DOCS / page
    if not path.is_file():
        return None
    if path.suffix != ".md":
        return frozenset()
    text = path.read_text(encoding="utf-8")
    found = set(HEADING.findall(text))
    if "8" in found:
        chapter = text.split("\n## 8.", 1)[1].split("\n## ", 1)[0]
        found.update(f"8#{n}" for n in EXAMPLE_ROW.findall(chapter))
    return frozenset(found)


def problems(text: str, sections=sections_of) -> list[str]:
    """Every citation in `text` that points outside the repository or at a page or section that does not exist."""
    found = []
    for pattern, why in OUTSIDE:
        for m in pattern.finditer(text):
            found.append(f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}: {why}")
    # Pages and their sections, in text order: a bare § belongs to the page cited last before it.
    events = sorted([(m.start(), "page", m) for m in PAGE.finditer(text)]
                    + [(m.start(), "section", m) for m in SECTION.finditer(text)], key=lambda e: e[0])
    page = None
    for start, kind, m in events:
        line = text.count("\n", 0, start) + 1
        if kind == "page":
            page = m.group(1)
            if sections(page) is None:
                found.append(f"line {line}: docs/{page} does not exist")
            continue
        number, rows = m.group(1), m.group(2)
        if page is None:
            found.append(f"line {line}: §{number} cites no docs/ page (write docs/<page>.md §{number})")
            continue
        known = sections(page)
        if known is None:
            continue  # already reported
        if number not in known:
            found.append(f"line {line}: docs/{page} has no §{number}")
        elif rows and number == "8":
            for row in re.findall(r"\d+", rows):
                if f"8#{row}" not in known:
                    found.append(f"line {line}: docs/{page} §8 has no row {row}")
    return found


def scanned() -> list[Path]:
    return cite_docs.scanned_files(ROOT)


def test_the_scan_reaches_code_tests_bench_scripts_and_readme():
    names = {p.relative_to(ROOT).as_posix() for p in scanned()}
    for expected in ("README.md", "outcome_graph/rollups/engine.py", "tests/api/test_rollups_api.py",
                     "bench/run.py", "bench/README.md", "scripts/demo"):
        assert expected in names, expected


@pytest.mark.parametrize("path", scanned(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_citations_stay_in_the_repository_and_exist(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        pytest.skip("binary")
    found = problems(text)
    assert not found, f"{path.relative_to(ROOT)} (run scripts/cite_docs.py, then fix the rest):\n" + "\n".join(found)


def test_the_rewriter_has_nothing_left_to_do():
    left = [p.relative_to(ROOT).as_posix() for p in scanned() if cite_docs.rewrite(p.read_text("utf-8")) !=
            p.read_text("utf-8")]
    assert left == [], "run scripts/cite_docs.py"


# -- the checker and the rewriter themselves, on made-up text ---------------------------------------------------


def fake_sections(page: str):
    return {"behaviour.md": frozenset({"1", "1.2", "8", "8#48"}), "architecture.md": frozenset({"4"})}.get(page)


@pytest.mark.parametrize("text, expected", [
    ("# docs/behaviour.md §1.2, §8 row 48", []),
    ("docs/architecture.md §4 and docs/behaviour.md (§1, §1.2)", []),
    ("# spec §1.2", ['"spec §"', "cites no docs/ page"]),
    ("# the spec (§1.2)", ['"spec (§"', "cites no docs/ page"]),
    ("see ../shared/spec/canvas-outcome-results.md", ["shared folder", "spec file name", "spec/ path"]),
    ("DESIGN.md §4", ["DESIGN", "cites no docs/ page"]),
    ("role DESIGNER", []),
    ("(CONVENTIONS 5)", ["CONVENTIONS"]),
    ("format: spec/course-bundle.md", ["spec file name", "spec/ path"]),
    ("docs/behaviour.md §9.9", ["has no §9.9"]),
    ("docs/behaviour.md §8 rows 48, 49", ["§8 has no row 49"]),
    ("docs/nowhere.md §1", ["docs/nowhere.md does not exist"]),
    ("a bare §1.2", ["cites no docs/ page"]),
])
def test_the_checker_flags_what_it_should(text, expected):
    found = problems(text, fake_sections)
    assert len(found) == len(expected), found
    for problem, words in zip(found, expected):
        assert words in problem, (problem, words)


@pytest.mark.parametrize("old, new", [
    ("# spec §3.2", "# docs/behaviour.md §3.2"),
    ("(Spec §8 rows 21, 22)", "(docs/behaviour.md §8 rows 21, 22)"),
    ("(spec §1.2.5)", "(docs/behaviour.md §1.2 item 5)"),
    ("against the spec\n(§3, §1.8)", "against docs/behaviour.md\n(§3, §1.8)"),
    ("(DESIGN.md §4, §5)", "(docs/architecture.md §4, §5)"),
    ("DESIGN §1", "docs/architecture.md §1"),
    ("role DESIGNER", "role DESIGNER"),
    ("(CONVENTIONS 5, never", "(docs/conventions.md §5, never"),
    ("(CONVENTIONS item 11)", "(docs/conventions.md §11)"),
    ("(CONVENTIONS.md 9)", "(docs/conventions.md §9)"),
    ("(CONVENTIONS speed habits)", "(docs/conventions.md §13)"),
    ("STACK.md", "docs/conventions.md §14"),
    ("(spec/course-bundle.md)", "(docs/bundle-format.md)"),
    ("course-bundle@1", "course-bundle@1"),
    ("(`/work/shared/spec/performance.md`)", "(`docs/performance.md`)"),
    ("../shared/spec/canvas-outcome-results.md §2.6", "docs/behaviour.md §2.6"),
    ("beyond-canvas.md §3", "docs/methods.md §3"),
])
def test_the_rewriter_rewrites_once(old, new):
    assert cite_docs.rewrite(old) == new
    assert cite_docs.rewrite(new) == new  # idempotent
