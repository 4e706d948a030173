#!/usr/bin/env bash
# CI step: every committed lock must still match its recipe (no dnf resolution against today's
# repositories: --check compares the recipe with the lock). Runs the same locally.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx nx run-many -t lock --check --output-style=static "$@"
