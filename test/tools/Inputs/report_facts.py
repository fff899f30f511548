#!/usr/bin/env python3
"""Prints the facts of a fusionize-optimize/1 report that do not depend on
timing: per iteration the groups (name: tasks), request and error counts,
functions invoked, whether a prediction exists, the traces it planned from,
the heuristic's next change;
then the outcome."""
import json
import os
import sys

r = json.load(open(sys.argv[1]))
for it in r["iterations"]:
    m = it["measured"]
    print("iteration %d: groups %d, requests %d, errors %d, functions %d, predicted %s" % (
        it["iteration"], it["groups"], m["requests"], m["errors"], m["functions"],
        "yes" if "predicted" in it else "no"))
    for g in it["plan"]["groups"]:
        print("  %s: %s" % (g["name"], " ".join(g["tasks"])))
    if "planned_from" in it:
        print("  planned from: " + " ".join(it["planned_from"]))
        host = it["planning"]["host_cpus"]
        print("  planned for a host of %s" % (
            "this machine's CPUs" if host == len(os.sched_getaffinity(0)) else "%g CPUs" % host))
    for line in it.get("planning", {}).get("explanation", []):
        if line.startswith("fusionize: "):
            print("  explanation: " + line)
o = r["outcome"]
print("outcome: converged %s, iterations %d" % (str(o["converged"]).lower(), o["iterations"]))
