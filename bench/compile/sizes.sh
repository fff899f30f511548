#!/usr/bin/env bash
# Executable size per fusion group against the monolith, for the example
# applications as the build made them (static plan, -O2 -g RelWithDebInfo).
# Sizes of the files and of their code (text) after stripping.
#
#   bench/compile/sizes.sh [BUILD_DIR]
set -euo pipefail
build=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
text() { size -A "$1" | awk '$1 == ".text" { print $2 }'; }
echo "| application | executable | file (KB) | .text (KB) | .text vs monolith |"
echo "|---|---|---|---|---|"
for app in iot tree webshop; do
  dir="$build/examples/$app/$app.fusion"
  [ -f "$dir/manifest.json" ] || { echo "build $app first" >&2; exit 1; }
  mono=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['monolith'])" "$dir/manifest.json")
  mt=$(text "$mono")
  printf '| %s | monolith | %d | %d | 1.00 |\n' "$app" $(( $(stat -c %s "$mono") / 1024 )) $(( mt / 1024 ))
  for g in $(python3 -c "import json,sys; print(' '.join(g['executable'] for g in json.load(open(sys.argv[1]))['groups']))" "$dir/manifest.json"); do
    gt=$(text "$dir/$g")
    printf '| %s | %s | %d | %d | %.2f |\n' "$app" "$g" $(( $(stat -c %s "$dir/$g") / 1024 )) $(( gt / 1024 )) \
      "$(python3 -c "print($gt / $mt)")"
  done
done
