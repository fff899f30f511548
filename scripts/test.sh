#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test
# under CTest (lit suites and googletest unit tests) and prints the summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" test
"$root/scripts/build.sh"
build=${FUSIONIZE_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure -j2 "$@"
