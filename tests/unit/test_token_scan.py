"""The token scan that refuses a long query before the parser (schema/document.py) counts in blocks of tokens;
it answers as a scan of one lexeme at a time does, at every limit around a block's edge."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from outcome_graph.schema.document import BLOCK, more_tokens_than

# One lexeme per match: an ignored run, or a token (group t), in the order graphql-core's lexer tries them.
LEXEME = re.compile(r'[ \t\n\r,\ufeff]+'
                    r'|(?P<t>#[^\n\r]*|"""(?:[^"\\]++|\\"""|\\|"(?!""))*+(?:"""|\Z)|"(?:[^"\\\n\r]++|\\.)*+"?'
                    r'|\.\.\.|[_A-Za-z][_0-9A-Za-z]*|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|.)', re.S)
PIECES = ["a", "b1", "_x", " ", ",", "\n", "\r", "\ufeff", '"', "\\", '"""', "#", "-", "1", "2.5", "e", ".", "...",
          "{", "}", "(", ":", "$", "é", "0"]


def tokens(text: str) -> int:
    return sum(1 for lexeme in LEXEME.finditer(text) if lexeme.lastgroup == "t")


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=3 * BLOCK).map("".join), end=st.integers(0, 500),
       shift=st.integers(-2, 2))
def test_the_block_scan_counts_as_one_lexeme_at_a_time(text, end, shift):
    count = tokens(text[:end])
    for limit in {0, max(0, count + shift), max(0, BLOCK + shift), max(0, count - BLOCK + shift)}:
        assert more_tokens_than(text, limit, end) == (count > limit), (text[:end], limit, count)


def test_a_name_is_one_token_however_long():
    """Blocks never split a token to fill themselves (atomic groups): 200 characters of name are one token."""
    assert not more_tokens_than("a" * 200, 1, 10_000)
    assert more_tokens_than("a " * 200, 199, 10_000) and not more_tokens_than("a " * 200, 200, 10_000)
