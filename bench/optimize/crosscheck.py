#!/usr/bin/env python3
"""Runs several plans of one application on the local platform and predicts
every plan from every run's traces: the cost model checked against
measurement.

    crosscheck.py --fusionize BUILD/bin/fusionize --manifest APP.fusion/manifest.json \
        --workload W.json --out DIR PLAN... [--rounds N] [--emulate PROFILE]

PLAN is a plan file, or one-per-task / static (the starting layouts of
`fusionize optimize`), optionally NAME=PLAN. Each plan is built and run with
`fusionize optimize --start PLAN --max-iterations 1` (DIR/<name>-r<round>/);
rounds run the plans interleaved (A B C A B C ...), so a drift of the shared
machine's speed hits every plan alike. Then, for every run's trace and every
plan, `fusionize plan --evaluate` predicts median, p99 and cost per request.
With --combine, the plans are predicted from several runs' traces together
as well (`fusionize plan --profile A --profile B`): the profile then sees
tasks under more than one configuration (docs/planning.md, interruptions).
Writes DIR/crosscheck.json and prints, per (traces of, plan predicted), the
prediction next to the mean measurement of that plan.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write("failed: %s\n%s%s" % (" ".join(cmd), r.stdout[-4000:], r.stderr[-4000:]))
        sys.exit(1)
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fusionize", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--workload", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--emulate", default="aws-lambda-x86")
    ap.add_argument("--extra", default="", help="more fusionize optimize options")
    ap.add_argument("--plan-extra", default="", help="more fusionize plan options")
    ap.add_argument("--combine", action="append", default=[],
                    help="also predict from several runs' traces together: NAME+NAME... "
                         "of one round, or 'all' (repeatable)")
    ap.add_argument("plans", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    plans = []
    for p in a.plans:
        name, _, spec = p.partition("=") if "=" in p else (os.path.splitext(os.path.basename(p))[0], "", p)
        plans.append((name, os.path.abspath(spec) if os.path.exists(spec) else spec))
    runs = []  # (name, round, dir)
    for r in range(a.rounds):
        for name, spec in plans:
            d = os.path.join(a.out, "%s-r%d" % (name, r + 1))
            if not os.path.exists(os.path.join(d, "report.json")):
                cmd = [a.fusionize, "optimize", a.manifest, "--workload", a.workload,
                       "--start", spec, "--max-iterations", "1", "--no-html", "-q",
                       "--emulate", a.emulate, "-o", d] + a.extra.split()
                print("running %s round %d" % (name, r + 1), file=sys.stderr, flush=True)
                run(cmd)
            runs.append((name, r + 1, d))
    reports = {d: json.load(open(os.path.join(d, "report.json"))) for _, _, d in runs}
    plan_files = {}
    for name, _, d in runs:
        plan_files.setdefault(name, os.path.join(d, "iter-1", "plan.json"))
    graph = os.path.join(runs[0][2], "graph.json")
    measured = {}
    for name, _, d in runs:
        measured.setdefault(name, []).append(reports[d]["iterations"][0]["measured"])
    sources = [(tname, rnd, [d]) for tname, rnd, d in runs]
    for combo in a.combine:
        names = [n for n, _ in plans] if combo == "all" else combo.split("+")
        for r in range(a.rounds):
            dirs = [d for n, rr, d in runs if n in names and rr == r + 1]
            if len(dirs) != len(names):
                sys.exit("crosscheck.py: --combine %s: not every plan named was run" % combo)
            sources.append((combo, r + 1, dirs))
    rows = []
    for tname, rnd, dirs in sources:
        profile = []
        for d in dirs:
            profile += ["--profile", os.path.join(d, "iter-1", "trace.jsonl")]
        for pname, pfile in plan_files.items():
            out = run([a.fusionize, "plan", "--graph", graph] + profile +
                      ["--evaluate", pfile, "--json", "--emulation", a.emulate]
                      + a.plan_extra.split())
            pred = json.loads(out)
            rows.append({"traces_of": tname, "round": rnd, "plan": pname,
                         "predicted": {k: pred[k] for k in ("p50_ms", "p99_ms", "cost_usd")},
                         "measured_same_round": next(
                             reports[x]["iterations"][0]["measured"] for n, rr, x in runs
                             if n == pname and rr == rnd)})
    summary = {}
    for name, ms in measured.items():
        summary[name] = {k: statistics.mean(m[k] for m in ms) for k in ("p50_ms", "p99_ms", "cost_usd")}
        summary[name]["runs"] = [{k: m[k] for k in ("p50_ms", "p99_ms", "cost_usd")} for m in ms]
    json.dump({"plans": plan_files, "measured": summary, "predictions": rows},
              open(os.path.join(a.out, "crosscheck.json"), "w"), indent=1)
    print("%-14s %-14s %5s  %24s  %24s" % ("traces of", "plan", "round", "median pred/meas (err)", "cost µ$ pred/meas (err)"))
    for r in rows:
        m = r["measured_same_round"]
        p = r["predicted"]
        e1 = (p["p50_ms"] - m["p50_ms"]) / m["p50_ms"] * 100
        e2 = (p["cost_usd"] - m["cost_usd"]) / m["cost_usd"] * 100
        print("%-14s %-14s %5d  %7.1f / %7.1f (%+5.1f%%)  %7.3f / %7.3f (%+5.1f%%)" % (
            r["traces_of"], r["plan"], r["round"], p["p50_ms"], m["p50_ms"], e1,
            p["cost_usd"] * 1e6, m["cost_usd"] * 1e6, e2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
