#!/usr/bin/python3
"""validate-config.py [--schema FILE] FILE... - check OCI config.json files against rbox's schema.

Prints one line per problem, "FILE: <json path>: <message>" (the path like
linux.namespaces[2].type, "(root)" for the document itself), and exits 1 if any file fails,
0 otherwise. The schema (default: spec/config-schema.json beside this tool) is compiled once, so
one call for many files is cheap.

Use Debian's interpreter (/usr/bin/python3, package python3-jsonschema).
"""
import argparse
import json
import os
import re
import sys

import jsonschema

DEFAULT_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec",
                              "config-schema.json")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def json_path(parts):
    """deque(['linux', 'namespaces', 2, 'type']) -> 'linux.namespaces[2].type'"""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        elif IDENT.match(p):
            out += ("." if out else "") + p
        else:
            out += "[%s]" % json.dumps(p)
    return out or "(root)"


def leaf_errors(error):
    """The most specific errors under an anyOf/allOf/if-then failure."""
    if not error.context:
        return [error]
    best = jsonschema.exceptions.best_match(error.context)
    return leaf_errors(best) if best is not None else [error]


def check(validator, path):
    """Return the problem lines for one file."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        return ["%s: %s" % (path, e.strerror or e)]
    except ValueError as e:
        return ["%s: invalid JSON: %s" % (path, e)]
    lines = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        for leaf in leaf_errors(err):
            line = "%s: %s: %s" % (path, json_path(leaf.absolute_path), leaf.message)
            if line not in lines:
                lines.append(line)
    return lines


def main():
    ap = argparse.ArgumentParser(description="Validate OCI config.json files against a JSON Schema.")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA, help="schema file (default: %(default)s)")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args()
    try:
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: cannot load schema: %s" % (args.schema, e), file=sys.stderr)
        return 2
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    failed = 0
    for path in args.files:
        lines = check(validator, path)
        for line in lines:
            print(line)
        failed += bool(lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
