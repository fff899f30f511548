#!/usr/bin/env bash
# Configures and builds Fusionize into build/ (or $FUSIONIZE_BUILD_DIR) with
# clang-19, Ninja and ccache. Extra arguments go to the build step, e.g.
#   scripts/build.sh fusionize
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUSIONIZE_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi
cmake --build "$build" -- "$@"
