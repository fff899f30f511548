#!/usr/bin/env python3
"""Checks that each group executable holds the code of its own tasks only.

    check_groups.py [--require-own] MANIFEST GRAPH

For every group of the manifest, the executable must define none of the
symbols of the other tasks of the graph (nm --defined-only); with
--require-own (unoptimized builds, where nothing is inlined away) it must
also define the symbol of each of its own tasks. Prints one line per group;
exit 1 on a violation.
"""
import json
import os
import subprocess
import sys


def defined_symbols(exe):
    out = subprocess.run(["nm", "--defined-only", exe], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "TtWw":
            syms.add(parts[2])
    return syms


def main():
    args = sys.argv[1:]
    require_own = "--require-own" in args
    args = [a for a in args if a != "--require-own"]
    manifest_path, graph_path = args[0], args[1]
    manifest = json.load(open(manifest_path))
    graph = json.load(open(graph_path))
    symbol = {t["name"]: t["symbol"] for t in graph["tasks"]}
    base = os.path.dirname(os.path.abspath(manifest_path))
    bad = 0
    for group in manifest["groups"]:
        syms = defined_symbols(os.path.join(base, group["executable"]))
        mine = set(group["tasks"])
        missing = [t for t in sorted(mine) if symbol[t] not in syms]
        foreign = [t for t in sorted(symbol) if t not in mine and symbol[t] in syms]
        if not require_own:
            missing = []
        status = "ok" if not missing and not foreign else "BAD"
        bad += status == "BAD"
        print(f"{group['name']}: {status} tasks={len(mine)}"
              + (f" missing={missing}" if missing else "")
              + (f" foreign={foreign}" if foreign else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
