"""Lists of plain objects completed by one generated function per selection: the same answer as graphql-core's,
without a field execution (ResolveInfo, path, argument parsing, awaitable checks) per scalar of every item.

A list qualifies when each item's selection, all the way down, is plain attributes (strawberry's basic
fields: no resolver, no arguments, no extensions) of scalars, enums or objects of the same kind: the
scores of a rollup page or of contributingScores, thousands of items with four to seven fields each.
A sync resolver without arguments or extensions qualifies too when it answers from what is already loaded
(a page's results' user, outcome and alignment, primed with the page): it is called with an Info that
holds only the context, and a resolver that returns an awaitable (its value is not loaded yet) or reads
anything else of its Info sends the list back.
The selection's fields are written out as straight-line code (_compile), compiled once per shape;
a builtin scalar's value that serializes to itself (a finite float, a str) is checked inline, anything
else goes through the scalar's serialize.
Anything unusual in a list (a null where the schema says non-null, a value a scalar refuses, a raised
error) sends that whole list back through graphql-core, which then reports it exactly as it always has.
"""

from __future__ import annotations

from inspect import isawaitable, iscoroutine
from keyword import iskeyword
from typing import Any

from graphql import GraphQLNonNull, GraphQLObjectType, is_leaf_type
from graphql.type.scalars import (serialize_boolean, serialize_float, serialize_id, serialize_int,
                                  serialize_string)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.info import Info

NOT_PLAIN = object()  # memo entry for a selection that needs graphql-core's own path


class _Fallback(Exception):
    """This list needs graphql-core's generic path (which raises or reports the error itself)."""


# A builtin scalar's serialize returns these values unchanged (a finite float, an Int in 32 bits, ...): the
# completer tests the value inline and calls serialize only for anything else.
_AS_IS = {serialize_float: "type(v) is float and v - v == 0.0", serialize_string: "type(v) is str",
          serialize_int: "type(v) is int and -2147483648 <= v <= 2147483647", serialize_id: "type(v) is str",
          serialize_boolean: "type(v) is bool"}


MAX_SHAPES = 512  # compiled completers kept (a client sending ever new aliases only makes it start over)
_CODE: dict[str, Any] = {}


def _compile(plan: tuple):
    """One function completing an item of the plan: a field's value read, checked and serialized as graphql-core
    would, written out line by line (no loop over the plan, no call per scalar that serializes as is)."""
    env: dict[str, Any] = {"_Fallback": _Fallback, "Undefined": Undefined}
    lines = ["def complete(item):", "    out = {}"]
    for i, (name, attribute, get, serialize, non_null, sub) in enumerate(plan):
        key = repr(name)  # a GraphQL response name: letters, digits and _
        if attribute is not None:
            lines.append(f"    v = item.{attribute}")
        else:
            env[f"get{i}"] = get
            lines.append(f"    v = get{i}(item)")
        lines += ["    if v is None:", "        raise _Fallback" if non_null else f"        out[{key}] = None"]
        if sub is not None:
            env[f"sub{i}"] = sub
            lines += ["    else:", f"        out[{key}] = sub{i}(v)"]
            continue
        if serialize in _AS_IS:
            lines += [f"    elif {_AS_IS[serialize]}:", f"        out[{key}] = v"]
        env[f"serialize{i}"] = serialize
        lines += ["    else:", f"        s = serialize{i}(v)", "        if s is None or s is Undefined:",
                  "            raise _Fallback", f"        out[{key}] = s"]
    lines.append("    return out")
    source = "\n".join(lines)
    code = _CODE.get(source)
    if code is None:  # a new selection shape: compiled once, then shared by every request that asks for it
        if len(_CODE) >= MAX_SHAPES:
            _CODE.clear()
        code = _CODE[source] = compile(source, "<list completer>", "exec")
    exec(code, env)  # noqa: S102 - attribute names from the schema; response names (GraphQL Names) quoted by repr
    return env["complete"]


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with lists of plain objects completed in one loop (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple, Any] = {}

    def _plan(self, object_type: GraphQLObjectType, field_details_list: Any):
        """The completer of an item of the selection (see _compile), or None if it is not plain."""
        key = (object_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return None if cached[1] is NOT_PLAIN else cached[1]
        plan = self._build_plan(object_type, field_details_list)
        complete = None if plan is None else _compile(plan)
        self._plans[key] = (field_details_list, NOT_PLAIN if complete is None else complete)  # keeps the id alive
        return complete

    def _build_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> tuple | None:
        """(response name, attribute, resolver, serialize, non-null, sub-completer) per selected field, or None."""
        manager = self.middleware_manager  # strawberry always passes one: empty unless an extension wraps resolve
        if object_type.is_type_of is not None or (manager is not None and manager.middlewares):
            return None
        grouped, defers, forbidden = self.collect_subfields(object_type, field_details_list)
        if defers or forbidden:
            return None
        plan = []
        for name, details in grouped.items():
            node = details[0].node
            field_def = self.schema.get_field(object_type, node.name.value)
            if field_def is None or field_def.args or node.arguments:
                return None
            basic = getattr(field_def.resolve, "_is_default", False)
            attribute = _attribute(field_def) if basic else None
            get = None if attribute is not None else _getter(field_def) if basic else self._in_place(field_def)
            if attribute is None and get is None:
                return None
            field_type = field_def.type
            non_null = isinstance(field_type, GraphQLNonNull)
            named = field_type.of_type if non_null else field_type
            if is_leaf_type(named):
                plan.append((name, attribute, get, named.serialize, non_null, None))
            elif isinstance(named, GraphQLObjectType):
                sub = self._plan(named, details)
                if sub is None:
                    return None
                plan.append((name, attribute, get, None, non_null, sub))
            else:
                return None
        return tuple(plan)

    def _in_place(self, field_def: Any):
        """A sync resolver of the item and an Info holding only the context, or None if the field has none."""
        field = (field_def.extensions or {}).get("strawberry-definition")
        resolver = None if field is None else field.base_resolver
        if (resolver is None or resolver.is_async or resolver.arguments or field.extensions
                or resolver.self_parameter is None or resolver.root_parameter or resolver.parent_parameter):
            return None
        fn = resolver.wrapped_func
        if resolver.info_parameter is None:
            return lambda item: _settled(fn(item))
        info = Info(_raw_info=_ContextOnly(self.context_value), _field=field)
        return lambda item: _settled(fn(item, info))

    def complete_iterable_value(self, item_type, field_details_list, info, path, items, position_context):
        non_null = isinstance(item_type, GraphQLNonNull)
        named = item_type.of_type if non_null else item_type
        if (isinstance(named, GraphQLObjectType) and isinstance(items, list | tuple)
                and self.get_stream_usage(field_details_list, path) is None):
            complete = self._plan(named, field_details_list)
            if complete is not None:
                try:
                    return [complete(item) if item is not None
                            else _null_item(non_null) for item in items]
                except Exception:  # noqa: BLE001 - graphql-core redoes the list and reports it its way
                    pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)


def _attribute(field_def: Any) -> str | None:
    """The attribute a basic field reads with the default getattr (a Python name), else None."""
    field = (field_def.extensions or {}).get("strawberry-definition")
    if field is not None and field.default_resolver is getattr and field.python_name.isidentifier() \
            and not iskeyword(field.python_name):
        return field.python_name
    return None


def _getter(field_def: Any):
    """What a basic field's resolver returns for an item, when it is not a plain attribute."""
    resolve = field_def.resolve
    return lambda item: resolve(item, None)


class _ContextOnly:
    """What an in-place resolver's Info reads: the context (anything else raises AttributeError)."""

    __slots__ = ("context",)

    def __init__(self, context: Any):
        self.context = context


def _settled(value: Any) -> Any:
    """A resolver's value; an awaitable (not loaded yet) sends the list back to graphql-core."""
    if isawaitable(value):
        if iscoroutine(value):
            value.close()
        raise _Fallback
    return value


def _null_item(non_null: bool) -> None:
    if non_null:
        raise _Fallback
    return None
