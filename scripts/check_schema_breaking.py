#!/usr/bin/env python3
"""Schema-change safety check: fail on breaking changes to schema.graphql that nobody declared.

Compares the working tree's schema.graphql with an earlier version using graphql-core's
find_breaking_changes / find_dangerous_changes on plain SDL (federation directives and the
_entities/_service machinery removed), plus one federation rule graphql-core cannot see: an entity
losing an @key (other subgraphs and the gateway plan through it).

The earlier version is, in order:
  1. --base REF (or $SCHEMA_BASE_REF): the merge base of HEAD and REF (a pull request's target);
  2. HEAD, when schema.graphql has uncommitted changes;
  3. else the parent of the last commit that touched schema.graphql.
No git, no commits, a shallow clone cut above that parent, or a file that is new there: nothing to
compare, exit 0 with a note (an explicit --base that cannot be resolved is an error instead).

Each intended breaking change is one line in schema-changes.allowed, as printed below, with a reason:
    FIELD_REMOVED Field Course.term was removed.  # moved to the directory subgraph, clients told in #123

Exit status: 0 ok, 1 undeclared breaking changes, 2 usage or input error.
Run: .venv/bin/python scripts/check_schema_breaking.py [--base origin/main]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    BooleanValueNode,
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    build_ast_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
    print_schema,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schema.graphql"
ALLOWED = ROOT / "schema-changes.allowed"

# What Federation 2 adds to a subgraph's SDL; none of it is part of the API clients query.
FEDERATION_TYPES = {"_Any", "_Entity", "_Service", "FieldSet", "_FieldSet", "link__Import", "link__Purpose",
                    "federation__FieldSet", "federation__Scope", "federation__Policy",
                    "federation__ContextFieldValue"}
FEDERATION_QUERY_FIELDS = {"_entities", "_service"}
BUILTIN_DIRECTIVES = {"deprecated", "specifiedBy", "include", "skip", "oneOf"}


class SchemaError(Exception):
    """The SDL cannot be read as a schema."""


# --- plain SDL --------------------------------------------------------------------------------------

def _directive_names(doc: DocumentNode) -> set[str]:
    return {d.name.value for d in doc.definitions if isinstance(d, DirectiveDefinitionNode)}


def _strip_directives(node, keep: set[str]):
    """A copy of an AST node without directive applications other than `keep`, recursively."""
    if isinstance(node, (list, tuple)):
        return tuple(_strip_directives(n, keep) for n in node)
    if not hasattr(node, "keys"):
        return node
    values = {}
    for key in node.keys:
        value = getattr(node, key, None)
        if key == "directives" and value:
            value = tuple(d for d in value if d.name.value in keep)
        elif key != "loc":
            value = _strip_directives(value, keep)
        values[key] = value
    return type(node)(**values)


def plain_document(sdl: str) -> DocumentNode:
    """The SDL as generic GraphQL tools understand it: federation directives and machinery removed."""
    try:
        doc = parse(sdl)
    except Exception as e:  # graphql.GraphQLSyntaxError
        raise SchemaError(f"cannot parse SDL: {e}") from e
    defined = _directive_names(doc)
    federation_directives = {"key", "link", "shareable", "external", "requires", "provides", "tag",
                             "inaccessible", "override", "composeDirective", "interfaceObject", "extends",
                             "authenticated", "requiresScopes", "policy", "context", "fromContext",
                             "cost", "listSize"}
    keep = (defined - federation_directives) | BUILTIN_DIRECTIVES
    definitions = []
    base_types = {d.name.value for d in doc.definitions if isinstance(d, ObjectTypeDefinitionNode)}
    for d in doc.definitions:
        name = getattr(getattr(d, "name", None), "value", None)
        if name in FEDERATION_TYPES:
            continue
        if isinstance(d, DirectiveDefinitionNode) and (name in federation_directives or "__" in name):
            continue
        if isinstance(d, (SchemaDefinitionNode, SchemaExtensionNode)):
            if not d.operation_types:
                continue
        if isinstance(d, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)) and d.fields:
            fields = tuple(f for f in d.fields if f.name.value not in FEDERATION_QUERY_FIELDS)
            if len(fields) != len(d.fields):
                d = type(d)(**{**{k: getattr(d, k, None) for k in d.keys}, "fields": fields})
        if isinstance(d, ObjectTypeExtensionNode) and name not in base_types:
            # Federation 1 style `extend type User @key(...)` with no base type in this document.
            d = ObjectTypeDefinitionNode(name=d.name, interfaces=d.interfaces, directives=d.directives,
                                         fields=d.fields, description=None)
        definitions.append(_strip_directives(d, keep))
    return DocumentNode(definitions=tuple(definitions))


def plain_schema(sdl: str) -> GraphQLSchema:
    """A graphql-core schema built (and validated) from the plain form of a federation SDL."""
    try:
        return build_ast_schema(plain_document(sdl))
    except SchemaError:
        raise
    except Exception as e:  # TypeError / GraphQLError from validation
        raise SchemaError(f"not a valid schema once federation is stripped: {e}") from e


def plain_sdl(sdl: str) -> str:
    return print_schema(plain_schema(sdl))


def entity_keys(sdl: str) -> dict[str, set[tuple[str, bool]]]:
    """{type name: {(key fields, resolvable)}} from @key (or @federation__key) applications."""
    keys: dict[str, set[tuple[str, bool]]] = {}
    for d in parse(sdl).definitions:
        for directive in getattr(d, "directives", None) or ():
            if directive.name.value not in ("key", "federation__key"):
                continue
            args = {a.name.value: a.value for a in directive.arguments}
            fields = args.get("fields")
            resolvable = args.get("resolvable")
            keys.setdefault(d.name.value, set()).add((
                " ".join(fields.value.split()) if isinstance(fields, StringValueNode) else "",
                resolvable.value if isinstance(resolvable, BooleanValueNode) else True,
            ))
    return keys


def link_imports(sdl: str) -> list[str]:
    """The `@link(url: ...)` urls on the schema definition or extension (the federation version)."""
    urls = []
    for d in parse(sdl).definitions:
        if isinstance(d, (SchemaDefinitionNode, SchemaExtensionNode)):
            for directive in d.directives or ():
                if directive.name.value == "link":
                    urls += [a.value.value for a in directive.arguments
                             if a.name.value == "url" and isinstance(a.value, StringValueNode)]
    return sorted(urls)


# --- diff -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    type: str
    description: str

    @property
    def line(self) -> str:
        return f"{self.type} {self.description}"


def diff(old_sdl: str, new_sdl: str) -> tuple[list[Change], list[Change]]:
    """(breaking, dangerous) changes from old to new, federation keys included."""
    old, new = plain_schema(old_sdl), plain_schema(new_sdl)
    breaking = [Change(c.type.name, c.description) for c in find_breaking_changes(old, new)]
    dangerous = [Change(c.type.name, c.description) for c in find_dangerous_changes(old, new)]
    old_keys, new_keys = entity_keys(old_sdl), entity_keys(new_sdl)
    for type_name, keys in sorted(old_keys.items()):
        if type_name not in new.type_map:
            continue  # TYPE_REMOVED already says it
        for fields, resolvable in sorted(keys):
            now = new_keys.get(type_name, set())
            if (fields, resolvable) in now:
                continue
            if resolvable and (fields, False) in now:
                breaking.append(Change("KEY_NOT_RESOLVABLE", f'{type_name} @key(fields: "{fields}") is no '
                                                             f"longer resolvable."))
            else:
                breaking.append(Change("KEY_REMOVED", f'{type_name} lost @key(fields: "{fields}").'))
    return breaking, dangerous


def describe(old_sdl: str, new_sdl: str) -> str:
    """Human-readable breaking and dangerous changes, for test failures and the CLI."""
    breaking, dangerous = diff(old_sdl, new_sdl)
    lines = []
    if breaking:
        lines.append(f"{len(breaking)} breaking change(s):")
        lines += [f"  {c.line}" for c in breaking]
    if dangerous:
        lines.append(f"{len(dangerous)} dangerous change(s):")
        lines += [f"  {c.line}" for c in dangerous]
    if not lines:
        lines.append("no breaking or dangerous changes (additions or description changes only)")
    return "\n".join(lines)


# --- allowances -------------------------------------------------------------------------------------

def read_allowed(path: Path) -> dict[str, str]:
    """{change line: reason}; every entry needs a reason after ' # '."""
    allowed: dict[str, str] = {}
    if not path.exists():
        return allowed
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        change, sep, reason = line.partition(" # ")
        if not sep or not reason.strip():
            raise SchemaError(f"{path.name}:{number}: no reason given; write `<change>  # <why it is intended>`")
        allowed[" ".join(change.split())] = reason.strip()
    return allowed


# --- git --------------------------------------------------------------------------------------------

class NoBase(Exception):
    """Nothing to compare against (reason in the message)."""


def _git(cwd: Path, *args: str) -> str | None:
    try:
        run = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout if run.returncode == 0 else None


def _show(cwd: Path, rev: str, name: str) -> str | None:
    return _git(cwd, "show", f"{rev}:./{name}")


def base_schema(schema: Path, base_ref: str | None) -> tuple[str, str]:
    """(label, SDL) of the version to compare with; NoBase when there is none, SchemaError on a bad ref."""
    cwd, name = schema.parent, schema.name
    if _git(cwd, "rev-parse", "--is-inside-work-tree") is None:
        raise NoBase("not a git checkout (or git is missing)")
    if base_ref:
        merge_base = (_git(cwd, "merge-base", "HEAD", base_ref) or "").strip()
        if not merge_base:
            shallow = (_git(cwd, "rev-parse", "--is-shallow-repository") or "").strip() == "true"
            raise SchemaError(f"cannot find the merge base of HEAD and {base_ref!r}"
                              + (" in this shallow clone (fetch with fetch-depth: 0 or git fetch --unshallow)"
                                 if shallow else ""))
        sdl = _show(cwd, merge_base, name)
        if sdl is None:
            raise NoBase(f"{name} does not exist at the merge base {merge_base[:10]} with {base_ref}")
        return f"merge base {merge_base[:10]} of HEAD and {base_ref}", sdl
    if _git(cwd, "rev-parse", "--verify", "-q", "HEAD") is None:
        raise NoBase("no commits yet")
    head = _show(cwd, "HEAD", name)
    if head is None:
        raise NoBase(f"{name} is not committed yet")
    if schema.exists() and schema.read_text(encoding="utf-8") != head:
        return "HEAD (uncommitted changes)", head
    last = (_git(cwd, "log", "-1", "--format=%H", "--", name) or "").strip()
    if not last:
        raise NoBase(f"no commit touches {name}")
    parent = (_git(cwd, "rev-parse", "--verify", "-q", f"{last}^") or "").strip()
    if not parent:
        shallow = (_git(cwd, "rev-parse", "--is-shallow-repository") or "").strip() == "true"
        raise NoBase(f"the history before {last[:10]} is not available (shallow clone; fetch more to check it)"
                     if shallow else f"{name} first appears in {last[:10]}, the first commit")
    sdl = _show(cwd, parent, name)
    if sdl is None:
        raise NoBase(f"{name} first appears in {last[:10]}")
    return f"{parent[:10]}, before {last[:10]} (the last commit touching {name})", sdl


# --- main -------------------------------------------------------------------------------------------

def check(schema: Path, allowed_path: Path, base_ref: str | None, old_file: Path | None = None,
          out=sys.stdout) -> int:
    def say(text: str = "") -> None:
        print(text, file=out)

    if not schema.exists():
        say(f"error: {schema} is missing; run: outcome-graph export-schema > schema.graphql")
        return 2
    try:
        allowed = read_allowed(allowed_path)
        if old_file is not None:
            label, old_sdl = str(old_file), old_file.read_text(encoding="utf-8")
        else:
            try:
                label, old_sdl = base_schema(schema, base_ref)
            except NoBase as e:
                say(f"schema check: nothing to compare against: {e}")
                return 0
        breaking, dangerous = diff(old_sdl, schema.read_text(encoding="utf-8"))
    except (SchemaError, OSError) as e:
        say(f"error: {e}")
        return 2
    say(f"schema check: {schema.name} compared with {label}")
    for c in dangerous:
        say(f"  dangerous (allowed, review it): {c.line}")
    undeclared = []
    for c in breaking:
        reason = allowed.get(" ".join(c.line.split()))
        if reason is None:
            undeclared.append(c)
        else:
            say(f"  breaking, declared: {c.line}  ({reason})")
    unused = set(allowed) - {" ".join(c.line.split()) for c in breaking}
    for line in sorted(unused):
        say(f"  note: {allowed_path.name} entry matches no change now (remove it when done): {line}")
    if undeclared:
        say(f"\n{len(undeclared)} undeclared breaking change(s):")
        for c in undeclared:
            say(f"  {c.line}")
        say(f"\nClients may depend on what these remove or change. Either keep the schema compatible "
            f"(deprecate first, add instead of change), or declare each intended change in "
            f"{allowed_path.name}, one line each with a reason:")
        for c in undeclared:
            say(f"  {c.line}  # <why this is intended, who was told>")
        return 1
    say(f"  ok: {len(breaking)} breaking change(s), all declared; {len(dangerous)} dangerous")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default=os.environ.get("SCHEMA_BASE_REF") or None,
                   help="compare with the merge base of HEAD and this ref (default: $SCHEMA_BASE_REF)")
    p.add_argument("--old", type=Path, help="compare with this SDL file instead of git history")
    p.add_argument("--schema", type=Path, default=SCHEMA, help="the new SDL (default: schema.graphql)")
    p.add_argument("--allowed", type=Path, default=None,
                   help="declared changes (default: schema-changes.allowed beside the schema)")
    args = p.parse_args(argv)
    schema = args.schema.resolve()
    allowed = args.allowed or schema.parent / ALLOWED.name
    return check(schema, allowed, args.base, args.old)


if __name__ == "__main__":
    sys.exit(main())
