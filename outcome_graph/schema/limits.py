"""Request limits as validation rules: depth, aliases and cost, each failing with BAD_USER_INPUT that names it."""

from __future__ import annotations

from graphql import (
    FieldNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    ValidationRule,
)

# A list field without `first` is counted as this many items (outcomes, sections, scores of a course).
DEFAULT_LIST_SIZE = 50
PAGE_LISTS = frozenset({"edges", "nodes"})


def limit_error(limit: str, value: int, found: int, node=None) -> GraphQLError:
    return GraphQLError(
        f"Query exceeds the {limit} limit: {found} > {value}. Ask for less, or page through it.",
        nodes=node, extensions={"code": "BAD_USER_INPUT", "limit": limit, "max": value, "found": found})


def _selections(node, fragments, seen=()):
    """Fields of a selection set with fragments inlined (cycles are left to graphql-core's own rule)."""
    if node.selection_set is None:
        return
    for sel in node.selection_set.selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode):
            yield from _selections(sel, fragments, seen)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
            frag = fragments.get(sel.name.value)
            if frag is not None:
                yield from _selections(frag, fragments, (*seen, sel.name.value))


def _depth(node, fragments) -> int:
    fields = list(_selections(node, fragments))
    return 0 if not fields else 1 + max(_depth(f, fragments) for f in fields)


def _page_size(field: FieldNode, max_page: int) -> int | None:
    for arg in field.arguments or ():
        if arg.name.value in ("first", "last"):
            if not isinstance(arg.value, IntValueNode):
                return max_page  # a variable: the worst case
            # Clamped: a negative `first` fails at execution, but must not cancel other fields' cost here.
            return min(max(int(arg.value.value), 0), max_page)
    return None


def _cost(node, fragments, schema_type, max_page: int, multiplier: int, page: int | None = None) -> int:
    """Objects a query can return: each object field counts once per parent object (leaves are free).

    A connection's `first` (or `last`) sizes its `edges`/`nodes` lists; other lists count DEFAULT_LIST_SIZE items.
    """
    total = 0
    for field in _selections(node, fragments):
        definition = (getattr(schema_type, "fields", None) or {}).get(field.name.value)
        if definition is None or field.selection_set is None:
            continue
        first = _page_size(field, max_page)
        size = 1
        if is_list_type(get_nullable_type(definition.type)):
            size = page if page is not None and field.name.value in PAGE_LISTS else DEFAULT_LIST_SIZE
        count = multiplier * size
        total += count + _cost(field, fragments, get_named_type(definition.type), max_page, count, first)
    return total


def limit_rules(max_depth: int, max_aliases: int, max_cost: int, max_page: int) -> list[type[ValidationRule]]:
    class Limits(ValidationRule):
        """Checks each operation once, with fragments inlined."""

        def enter_operation_definition(self, node: OperationDefinitionNode, *_):
            doc = self.context.document
            fragments = {d.name.value: d for d in doc.definitions if d.kind == "fragment_definition"}
            depth = _depth(node, fragments)
            if depth > max_depth:
                self.report_error(limit_error("depth", max_depth, depth, node))
                return
            aliases = sum(1 for d in [node, *fragments.values()] for f in _walk(d) if f.alias is not None)
            if aliases > max_aliases:
                self.report_error(limit_error("aliases", max_aliases, aliases, node))
                return
            root = self.context.schema.get_root_type(node.operation)
            cost = _cost(node, fragments, root, max_page, 1)
            if cost > max_cost:
                self.report_error(limit_error("cost", max_cost, cost, node))

    return [Limits]


def _walk(node):
    if getattr(node, "selection_set", None) is None:
        return
    for sel in node.selection_set.selections:
        if isinstance(sel, FieldNode):
            yield sel
        yield from _walk(sel)
