#!/usr/bin/env bash
# Planner benchmark.
#   bench/planner/run.sh BUILD_DIR [SPANS]
# 1. The papers' IoT and Tree graphs: each planner and objective, planning
#    time and predicted result (the heuristic iterated to convergence).
# 2. 100, 1000 and 10000 tasks with SPANS (1 million) spans: reading,
#    profile and planning time and peak RSS, next to the baseline of
#    reading the same traces into nlohmann::json documents.
# One JSON line per measurement; trace generation is not measured.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SPANS]}
spans=${2:-1000000}
bench=$build/bin/fusionize_planner_bench
"$bench" paper iot
"$bench" paper tree
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for shape in "1 100" "10 100" "100 100"; do
  set -- $shape
  dir=$work/$1x$2
  mkdir -p "$dir"
  "$bench" generate "$dir" --apps "$1" --tasks-per-app "$2" --spans "$spans" >&2
  "$bench" plan "$dir" --planner search
  "$bench" plan "$dir" --planner auto
  "$bench" plan "$dir" --planner fusionize
  "$bench" dom "$dir"
  rm -rf "$dir"
done
