#!/usr/bin/env bash
# The numbers of docs/results.md: for each example application, four setups
# measured side by side on the local platform under the AWS Lambda emulation
# profile, and the cost model's predictions checked against them.
#
#   bench/optimize/results.sh [BUILD_DIR] [OUT_DIR] [APP...]
#
#   1. `fusionize optimize --planner fusionize` from one function per task:
#      the published heuristic's loop; its last plan is "heuristic".
#   2. `fusionize optimize` (planner auto, weighted objective) from one
#      function per task: this project's loop; its last plan is "ours".
#   3. bench/optimize/crosscheck.py runs one function per task, everything
#      in one function, "heuristic" and "ours" interleaved for ROUNDS rounds
#      (default 1) and predicts every plan from every run's traces, from
#      one function per task's and ours' together, and from all four's.
#
# Workloads are the papers' arrival rate shortened to REQUESTS requests
# (default 120) at RATE requests/s (default 2), as a Poisson process
# (ARRIVALS=uniform for the papers' constant spacing: at 2 requests/s every
# request then meets an instance at the same point of its CPU quota period,
# so a run measures one draw of that phase per instance instead of its
# distribution; docs/results.md). Builds use the
# examples as BUILD_DIR built them (fusionize_add_application).
# Writes OUT_DIR/<app>/{heuristic,ours,crosscheck}/ and OUT_DIR/results.json,
# and prints the tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${FUSIONIZE_BUILD_DIR:-$root/build}}" && pwd)
out=${2:-$build/results}
shift $(( $# > 2 ? 2 : $# )) || true
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(iot tree webshop)
requests=${REQUESTS:-120} rate=${RATE:-2} rounds=${ROUNDS:-1}
arrivals=${ARRIVALS:-poisson}
iterations=${MAX_ITERATIONS:-6}
fz=$build/bin/fusionize
[ -x "$fz" ] || { echo "results.sh: $fz is missing; build first" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

declare -A payloads=([iot]=readings.jsonl [tree]=requests.jsonl [webshop]=sessions.jsonl)
declare -A dbvar=([iot]=FUSIONIZE_IOT_DB [tree]=FUSIONIZE_TREE_DB [webshop]=FUSIONIZE_WEBSHOP_DB)

for app in "${apps[@]}"; do
  manifest=$build/examples/$app/$app.fusion/manifest.json
  [ -f "$manifest" ] || { echo "results.sh: $manifest is missing (build the examples)" >&2; exit 1; }
  d=$out/$app
  mkdir -p "$d"
  export "${dbvar[$app]}=$d/$app.sqlite"
  cat > "$d/workload.json" <<JSON
{"format": "fusionize-workload/1", "name": "$app-results",
 "function": "$(python3 -c "import json,sys; w=json.load(open(sys.argv[1])); print(w['function'])" "$root/examples/$app/workloads/constant-1rps.json")",
 "invocation_type": "RequestResponse", "arrivals": "$arrivals", "seed": 1,
 "phases": [{"rate": $rate, "requests": $requests}],
 "payload": {"file": "$root/examples/$app/workloads/${payloads[$app]}"}}
JSON
  for planner in fusionize auto; do
    name=$([ $planner = fusionize ] && echo heuristic || echo ours)
    if [ ! -f "$d/$name/plan.json" ]; then
      echo "== $app: fusionize optimize --planner $planner" >&2
      rm -f "$d/$app.sqlite"*
      "$fz" optimize "$manifest" --workload "$d/workload.json" --start one-per-task \
        --planner $planner --max-iterations "$iterations" --emulate aws-lambda-x86 \
        --no-html -o "$d/$name" > "$d/$name.log" 2>&1 ||
        { tail -20 "$d/$name.log" >&2; exit 1; }
    fi
  done
  python3 - "$d/ours/graph.json" "$d/one-function.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
tasks = [t["name"] for t in g["tasks"]]
json.dump({"format": "fusionize-plan/1", "scope": "program",
           "groups": [{"name": "all", "tasks": tasks, "memory_mb": 128}]},
          open(sys.argv[2], "w"), indent=1)
PY
  echo "== $app: the four setups side by side ($rounds round(s))" >&2
  rm -f "$d/$app.sqlite"*
  python3 "$root/bench/optimize/crosscheck.py" --fusionize "$fz" --manifest "$manifest" \
    --workload "$d/workload.json" --out "$d/crosscheck" --rounds "$rounds" \
    --combine one-per-task+ours --combine all \
    one-per-task=one-per-task one-function="$d/one-function.json" \
    heuristic="$d/heuristic/plan.json" ours="$d/ours/plan.json" > "$d/crosscheck.txt"
done

python3 - "$out" "${apps[@]}" <<'PY'
import json, os, sys
out, apps = sys.argv[1], sys.argv[2:]
res = {}
for app in apps:
    d = os.path.join(out, app)
    cc = json.load(open(os.path.join(d, "crosscheck", "crosscheck.json")))
    funcs = {}
    for name in ("heuristic", "ours"):
        funcs[name] = len(json.load(open(os.path.join(d, name, "plan.json")))["groups"])
    res[app] = {"measured": cc["measured"], "predictions": cc["predictions"], "functions": funcs}
    m = cc["measured"]
    base = m["one-per-task"]
    print("\n%s (measured; change against one function per task)" % app)
    print("  %-14s %10s %10s %14s" % ("setup", "median ms", "p99 ms", "cost µ$/req"))
    for name in ("one-per-task", "one-function", "heuristic", "ours"):
        r = m[name]
        print("  %-14s %10.1f %10.1f %14.3f   (%+.1f %% median, %+.1f %% cost)" % (
            name, r["p50_ms"], r["p99_ms"], r["cost_usd"] * 1e6,
            (r["p50_ms"] / base["p50_ms"] - 1) * 100, (r["cost_usd"] / base["cost_usd"] - 1) * 100))
    errs = [(p["traces_of"], p["plan"], (p["predicted"]["p50_ms"] / p["measured_same_round"]["p50_ms"] - 1) * 100,
             (p["predicted"]["cost_usd"] / p["measured_same_round"]["cost_usd"] - 1) * 100)
            for p in cc["predictions"]]
    for label, sel in (("single runs' traces", [e for e in errs if "+" not in e[0] and e[0] != "all"]),
                       ("several runs' traces", [e for e in errs if "+" in e[0] or e[0] == "all"])):
        if sel:
            print("  predictions from %s: median within %.1f %%, cost within %.1f %% (worst of %d pairs)" % (
                label, max(abs(e[2]) for e in sel), max(abs(e[3]) for e in sel), len(sel)))
json.dump(res, open(os.path.join(out, "results.json"), "w"), indent=1)
PY
