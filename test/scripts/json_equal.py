#!/usr/bin/env python3
"""Compares two JSON documents (files, or '-' for stdin) by value.

    json_equal.py A B

A response body that is a JSON string holding JSON is compared by the JSON
it holds. Exit 0 if equal; otherwise prints the first differences.
"""
import json
import sys


def load(path):
    text = sys.stdin.read() if path == "-" else open(path).read()
    doc = json.loads(text)
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            pass
    return doc


def diff(a, b, path="$", out=None):
    out = [] if out is None else out
    if type(a) != type(b):
        out.append(f"{path}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'second' if k in b else 'first'}")
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}")
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    d = diff(load(sys.argv[1]), load(sys.argv[2]))
    for line in d[:20]:
        print(line, file=sys.stderr)
    return 1 if d else 0


if __name__ == "__main__":
    sys.exit(main())
