#!/usr/bin/env bash
# Compile time of plain clang against clang with the fusionize plugin, on the
# same translation units, side by side in one hyperfine run per case:
#
#   1. code without tasks (target: at most 1.10x): the plugin must not cost
#      anything there; header-heavy files at -O0 and -O2;
#   2. a program split into three groups at -O2 (target: at most 1.5x): the
#      web shop's 11 files with a three-group plan, and one file whose tasks
#      go to three groups.
#
#   bench/compile/compile-time.sh [BUILD_DIR] [RUNS]
#   (CASES=groups: only part 2; CASES=notasks: only part 1)
#
# Prints a markdown table: wall-clock mean with its deviation, and CPU time
# (user + system, children included: the plugin compiles group objects in
# child processes), each with the ratio; hyperfine's JSON goes to $OUT
# (default /tmp/fusionize-compile-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
out=${OUT:-/tmp/fusionize-compile-bench}
mkdir -p "$out"
cxx=/usr/lib/llvm-19/bin/clang++
plugin="-fplugin=$build/lib/fusionize.so"
common="-std=c++17 -I$build/include -I$root/tools -I$root/examples/common -Wno-unknown-attributes"
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt install hyperfine)" >&2; exit 1; }

row() { # name plain-cmd plugin-cmd
  local name=$1 json="$out/$(echo "$1" | tr ' /' '__').json"
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" \
    -n plain "$2" -n plugin "$3" >/dev/null
  python3 - "$json" "$name" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
p, q = r["plain"], r["plugin"]
cpu = lambda x: x["user"] + x["system"]
print(f"| {sys.argv[2]} | {p['mean']:.2f} ± {p['stddev']:.2f} s | {q['mean']:.2f} ± {q['stddev']:.2f} s | "
      f"{q['mean'] / p['mean']:.2f}x | {cpu(p):.2f} s | {cpu(q):.2f} s | {cpu(q) / cpu(p):.2f}x |")
PY
}

echo "| case | plain, wall | plugin, wall | wall ratio | plain, CPU | plugin, CPU | CPU ratio |"
echo "|---|---|---|---|---|---|---|"
# 1. No tasks.
[ "${CASES:-all}" = groups ] ||
for f in "$root/test/frontend/Inputs/stdlib-heavy.cpp" "$root/tools/core/Plan.cpp" \
         "$root/tools/planner/CostModel.cpp"; do
  for o in -O0 -O2; do
    row "no tasks: $(basename "$f") $o" \
      "$cxx $common $o -c $f -o $out/plain.o" \
      "$cxx $common $plugin $o -c $f -o $out/plugin.o"
  done
done
# 2. Three groups at -O2.
[ "${CASES:-all}" = notasks ] && exit 0
plan="$out/webshop-3.json"
cat > "$plan" <<'JSON'
{"format": "fusionize-plan/1", "scope": "program", "groups": [
  {"name": "front", "tasks": ["frontend", "getcart", "cartkvstorage", "addcartitem", "emptycart"]},
  {"name": "catalog", "tasks": ["getproduct", "listproducts", "searchproducts", "listrecommendations", "getads", "supportedcurrencies", "currency"]},
  {"name": "order", "tasks": ["checkout", "payment", "shipmentquote", "shiporder", "email"]}]}
JSON
ws=$(ls "$root"/examples/webshop/*.cpp | grep -v main.cpp | tr '\n' ' ')
plain_ws="for f in $ws; do $cxx $common -O2 -c \$f -o $out/ws-plain-\$(basename \$f).o || exit 1; done"
plugin_ws="for f in $ws; do $cxx $common $plugin -fplugin-arg-fusionize-plan=$plan -O2 -c \$f -o $out/ws-plugin-\$(basename \$f).o || exit 1; done"
row "3 groups -O2: webshop, 11 files" "$plain_ws" "$plugin_ws"
plan1="$out/types-3.json"
cat > "$plan1" <<'JSON'
{"format": "fusionize-plan/1", "groups": [
  {"name": "driver", "tasks": ["run-all", "add", "greet", "move", "swap_pair"]},
  {"name": "math", "tasks": ["scale", "negate", "big", "squares", "find", "fail"]},
  {"name": "shapes", "tasks": ["bump", "next", "bump_plain", "invert", "reverse_bytes", "note"]}]}
JSON
t="$root/test/e2e/Inputs/types.cpp"
row "3 groups -O2: one file, 17 tasks" \
  "$cxx $common -O2 -c $t -o $out/t-plain.o" \
  "$cxx $common $plugin -fplugin-arg-fusionize-plan=$plan1 -O2 -c $t -o $out/t-plugin.o"
