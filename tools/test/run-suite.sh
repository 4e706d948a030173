#!/usr/bin/env bash
# npm test: the two projects of vitest.config.mts side by side, each in a vitest process of its
# own that runs one file at a time. Vitest labels every file with its project. The run fails when
# either fails. Arguments go to both: `npm test -- test/boot.spec.ts` runs one file, and the
# project that does not hold it passes with no tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
pids=()
for project in debian others; do
  npx vitest run --project="$project" --passWithNoTests "$@" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
exit "$status"
