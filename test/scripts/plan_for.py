#!/usr/bin/env python3
"""Writes a plan for a graph in one of the simple layouts.

    plan_for.py GRAPH LAYOUT [MEMORY_MB] > plan.json

LAYOUT: one-per-task (Fusionize's starting point), all-in-one.
"""
import json
import sys

graph = json.load(open(sys.argv[1]))
layout = sys.argv[2]
memory = int(sys.argv[3]) if len(sys.argv) > 3 else 128
tasks = [t["name"] for t in graph["tasks"] if t.get("defined", True)]
if layout == "one-per-task":
    groups = [{"name": t, "tasks": [t], "memory_mb": memory} for t in tasks]
elif layout == "all-in-one":
    groups = [{"name": "all", "tasks": tasks, "memory_mb": memory}]
else:
    sys.exit(f"plan_for.py: unknown layout {layout}")
json.dump({"format": "fusionize-plan/1", "groups": groups}, sys.stdout, indent=1)
