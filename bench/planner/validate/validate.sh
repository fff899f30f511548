#!/usr/bin/env bash
# Checks the cost model against `fusionize run`: builds app.cpp under one
# function per task and under one group, drives each on the local platform,
# and predicts every plan from every trace (`fusionize plan --evaluate`).
#
#   bench/planner/validate/validate.sh FUSIONIZE PLUGIN_PREFIX [N] [RATE]
#
# FUSIONIZE: the fusionize command; PLUGIN_PREFIX: where fusionize.so,
# include/ and lib/libfusionize_runtime.a are (a build or install tree).
set -euo pipefail
fz=${1:?usage: validate.sh FUSIONIZE PLUGIN_PREFIX [N] [RATE]}
prefix=${2:?usage: validate.sh FUSIONIZE PLUGIN_PREFIX [N] [RATE]}
n=${3:-60}
rate=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
cxx=${CXX:-/usr/lib/llvm-19/bin/clang++}
plugin=$prefix/lib/fusionize.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
$cxx -std=c++17 -O2 -fplugin=$plugin -I$prefix/include -c "$here/app.cpp" \
  -o mono.o -fplugin-arg-fusionize-graph=graph.json
python3 - <<'PY'
import json
g = json.load(open("graph.json"))
tasks = [t["name"] for t in g["tasks"]]
def plan(groups):
    return {"format": "fusionize-plan/1", "scope": "program",
            "groups": [{"name": n, "tasks": t, "memory_mb": 512} for n, t in groups]}
json.dump(plan([(t, [t]) for t in tasks]), open("each.json", "w"))
json.dump(plan([("all", tasks)]), open("one.json", "w"))
PY
for p in each one; do
  mkdir -p $p.o.d
  $cxx -std=c++17 -O2 -fplugin=$plugin -I$prefix/include -c "$here/app.cpp" \
    -o $p.o.d/app.o -fplugin-arg-fusionize-plan=$p.json
  $fz link --name app -o $p --runtime-lib-dir $prefix/lib $p.o.d/app.o >/dev/null
  $fz run $p/manifest.json --port 0 --port-file $p/port --trace $p/trace.jsonl \
    -q --state-dir $p/state > $p/run.log 2>&1 &
  pid=$!
  for i in $(seq 1 100); do [ -s $p/port ] && break; sleep 0.1; done
  $fz load -e http://127.0.0.1:$(cat $p/port) -f handle -r $rate -n $n \
    --payload-template '[{{seq}}]' --no-progress > $p/load.log 2>&1
  sleep 2
  kill -INT $pid
  wait $pid
done
for t in each one; do
  for p in each one; do
    echo "== plan $p predicted from the traces of plan $t"
    $fz plan --graph graph.json --profile $t/trace.jsonl --evaluate $p.json 2>/dev/null |
      grep -E "all requests|measured"
  done
done
