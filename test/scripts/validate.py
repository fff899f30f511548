#!/usr/bin/env python3
"""Validates JSON documents against a Fusionize JSON Schema.

    validate.py SCHEMA FILE...

SCHEMA is a file name under docs/schemas/ (fusionize-graph.schema.json) or a
path. Prints each violation with its JSON path and exits 1 when any document
is invalid.
"""
import json
import os
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    schema_dir = os.path.join(root, "docs", "schemas")
    schema_path = argv[1]
    if not os.path.exists(schema_path):
        schema_path = os.path.join(schema_dir, argv[1])
    with open(schema_path) as f:
        schema = json.load(f)
    # Schemas refer to each other by $id; resolve those locally, never online.
    store = {}
    for name in os.listdir(schema_dir):
        if name.endswith(".json"):
            with open(os.path.join(schema_dir, name)) as f:
                other = json.load(f)
            if "$id" in other:
                store[other["$id"]] = other
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    validator = cls(schema, resolver=resolver)
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            doc = json.load(f)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in err.absolute_path) or "(document)"
            print(f"{path}: {where}: {err.message}", file=sys.stderr)
            bad += 1
    if bad:
        return 1
    print(f"valid: {' '.join(argv[2:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
