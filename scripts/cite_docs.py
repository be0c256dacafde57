#!/usr/bin/env python3
"""Rewrite citations of documents outside the repository into docs/ paths, so the repository stands alone.

"spec §3.2" -> "docs/behaviour.md §3.2", "DESIGN.md §4" -> "docs/architecture.md §4", "CONVENTIONS 5" ->
"docs/conventions.md §5", "spec/course-bundle.md" -> "docs/bundle-format.md", and so on (RULES below).
Idempotent: a rewritten citation matches no rule, so running it again changes nothing. Kept in the
repository because branches merged later bring new citations: run it after a merge, then regenerate
schema.graphql (descriptions may cite) and run tests/test_docs_cited.py.

    python scripts/cite_docs.py            # rewrite in place, print each changed file (and, on stderr,
                                           # the lines now longer than 120 columns, to rewrap)
    python scripts/cite_docs.py --check    # change nothing; exit 1 when something would change
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Where citations live (tests/test_docs_cited.py checks the same places).
SCANNED = ("outcome_graph", "tests", "bench", "scripts", "README.md", "pyproject.toml", "schema.graphql", ".ci")
TEXT_SUFFIXES = {".py", ".md", ".mjs", ".js", ".json", ".toml", ".txt", ".graphql", ".sh", ".cfg", ".ini",
                 ".html", ".css", ".yaml", ".yml", ""}
SKIPPED_PARTS = {"node_modules", ".git", "__pycache__", "out", "static"}  # static: vendored GraphiQL, bundles
SKIPPED_NAMES = {"package-lock.json", "cite_docs.py", "test_docs_cited.py"}

BEHAVIOUR = "docs/behaviour.md"
ARCHITECTURE = "docs/architecture.md"
CONVENTIONS = "docs/conventions.md"
SPEED_HABITS = "§13"  # docs/conventions.md: the "Speed habits" section
STACK = "§14"  # docs/conventions.md: the stack notes (STACK.md)

_SHARED = r"(?:(?:\.\./|/work/)?shared/)?"  # "../shared/", "/work/shared/" or nothing
_NOT_DOCS = r"(?<![\w/.-])"  # not already "docs/…", not part of a longer name

RULES: list[tuple[re.Pattern[str], str]] = [
    # The behaviour spec, by file name.
    (re.compile(_NOT_DOCS + _SHARED + r"(?:spec/)?canvas-outcome-results\.md"), BEHAVIOUR),
    # "spec §1.2.5" (an item of a numbered list) -> "§1.2 item 5".
    (re.compile(r"\b[Ss]pec §(\d+\.\d+)\.(\d+)"), BEHAVIOUR + r" §\1 item \2"),
    # "the spec's §2.2", "spec §3.2", "Spec §8".
    (re.compile(r"\b(?:[Tt]he )?[Ss]pec(?:'s)? §"), BEHAVIOUR + " §"),
    # "against the spec (§2.4, §2.6)" — the sections follow in parentheses, maybe on the next line.
    (re.compile(r"\b(?:[Tt]he )?[Ss]pec(\s*)\((?=§)"), BEHAVIOUR + r"\1("),
    # The other specs, by file name.
    (re.compile(_NOT_DOCS + _SHARED + r"(?:spec/)?course-bundle\.md"), "docs/bundle-format.md"),
    (re.compile(_NOT_DOCS + _SHARED + r"(?:spec/)?performance\.md"), "docs/performance.md"),
    (re.compile(_NOT_DOCS + _SHARED + r"(?:spec/)?beyond-canvas\.md"), "docs/methods.md"),
    (re.compile(r"\bbeyond-canvas §"), "docs/methods.md §"),
    # DESIGN.md §4, DESIGN §4, DESIGN.md (not DESIGNER).
    (re.compile(_NOT_DOCS + _SHARED + r"\bDESIGN(?:\.md)?(?![\w])"), ARCHITECTURE),
    # CONVENTIONS speed habits, CONVENTIONS.md 9, CONVENTIONS item 11, CONVENTIONS 5, CONVENTIONS.md.
    (re.compile(_NOT_DOCS + _SHARED + r"\bCONVENTIONS(?:\.md)?,? [Ss]peed habits"), CONVENTIONS + " " + SPEED_HABITS),
    (re.compile(_NOT_DOCS + _SHARED + r"\bCONVENTIONS(?:\.md)?,? (?:items? )?(?=\d)"), CONVENTIONS + " §"),
    (re.compile(_NOT_DOCS + _SHARED + r"\bCONVENTIONS(?:\.md)?(?![\w])"), CONVENTIONS),
    (re.compile(_NOT_DOCS + _SHARED + r"\bSTACK\.md"), CONVENTIONS + " " + STACK),
    # Anything else that still points into the shared folder.
    (re.compile(r"(?:\.\./|/work/)shared/(?:spec/)?"), "docs/"),
]


def rewrite(text: str) -> str:
    """The text with every rule applied in order."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


def _too_long(rel: Path, old: str, new: str, limit: int = 120) -> list[str]:
    """Lines the rewrite pushed past the project's 120 columns, to rewrap by hand."""
    before = {line for line in old.splitlines() if len(line) > limit}
    return [f"{rel}:{n}: {len(line)} columns, rewrap" for n, line in enumerate(new.splitlines(), 1)
            if len(line) > limit and line not in before]


def scanned_files(root: Path = ROOT) -> list[Path]:
    """Every text file where citations may live, in a stable order."""
    found: list[Path] = []
    for name in SCANNED:
        top = root / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in candidates:
            rel = path.relative_to(root)
            if (path.is_file() and path.suffix in TEXT_SUFFIXES and path.name not in SKIPPED_NAMES
                    and not SKIPPED_PARTS.intersection(rel.parts[:-1])):
                found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    changed: list[Path] = []
    long_lines: list[str] = []
    for path in scanned_files():
        try:
            old = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        new = rewrite(old)
        if new != old:
            changed.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(new, encoding="utf-8")
            if path.suffix == ".py":
                long_lines.extend(_too_long(path.relative_to(ROOT), old, new))
    for rel in changed:
        print(rel)
    for line in long_lines:
        print(line, file=sys.stderr)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
