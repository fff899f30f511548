#!/bin/sh
# Builds the chain application into DIR as a build system would: a
# compile_commands.json, the object compiled with the plugin under its static
# plan, the groups linked by `fusionize link` (whose manifest records the
# source), so `fusionize optimize DIR/app/manifest.json` can rebuild it.
#   build_chain.sh DIR CLANGXX PLUGIN INCLUDE FUSIONIZE
set -e
dir=$1 cxx=$2 plugin=$3 inc=$4 fz=$5
src=$(cd "$(dirname "$0")" && pwd)/chain.cpp
mkdir -p "$dir"
cat > "$dir/compile_commands.json" <<JSON
[{"directory": "$dir", "file": "$src",
  "command": "$cxx -std=c++17 -O1 -I$inc -fplugin=$plugin -c $src -o $dir/chain.o"}]
JSON
(cd "$dir" && $cxx -std=c++17 -O1 -I"$inc" -fplugin="$plugin" -c "$src" -o chain.o)
"$fz" link --name chain -o "$dir/app" "$dir/chain.o" > /dev/null
