#!/usr/bin/env python3
"""Compares what two fusion reports (fusionize-report/1) say about the groups.

    report_equal.py A B

Groups (tasks, entries, stubs, kept and dropped symbols, memory, timeout)
and call sites (group, caller, callee, kind, decision, location) must be the
same; object sizes and the order of lists may differ. Exit 0 if they are;
otherwise prints each difference and exits 1.
"""
import json
import sys


def normalized(path):
    report = json.load(open(path))
    groups = {}
    for g in report["groups"]:
        groups[g["name"]] = {k: sorted(v) if isinstance(v, list) else v
                             for k, v in g.items()
                             if k not in ("object", "object_size")}
    sites = sorted(json.dumps(s, sort_keys=True) for s in report["call_sites"])
    return groups, sites


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    (ga, sa), (gb, sb) = normalized(sys.argv[1]), normalized(sys.argv[2])
    problems = []
    for name in sorted(set(ga) | set(gb)):
        a, b = ga.get(name), gb.get(name)
        if a is None or b is None:
            problems.append(f"group {name}: only in {'B' if a is None else 'A'}")
            continue
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                problems.append(f"group {name}, {key}: {a.get(key)} != {b.get(key)}")
    for s in sorted(set(sa) - set(sb)):
        problems.append(f"call site only in A: {s}")
    for s in sorted(set(sb) - set(sa)):
        problems.append(f"call site only in B: {s}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
