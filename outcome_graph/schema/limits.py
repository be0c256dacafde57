"""The request budget: depth, aliases, directives, `_entities` representations and cost of a parsed document,
measured in one pass before validation or execution, each over-limit answer BAD_USER_INPUT naming it.

Every fragment is measured once per page size it is spread under and the result reused, so a document
costs time linear in its size however its fragments spread each other (the rules bounded are GraphQL
Armor's: max-depth, max-aliases, max-directives, cost-limit; max-tokens is the parser's, in document.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from outcome_graph.settings import Settings

# A list field without `first` is counted as this many items (outcomes, sections, scores of a course).
DEFAULT_LIST_SIZE = 50
# Arguments that make a rollup field compute its scores from the results instead of reading stored ones.
TIME_FILTERS = ("asOf", "window")
PAGE_LISTS = frozenset({"edges", "nodes"})
ENTITIES = "_entities"
REPORTED_MAX = 2**53 - 1  # larger measures are reported as this: JSON clients read numbers as doubles


def limit_error(limit: str, value: int, found: int, node=None) -> GraphQLError:
    found = min(found, REPORTED_MAX)
    return GraphQLError(
        f"Query exceeds the {limit} limit: {found} > {value}. Ask for less, or page through it.",
        nodes=node, extensions={"code": "BAD_USER_INPUT", "limit": limit, "max": value, "found": found})


@dataclass(frozen=True)
class Measure:
    """What a selection set asks for, per parent object. Cost: every field counts once per object it returns
    for (leaves included), so fragment fan-out and wide lists are paid for as the executor would."""

    depth: int = 0
    aliases: int = 0
    directives: int = 0
    representations: int = 0
    cost: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(max(self.depth, other.depth), self.aliases + other.aliases,
                       self.directives + other.directives, self.representations + other.representations,
                       self.cost + other.cost)


class _Measurer:
    """One document's measures; fragments memoized by (name, page size). Robust to invalid documents, which
    validation reports afterwards: unknown fields are leaves, unknown or cyclic fragments count nothing."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None,
                 max_page: int):
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables if isinstance(variables, Mapping) else {}
        self.max_page = max_page
        self.memo: dict[tuple[str, int | None], Measure | None] = {}
        self.read_variables = False  # whether a variable's value sized anything

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self.schema.get_root_type(node.operation)
        return self.selections(node, root, None) + Measure(directives=len(node.directives or ()))

    def selections(self, node, parent_type, page: int | None) -> Measure:
        total = Measure()
        for sel in node.selection_set.selections if node.selection_set is not None else ():
            own = Measure(directives=len(sel.directives or ()))
            if isinstance(sel, FieldNode):
                total += own + self.field(sel, parent_type, page)
            elif isinstance(sel, InlineFragmentNode):
                total += own + self.selections(sel, self._type(sel.type_condition, parent_type), page)
            elif isinstance(sel, FragmentSpreadNode):
                total += own + self.fragment(sel.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> Measure:
        key = (name, page)
        if key in self.memo:
            return self.memo[key] or Measure()  # None: being measured (a cycle, refused by validation)
        definition = self.fragments.get(name)
        if definition is None:
            return Measure()
        self.memo[key] = None
        found = self.selections(definition, self._type(definition.type_condition, None), page)
        found += Measure(directives=len(definition.directives or ()))
        self.memo[key] = found
        return found

    def field(self, node: FieldNode, parent_type, page: int | None) -> Measure:
        definition = (getattr(parent_type, "fields", None) or {}).get(node.name.value)
        own = Measure(depth=1, aliases=int(node.alias is not None), cost=1)
        if node.selection_set is None:
            return own
        if definition is None:
            # Introspection (`__schema`, `__type`; or an unknown field, which validation refuses): depth,
            # aliases and directives count, cost does not (it reads the schema, not data; as in GraphQL Armor);
            # graphql-core's MaxIntrospectionDepthRule, among the specified rules, bounds how its lists nest.
            child = self.selections(node, None, None)
            return Measure(1 + child.depth, own.aliases + child.aliases, child.directives, child.representations, 1)
        count, representations = 1, 0
        if node.name.value == ENTITIES:
            count = representations = self._representations(node)
        elif is_list_type(get_nullable_type(definition.type)):
            count = page if page is not None and node.name.value in PAGE_LISTS else DEFAULT_LIST_SIZE
        child = self.selections(node, get_named_type(definition.type), self._page_size(node))
        # Aliases and directives are counted as written, with fragments spread; cost counts every object.
        return Measure(1 + child.depth, own.aliases + child.aliases, child.directives,
                       representations + child.representations, count * (1 + child.cost) + self._computed(node))

    def _computed(self, node: FieldNode) -> int:
        """A rollup field with asOf or window computes its scores from the results (docs/windows.md), once per
        object it is asked on, whatever it returns: it costs the scores of a full page, max page size students x
        DEFAULT_LIST_SIZE outcomes, as if it returned them."""
        for name in TIME_FILTERS:
            value = self._argument(node, name)
            if value is not None and not isinstance(value, NullValueNode):
                return self.max_page * DEFAULT_LIST_SIZE
        return 0

    def _type(self, condition, default):
        return self.schema.get_type(condition.name.value) if condition is not None else default

    def _argument(self, node: FieldNode, name: str):
        for arg in node.arguments or ():
            if arg.name.value == name:
                value = arg.value
                if isinstance(value, VariableNode):
                    self.read_variables = True
                    return self.variables.get(value.name.value)
                return value
        return None

    def _page_size(self, node: FieldNode) -> int | None:
        """A connection's page: `first`, or `last` when paging backward."""
        name = next((a.name.value for a in node.arguments or () if a.name.value in ("first", "last")), None)
        if name is None:
            return None
        value = self._argument(node, name)
        if isinstance(value, IntValueNode):
            value = int(value.value)
        if not isinstance(value, int) or isinstance(value, bool):
            return self.max_page  # a missing or odd variable: the worst case (execution refuses it)
        # Clamped: a negative `first` fails at execution, but must not cancel other fields' cost here.
        return min(max(value, 0), self.max_page)

    def _representations(self, node: FieldNode) -> int:
        value = self._argument(node, "representations")
        if isinstance(value, ListValueNode):
            return len(value.values)
        return len(value) if isinstance(value, list) else 1


def over_budget(schema: GraphQLSchema, document: DocumentNode, variables, settings: Settings,
                memo: dict | None = None) -> list[GraphQLError]:
    """The first limit each operation of the document exceeds, if any; kept in `memo` (the document's, see
    document.py) when no variable's value entered the measure."""
    if memo is not None and "budget" in memo:
        return memo["budget"]
    measurer = _Measurer(schema, document, variables, settings.max_page_size)
    errors = []
    for node in document.definitions:
        if isinstance(node, OperationDefinitionNode) and schema.get_root_type(node.operation) is not None:
            error = _first_exceeded(measurer.operation(node), settings, node)
            if error is not None:
                errors.append(error)
    if memo is not None and not measurer.read_variables:
        memo["budget"] = errors
    return errors


def _first_exceeded(found: Measure, settings: Settings, node) -> GraphQLError | None:
    for limit, value, maximum in (("depth", found.depth, settings.max_depth),
                                  ("aliases", found.aliases, settings.max_aliases),
                                  ("directives", found.directives, settings.max_directives),
                                  ("representations", found.representations, settings.max_representations),
                                  ("cost", found.cost, settings.max_cost)):
        if value > maximum:
            return limit_error(limit, maximum, value, node)
    return None


def budget_then_validation(settings: Settings, documents):
    """The validation step: the budget first, then graphql-core's rules (once per kept document) only for
    documents within it."""

    class BudgetedValidation(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            if not context.pre_execution_errors:  # else the text was refused while parsing (document.py)
                schema = context.schema._schema
                errors = over_budget(schema, context.graphql_document, context.variables, settings,
                                     documents.memo(context.graphql_document))
                context.pre_execution_errors = errors or documents.validate(schema, context.graphql_document,
                                                                           tuple(context.validation_rules))
            yield

    return BudgetedValidation
