"""Each query text parsed once, within the token limit: the response cache, the budget, validation and
execution all use that one document. A text past the limit is refused by a scan in C-speed regular
expressions (graphql-core's lexer takes ~10 us a token), before the parser sees it."""

from __future__ import annotations

import re
import sys
import weakref
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from outcome_graph.lru import BoundedLRU
from outcome_graph.schema.limits import limit_error

MAX_DOCUMENTS = 1024
TOKEN_BYTES = 400  # a parsed document's memory per token (tokens are kept for locations, and its nodes)
# GraphQL's lexical grammar: a token (a comment counts, as graphql-core's limit counts it) after an ignored run
# (whitespace, commas, BOM). Atomic groups and possessive repeats never backtrack and every alternative matches
# (an unterminated string runs to the end of its line), so the scan is linear in the text; a match takes a
# block of tokens at once, so the count runs in C rather than one Python-level match per token.
_IGNORED = r'[ \t\n\r,\ufeff]*+'
_TOKEN = (r'(?>#[^\n\r]*|"""(?:[^"\\]++|\\"""|\\|"(?!""))*+(?:"""|\Z)|"(?:[^"\\\n\r]++|\\.)*+"?'
          r'|\.\.\.'
          r'|[_A-Za-z][_0-9A-Za-z]*+|-?[0-9]++(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?|.)')
BLOCK = 64
_ONE = re.compile(_IGNORED + _TOKEN, re.S)
_BLOCK = re.compile(f"(?>{_IGNORED}{_TOKEN}){{{BLOCK}}}", re.S)


def more_tokens_than(text: str, limit: int, end: int) -> bool:
    """Whether `text[:end]` has more than `limit` tokens, counting no further than about limit + BLOCK."""
    end = min(len(text), end)
    if end <= limit:  # every token is at least one character
        return False
    count = pos = 0
    for pattern, size in ((_BLOCK, BLOCK), (_ONE, 1)):  # whole blocks, then the tokens after the last one
        while count <= limit and (lexemes := pattern.match(text, pos, end)) is not None:
            count, pos = count + size, lexemes.end()
    return count > limit


def too_many_tokens(limit: int) -> GraphQLError:
    # No source location: on a long one-line text, computing the column alone costs milliseconds.
    return GraphQLError(f"Document contains more than {limit} tokens. Parsing aborted.",
                        extensions={"code": "BAD_USER_INPUT", "limit": "tokens", "max": limit})


class Documents:
    """Parsed documents kept by query text, bounded in entries and in bytes (text and tokens), and each one's
    validation errors for as long as the document lives (keyed by identity: hashing a document walks it)."""

    def __init__(self, max_tokens: int, max_length: int, max_bytes: int):
        self.max_tokens = max_tokens
        self.max_length = max_length
        self.cache = BoundedLRU(MAX_DOCUMENTS, max_bytes)
        self.memos: dict[int, tuple[weakref.ref, dict]] = {}

    def parse(self, query: str) -> DocumentNode:
        """The document, or GraphQLError (a limit's, or a syntax error), which is not kept.

        The length limit bounds what the parser reads character by character (a long string literal is
        a single token, yet costs ~0.3 us a character); the token scan reads no further than that either."""
        document = self.cache.get(query) if len(query) <= self.max_length else None  # (hashing reads it all)
        if document is None:
            if more_tokens_than(query, self.max_tokens, self.max_length):
                raise too_many_tokens(self.max_tokens)
            if len(query) > self.max_length:
                raise limit_error("queryLength", self.max_length, len(query))
            document = parse(query, max_tokens=self.max_tokens)  # the scan's backstop: the same limit, exactly
            self.cache.put(query, document, sys.getsizeof(query) + TOKEN_BYTES * _tokens(document))
        return document

    def memo(self, document: DocumentNode) -> dict:
        """What is known of `document` (its validation, its budget), for as long as it lives; keyed by identity,
        since hashing a document walks all of it. The entry leaves with its document (the callback runs before
        the id can be reused)."""
        key = id(document)
        entry = self.memos.get(key)
        if entry is None or entry[0]() is not document:
            entry = self.memos[key] = (weakref.ref(document, lambda _, key=key: self.memos.pop(key, None)), {})
        return entry[1]

    def validate(self, schema, document: DocumentNode, rules: tuple) -> list[GraphQLError]:
        """Strawberry's validation of `document`, run once while the document is kept."""
        memo = self.memo(document)
        if ("validation", rules) not in memo:
            memo["validation", rules] = validate_document(schema, document, rules)
        return memo["validation", rules]


def _tokens(document: DocumentNode) -> int:
    count, token = 0, document.loc.start_token if document.loc else None
    while token is not None:
        count, token = count + 1, token.next
    return count


def _stand_in(allowed, operation_name: str | None) -> DocumentNode:
    """`{ __typename }` as the request's operation (its name, an allowed type): see ParseOnce."""
    kinds = {getattr(kind, "value", kind) for kind in allowed}
    kind = next((k for k in OperationType if k.value in kinds), OperationType.QUERY)
    name = NameNode(value=operation_name) if operation_name else None
    field = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
    return DocumentNode(definitions=(OperationDefinitionNode(
        operation=kind, name=name, variable_definitions=(), directives=(),
        selection_set=SelectionSetNode(selections=(field,))),))


def parse_once(documents: Documents):
    """Strawberry's parse step, through `documents`: every transport gets the same parse and the same refusals."""

    class ParseOnce(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            # Strawberry runs this hook outside its own parse step's error handling, so a refused text is
            # reported the way validation errors are: the refusal is the pre-execution error (validation is
            # then skipped, see limits.py) and a stand-in document keeps the steps before it working.
            context = self.execution_context
            if context.query:
                try:
                    context.graphql_document = documents.parse(context.query)
                except GraphQLError as error:
                    context.pre_execution_errors = [error]
                    context.graphql_document = _stand_in(context.allowed_operations, context.operation_name)
            yield

    return ParseOnce
