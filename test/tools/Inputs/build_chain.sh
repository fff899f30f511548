#!/bin/sh
# Builds the chain application into DIR as a build system would: a
# compile_commands.json, the object compiled with the plugin under its static
# plan, the groups linked by `fusionize link` (whose manifest records the
# source, and the object of chain_spin.cpp, which has no tasks), so
# `fusionize optimize DIR/app/manifest.json` can rebuild it.
#   build_chain.sh DIR CLANGXX PLUGIN INCLUDE FUSIONIZE
set -e
dir=$1 cxx=$2 plugin=$3 inc=$4 fz=$5
here=$(cd "$(dirname "$0")" && pwd)
src=$here/chain.cpp spin=$here/chain_spin.cpp
mkdir -p "$dir"
cat > "$dir/compile_commands.json" <<JSON
[{"directory": "$dir", "file": "$src",
  "command": "$cxx -std=c++17 -O1 -I$inc -fplugin=$plugin -c $src -o $dir/chain.o"},
 {"directory": "$dir", "file": "$spin",
  "command": "$cxx -std=c++17 -O1 -I$inc -fplugin=$plugin -c $spin -o $dir/chain_spin.o"}]
JSON
(cd "$dir" && $cxx -std=c++17 -O1 -I"$inc" -fplugin="$plugin" -c "$src" -o chain.o &&
  $cxx -std=c++17 -O1 -I"$inc" -fplugin="$plugin" -c "$spin" -o chain_spin.o)
# chain_spin.o has no tasks (no .fusion): the manifest keeps it as a link
# argument.
"$fz" link --name chain -o "$dir/app" "$dir/chain.o" "$dir/chain_spin.o" > /dev/null
