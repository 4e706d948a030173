#!/usr/bin/env bash
# CI step: gather the built images with their SHA256SUMS into one folder for the run's artifacts,
# after checking each folder against its own SHA256SUMS (a half-written image is never kept).
#
#   bash tools/ci/collect-images.sh OUT_DIR [PROJECT...]    (default: every folder in dist/images)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: collect-images.sh OUT_DIR [PROJECT...]}"
shift
mkdir -p "$out"
projects=("$@")
[ "${#projects[@]}" -gt 0 ] || mapfile -t projects < <(ls dist/images 2>/dev/null)
for project in "${projects[@]}"; do
    dir="dist/images/$project"
    [ -d "$dir" ] || { echo "strata: $dir was not built here; skipped"; continue; }
    (cd "$dir" && sha256sum --check --strict --quiet SHA256SUMS) || { echo "strata: $dir does not match its SHA256SUMS" >&2; exit 1; }
    cp -r "$dir" "$out/$project"
    echo "strata: $project -> $out/$project"
done
