#!/usr/bin/env bash
# Planner benchmark: 100, 1000 and 10000 tasks with 1 million spans each.
#   bench/planner/run.sh BUILD_DIR [SPANS]
# Prints one JSON line per measurement (generation is not measured).
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SPANS]}
spans=${2:-1000000}
bench=$build/bin/fusionize_planner_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for shape in "1 100" "10 100" "100 100"; do
  set -- $shape
  dir=$work/$1x$2
  mkdir -p "$dir"
  "$bench" generate "$dir" --apps "$1" --tasks-per-app "$2" --spans "$spans" >&2
  "$bench" dom "$dir"
  "$bench" plan "$dir" --planner search
  "$bench" plan "$dir" --planner fusionize
  rm -rf "$dir"
done
