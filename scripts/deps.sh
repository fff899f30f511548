#!/usr/bin/env bash
# Installs the Debian packages Fusionize needs, only those that are missing.
#
#   scripts/deps.sh build   compiler toolchain and libraries
#   scripts/deps.sh test    build + test tools (googletest, lit's helpers, AWS CLI, ...)
#   scripts/deps.sh demo    build + what the demo uses
#
# Runs apt-get through sudo when not root. Safe to run repeatedly.
set -euo pipefail

build_pkgs=(cmake ninja-build ccache pkg-config
  clang-19 llvm-19-dev libclang-19-dev llvm-19-tools
  nlohmann-json3-dev libcpp-httplib-dev libevent-dev libhttp-parser-dev
  libsqlite3-dev libssl-dev)
test_pkgs=(googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jsonschema awscli curl graphviz chromium)
demo_pkgs=(graphviz)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  demo) want+=("${demo_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|demo]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "fusionize: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
