#!/usr/bin/env bash
# Scheduled CI job, and the same by hand: re-resolve the locks against what the repositories
# serve today and, when any changed, propose them on a branch (pushed to origin) and, with
# GH_TOKEN and GITHUB_REPOSITORY set (GitHub Actions), as a pull request.
#
#   bash tools/ci/refresh-locks.sh [nx run-many options, e.g. --projects='initrd-*']
#
# STRATA_REFRESH_BRANCH names the branch (default strata/lock-refresh-<UTC date>).
set -euo pipefail
cd "$(dirname "$0")/../.."

npx nx run-many -t lock --output-style=static "$@"

changed="$(git status --porcelain -- 'recipes/*/packages.lock.json' | awk '{print $2}')"
if [ -z "$changed" ]; then
    echo "strata: every lock is current; nothing to propose"
    exit 0
fi
recipes="$(echo "$changed" | sed -E 's#recipes/(.*)/packages\.lock\.json#\1#' | sort | tr '\n' ' ' | sed 's/ $//')"
branch="${STRATA_REFRESH_BRANCH:-strata/lock-refresh-$(date -u +%Y%m%d)}"
base="$(git rev-parse --abbrev-ref HEAD)"
title="Refresh locks: $recipes"

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
{
    echo "The repositories moved on; \`nx run-many -t lock\` re-resolved these recipes:"
    echo
    for lock in $changed; do
        echo "* \`$lock\`"
        # Package by package, old -> new NEVRA (strata diff reads both locks).
        git show "HEAD:$lock" > "$body.old.json" 2>/dev/null || echo '{"packages":[]}' > "$body.old.json"
        npx strata diff "$body.old.json" "$lock" 2>/dev/null | sed 's/^/    /' || true
        rm -f "$body.old.json"
    done
} > "$body"

git switch -q -c "$branch"
git add -- $changed
git -c user.name="${GIT_AUTHOR_NAME:-strata lock refresh}" -c user.email="${GIT_AUTHOR_EMAIL:-strata@localhost}" commit -q -F - <<MSG
$title

$(cat "$body")
MSG
echo "strata: committed the new locks of $recipes on $branch"

if git remote get-url origin >/dev/null 2>&1; then
    git push -q origin "$branch"
    echo "strata: pushed $branch to origin"
fi
if [ -n "${GH_TOKEN:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
    payload="$(node -e 'console.log(JSON.stringify({ title: process.argv[1], head: process.argv[2], base: process.argv[3], body: require("fs").readFileSync(process.argv[4], "utf8") }))' "$title" "$branch" "$base" "$body")"
    curl -fsS -X POST -H "Authorization: Bearer $GH_TOKEN" -H 'Accept: application/vnd.github+json' \
        "${GITHUB_API_URL:-https://api.github.com}/repos/$GITHUB_REPOSITORY/pulls" -d "$payload" >/dev/null
    echo "strata: opened a pull request from $branch into $base"
fi
