#!/usr/bin/env bash
# The demo: Fusionize's feedback loop on the IoT application of the Fusionize
# paper, on the local serverless platform with the AWS Lambda emulation
# profile. From a fresh clone on Debian 12:
#
#   scripts/demo.sh            installs what is missing, builds, runs the loop
#   scripts/demo.sh --smoke    the same with a tiny workload (the test suite)
#
# It starts from one function per task (as Fusionize does), iterates build ->
# run -> trace -> plan until the plan stops changing, prints a table per
# iteration and the change from the first setup to the last, and writes an
# HTML report. docs/demo.md explains the output.
#
# Options: --out DIR (default: $FUSIONIZE_BUILD_DIR/demo), --skip-deps,
# --skip-build, and anything after `--` goes to `fusionize optimize` (e.g.
# -- --planner fusionize --max-iterations 12).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUSIONIZE_BUILD_DIR:-$root/build}
out=""
smoke=0
deps=1
do_build=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;
    --skip-deps) deps=0 ;;
    --skip-build) do_build=0 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$build/demo}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
start=$(date +%s)
step() { printf '\n== [%s] %s\n' "$(date +%T)" "$*"; }

if [ $deps = 1 ]; then
  step "installing what is missing (scripts/deps.sh demo)"
  "$root/scripts/deps.sh" demo
fi
if [ $do_build = 1 ]; then
  step "building fusionize, the clang plugin and the runtime (scripts/build.sh)"
  FUSIONIZE_BUILD_DIR=$build "$root/scripts/build.sh" \
    fusionize fusionize_plugin fusionize_pass fusionize_runtime fusionize_main
fi
for f in "$build/bin/fusionize" "$build/lib/fusionize.so" "$build/FusionizeConfig.cmake"; do
  if [ ! -e "$f" ]; then
    echo "demo.sh: $f is missing; build first (scripts/build.sh)" >&2
    exit 1
  fi
done

step "building the IoT application with fusionize_add_application (find_package(Fusionize))"
mkdir -p "$out"
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
# The smoke run compiles without optimization: faster, and its sieve is small.
build_type=Release
[ $smoke = 1 ] && build_type=
cmake -S "$root/scripts/demo" -B "$out/app" -G Ninja \
  -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_CXX_COMPILER="${cxx:-clang++-19}" \
  -DFusionize_DIR="$build" >"$out/app-configure.log" 2>&1 ||
  { cat "$out/app-configure.log" >&2; exit 1; }
cmake --build "$out/app" -- -j2 >"$out/app-build.log" 2>&1 ||
  { cat "$out/app-build.log" >&2; exit 1; }
echo "built $out/app/iot.fusion/manifest.json (static plan)"

if [ $smoke = 1 ]; then
  workload=$root/scripts/demo/iot-smoke.json
  note="smoke run: 12 requests at 4/s, with a sieve of 100000 numbers per CPU task (the papers: 1000 requests at 1/s)"
  limits=(--max-iterations 3)
else
  workload=$root/scripts/demo/iot-demo.json
  note="workload shortened for the demo: 120 requests at 2/s (the papers: 1000 requests at 1/s), sieve of 4 million numbers per CPU task"
  limits=()
fi
step "optimizing: fusionize optimize, starting from one function per task"
echo "$note"
export FUSIONIZE_IOT_DB=$out/iot.sqlite # the application's database (SQLite)
rm -f "$FUSIONIZE_IOT_DB"*
"$build/bin/fusionize" optimize "$out/app/iot.fusion/manifest.json" \
  --workload "$workload" --start one-per-task --emulate aws-lambda-x86 \
  --out-dir "$out/optimize" "${limits[@]}" "${extra[@]}"

cat <<EOF

For comparison, the papers (Node.js on AWS Lambda, 1000 requests at 1/s):
  Fusionize (IC2E 2022), IoT: median latency 304 -> 197 ms (-35.2 %), billed duration -40.6 %
  Fusionize++ (TCC 2024), IoT: latency -27.8 %, cost -26.6 %
docs/results.md puts the three applications side by side and says what differs.

HTML report: $out/optimize/report.html
  (file://$out/optimize/report.html)
demo finished in $(( $(date +%s) - start )) s
EOF
