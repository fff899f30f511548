#!/usr/bin/env python3
"""Checks a run summary and trace against the Lambda price model.

    check_billing.py SUMMARY.json TRACE.jsonl [--bill-init]
"""
import json
import math
import sys

GB_S, REQUEST = 0.0000166667, 0.0000002


def attrs(span):
    return {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}


def main(argv):
    summary = json.load(open(argv[1]))
    bill_init = "--bill-init" in argv
    spans = []
    for line in open(argv[2]):
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                spans += [attrs(s) for s in ss["spans"]]
    platform = [a for a in spans if a.get("fusion.source") == "platform"]
    minimum = 1 if bill_init else 300
    for f in summary["functions"]:
        if not f["invocations"]:
            continue
        cost = f["gb_seconds"] * GB_S + f["invocations"] * REQUEST
        print("%s: billed_ms >= %d %s, matches the price model %s" % (
            f["name"], minimum, f["billed_ms"] >= minimum,
            math.isclose(cost, f["cost_usd"], rel_tol=1e-9) and
            math.isclose(f["gb_seconds"], f["billed_ms"] / 1000 * f["memory_mb"] / 1024,
                         rel_tol=1e-9)))
    if not bill_init:
        by = {f["name"]: f for f in summary["functions"]}
        print("caller billed for its callee's time",
              by["call"]["billed_ms"] >= by["slow"]["billed_ms"])
    ok = True
    for a in platform:
        # duration_ms is rounded to the microsecond; billed_ms is the ceiling
        # of the unrounded duration (301.0004 ms: 301.0 in the span, 302
        # billed).
        expected = math.ceil(a["fusion.duration_ms"] + 0.0005 +
                             (a["fusion.init_ms"] if bill_init and a["faas.coldstart"] else 0))
        # init_ms includes the (here zero) provisioning; the runtime's own init
        # is at most that, so billed is between duration and duration + init.
        billed = int(a["fusion.billed_ms"])
        ok &= math.ceil(a["fusion.duration_ms"] - 0.0005) <= billed <= max(expected, 1)
        ok &= math.isclose(float(a["fusion.cost_usd"]),
                           billed / 1000 * int(a["fusion.memory_mb"]) / 1024 * GB_S + REQUEST,
                           rel_tol=1e-9)
    print("spans: billed_ms is the rounded-up duration%s %s" %
          (" plus init" if bill_init else "", ok))


if __name__ == "__main__":
    main(sys.argv)
